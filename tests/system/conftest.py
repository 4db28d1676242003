"""System-test fixtures: one real local stack per test session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mentionfleet.bus.delivery import DeliveryPolicy
from mentionfleet.config import Settings
from mentionfleet.gdelt.synth import Generated
from mentionfleet.localrun.fleet import LocalFleet
from mentionfleet.localrun.session import RunOptions, load_generated
from mentionfleet.localstack import LocalStack
from tests.system.helpers import AS_OF, EVENTS_PER_DAY, LOOKBACK

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Everything here needs the local stack; the marker lets `-m "not system"` skip it.
    for item in items:
        if _HERE in item.path.parents:
            item.add_marker(pytest.mark.system)


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    """PostgreSQL, the Pub/Sub emulator and the BigQuery stand-in, started and ready.

    A service that cannot start fails the tests that use it, with the reason.
    """
    stack = LocalStack().start()
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def stack_env(local_stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The stack's environment applied to os.environ for one test.

    Google clients read PUBSUB_EMULATOR_HOST when they are created, so create them after
    this fixture has run.
    """
    env = local_stack.env()
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture(scope="session")
def fleet_env(local_stack: LocalStack) -> dict[str, str]:
    """The stack's environment applied to this whole test process.

    In-process scorers and test clients read it (PUBSUB_EMULATOR_HOST, DATABASE_URL, ...).
    """
    env = local_stack.env()
    os.environ.update(env)
    return env


@pytest.fixture(scope="session")
def generated(fleet_env: dict[str, str]) -> Generated:
    """Generated GDELT data for the test window, loaded into the BigQuery stand-in."""
    options = RunOptions(
        seed=11, events_per_day=EVENTS_PER_DAY, lookback_days=LOOKBACK, as_of=AS_OF
    )
    return load_generated(Settings.from_env(fleet_env), options)


@pytest.fixture(scope="session")
def fleet(local_stack: LocalStack, generated: Generated) -> Iterator[LocalFleet]:
    """Both function servers and the subscriptions, retries shortened for tests."""
    policy = DeliveryPolicy(
        max_delivery_attempts=5, min_backoff_s=1, max_backoff_s=2, ack_deadline_s=60
    )
    with LocalFleet(local_stack, policy=policy) as running:
        yield running

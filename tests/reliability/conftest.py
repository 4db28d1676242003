"""One local stack for the whole package, the clean reference run, and the report.

`MENTIONFLEET_RELIABILITY_REPORT=<path>` (set by `make reliability` and `make soak`)
writes the scenarios' figures as a markdown page when the package finishes.
"""

from __future__ import annotations

import logging
import os
import shlex
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from mentionfleet.config import Settings
from mentionfleet.gdelt.synth import generate
from mentionfleet.localstack import LocalStack
from mentionfleet.spikes.params import DetectorParams
from mentionfleet.store import ledger
from mentionfleet.warehouse.client import make_client
from mentionfleet.warehouse.tables import ensure_tables, load
from tests.reliability import measure, report
from tests.reliability.rig import POLICY, SOAK_DATA, Baseline, DataSpec, Rig

REPORT_ENV = "MENTIONFLEET_RELIABILITY_REPORT"
_HERE = Path(__file__).parent
_REPO = _HERE.parents[1]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "soak: heavy reliability variant; only `make soak` (-m soak) runs it"
    )


def soak_selected(config: pytest.Config) -> bool:
    """`-m soak`: the heavy variant, on its own (larger) data."""
    expression = str(config.getoption("markexpr") or "")
    return "soak" in expression and "not soak" not in expression


@pytest.hookimpl(tryfirst=True)  # before `-m` selects on the markers added here
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    soak = soak_selected(config)
    kept, dropped = [], []
    for item in items:
        if _HERE in item.path.parents:
            item.add_marker(pytest.mark.system)  # needs the local stack, like tests/system
            if item.get_closest_marker("soak") and not soak:
                dropped.append(item)
                continue
        kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="package")
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    """Our own stack (never a caller's DATABASE_URL), with the generated data loaded.

    Its environment is applied to this process for the package (the Pub/Sub clients
    read it) and put back afterwards, so other test packages see theirs.
    """
    # Everything this process logs meanwhile, for the password check.
    capture = _Capture()
    root = logging.getLogger()
    level = root.level
    root.addHandler(capture)
    root.setLevel(logging.INFO)
    touched = {"DATABASE_URL", "PUBSUB_EMULATOR_HOST"}
    saved = {key: os.environ.get(key) for key in touched}
    os.environ.pop("DATABASE_URL", None)
    stack = LocalStack()
    try:
        stack.start()
        env = stack.env()
        touched |= set(env)
        saved.update({key: os.environ.get(key) for key in env if key not in saved})
        os.environ.update(env)
        spec = SOAK_DATA if soak_selected(request.config) else DataSpec()
        settings = Settings.from_env(env)
        data = generate(spec.seed, end=spec.as_of, days=spec.lookback_days,
                        events_per_day=spec.events_per_day)  # fmt: skip
        client = make_client(settings)
        ensure_tables(client, settings.bq_dataset)
        load(client, settings.bq_dataset, data, replace=True)
        del data  # the warehouse has it; the soak's copy is large
        rig = Rig(stack, spec, capture.lines)
        rig.create_fleet_role()
        yield rig
        destination = os.environ.get(REPORT_ENV)
        if destination:
            _write_report(rig, Path(destination), request.config)
    finally:
        root.removeHandler(capture)
        root.setLevel(level)
        try:
            stack.stop()
        finally:
            for key in touched:
                if saved.get(key) is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = saved[key]  # type: ignore[assignment]


@pytest.fixture(scope="package")
def baseline(rig: Rig) -> Baseline:
    """The clean run through the fanout: the table every scenario must reproduce."""
    with rig.scenario(0, "clean run (reference)", None) as clean:
        run_id = clean.kickoff()
        clean.fleet.wait_for_run(run_id, timeout_s=3600)
        with psycopg.connect(rig.admin_url) as conn:
            rows = measure.snapshot(conn)
            table_sum = measure.checksum(conn)
            batches = ledger.batch_event_ids(conn, run_id)
            run = ledger.get_run(conn, run_id)
    assert run is not None and clean.figures is not None
    assert clean.figures.failures() == [], clean.figures.failures()
    assert rows, "the clean run must store rows"
    detector = DetectorParams.model_validate(run.params.get("detector", {}))
    return Baseline(rows=rows, checksum=table_sum, batches=batches, detector=detector)


def _write_report(rig: Rig, destination: Path, config: pytest.Config) -> None:
    spec = rig.spec
    clean = next((f for f in rig.figures if f.number == 0), None)
    setup = {
        "data": (
            f"generated, seed {spec.seed}, {spec.events_per_day} events a day, "
            f"look-back {spec.lookback_days} days ending {spec.as_of}, batch size "
            f"{spec.batch_size}" + (f" ({clean.batches} batches)" if clean else "")
        ),
        "delivery": (
            f"push subscription, at most {POLICY.max_delivery_attempts} attempts, ack deadline "
            f"{POLICY.ack_deadline_s} s; the emulator redelivers a failed push after about "
            "1 s and pushes at most 2 messages at a time per subscription"
        ),
        "scorer": "functions-framework, 2 worker processes x 4 threads "
        "(scenario 5: 8 processes x 1 thread, fed by 4 push subscriptions)",
        "database": "the fleet logs in as a role with a password (scram-sha-256); "
        "the password appears in no log (tests/reliability/test_secrets.py)",
        "machine": f"{os.cpu_count()} CPU cores",
    }
    args = shlex.join(config.invocation_params.args)
    path = destination if destination.is_absolute() else _REPO / destination
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        report.page(
            rig.figures,
            setup=setup,
            command=f"{REPORT_ENV}={destination} python -m pytest {args}".strip(),
            generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        ),
        encoding="utf-8",
    )

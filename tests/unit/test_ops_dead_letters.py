"""Describing dead letters and restoring their attributes for a replay."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from mentionfleet.config import Settings
from mentionfleet.ops.dead_letters import (
    Pulled,
    describe,
    replay_attributes,
    routing,
    subscription_name,
)
from mentionfleet.store.ledger import BatchRecord

DATA = json.dumps({"run_id": "run-20261129-aa", "event_ids": [5, 6, 7]}).encode()
ROUTING = {"schema_version": "1", "run_id": "run-20261129-aa", "batch_index": "2"}
NATIVE = {
    **ROUTING,
    "CloudPubSubDeadLetterSourceDeliveryCount": "5",
    "CloudPubSubDeadLetterSourceSubscription": "scorer-push",
    "CloudPubSubDeadLetterSourceSubscriptionProject": "p",
    "CloudPubSubDeadLetterSourceTopicPublishTime": "2026-11-30T01:00:00Z",
}


def _pulled(attributes: dict[str, str], data: bytes = DATA) -> Pulled:
    return Pulled("ack-1", "m-1", data, attributes, datetime(2026, 11, 30, tzinfo=UTC))


def _batch(state: str = "failed", error: str | None = "RaiseException: poison") -> BatchRecord:
    return BatchRecord("run-20261129-aa", 2, [5, 6, 7], state, 5, error, 0, None)


def test_native_dead_letter_takes_its_reason_from_the_ledger_and_attempts_from_pubsub() -> None:
    letter = describe(_pulled(NATIVE), _batch())
    assert (letter.run_id, letter.batch_index, letter.events) == ("run-20261129-aa", 2, 3)
    assert letter.source == "pubsub"
    assert letter.reason == "RaiseException: poison"
    assert letter.attempts == 5
    assert letter.ledger_state == "failed"


def test_native_dead_letter_without_a_recorded_error_says_so() -> None:
    letter = describe(_pulled(NATIVE), _batch(state="pending", error=None))
    assert "no error recorded" in letter.reason


def test_scorer_dead_letter_carries_its_own_reason() -> None:
    attrs = {**ROUTING, "dead_letter_reason": "event_ids: not a list", "dead_letter_field": "x"}
    letter = describe(_pulled(attrs, b"{not json"), None)
    assert letter.source == "scorer"
    assert letter.reason == "event_ids: not a list"
    assert letter.events is None and letter.attempts is None and letter.ledger_state is None


def test_events_fall_back_to_the_ledger_when_the_data_is_unreadable() -> None:
    letter = describe(_pulled(NATIVE, b"\xff\xfe"), _batch())
    assert letter.events == 3


def test_replay_restores_exactly_the_original_attributes() -> None:
    scorer = {**ROUTING, "dead_letter_reason": "r", "dead_letter_field": "f"}
    assert replay_attributes(NATIVE) == ROUTING
    assert replay_attributes(scorer) == ROUTING


def test_routing_tolerates_missing_or_odd_attributes() -> None:
    assert routing({}) == (None, None)
    assert routing({"run_id": "r", "batch_index": "-1"}) == ("r", None)
    assert routing({"run_id": "r", "batch_index": "12"}) == ("r", 12)


def test_subscription_defaults_to_the_terraform_name_and_can_be_set() -> None:
    settings = Settings.from_env(
        {"MENTIONFLEET_PROJECT": "p", "MENTIONFLEET_DEAD_LETTER_TOPIC": "mf-dev-batches-dead"}
    )
    assert subscription_name(settings, {}) == "mf-dev-batches-dead-sub"
    env = {"MENTIONFLEET_DEAD_LETTER_SUBSCRIPTION": "other"}
    assert subscription_name(settings, env) == "other"

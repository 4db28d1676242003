"""Rebuilding batch messages from the ledger, and reprocess run ids."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mentionfleet.message import decode
from mentionfleet.ops.republish import messages_for, parse_event_ids, reprocess_run_id
from mentionfleet.spikes.params import DetectorParams
from mentionfleet.store.ledger import BatchRecord, RunRecord

NOW = datetime(2026, 12, 1, 7, 30, 5, tzinfo=UTC)


def _run(params: dict[str, object]) -> RunRecord:
    return RunRecord("run-20261129-aa", date(2026, 11, 29), params, 5, 3, "running", NOW, NOW, None)


def test_event_ids_are_parsed_sorted_and_unique() -> None:
    assert parse_event_ids("3, 1,2,,3") == (1, 2, 3)


@pytest.mark.parametrize(("text", "bad"), [("1,x", "'x'"), ("1,-4", "-4"), (" , ", "' , '")])
def test_bad_event_ids_are_named(text: str, bad: str) -> None:
    with pytest.raises(ValueError, match=bad):
        parse_event_ids(text)


def test_messages_carry_the_runs_own_parameters_and_decode_as_the_scorer_would() -> None:
    params = {"lookback_days": 12, "batch_size": 2, "detector": {"method": "robust"}}
    batches = [
        BatchRecord("run-20261129-aa", 1, [7, 9], "scored", 1, None, 10, NOW),
        BatchRecord("run-20261129-aa", 2, [11], "failed", 3, "boom", 0, None),
    ]
    messages = messages_for(_run(params), batches)
    assert [(m.batch_index, m.batch_count, m.event_ids) for m in messages] == [
        (1, 3, (7, 9)),
        (2, 3, (11,)),
    ]
    assert {(m.as_of, m.lookback_days, m.detector.method) for m in messages} == {
        (date(2026, 11, 29), 12, "robust")
    }
    assert [decode(m.encode(), m.attributes()) for m in messages] == messages


def test_a_run_without_a_lookback_cannot_be_rebuilt() -> None:
    with pytest.raises(ValueError, match="lookback_days"):
        messages_for(_run({}), [])


def test_reprocess_run_ids_depend_on_what_is_computed_and_when() -> None:
    day = date(2026, 11, 29)
    a = reprocess_run_id(day, [1, 2], 30, DetectorParams(), now=NOW)
    assert a.startswith("rep-20261129-") and a.endswith("-20261201073005")
    assert reprocess_run_id(day, [1, 2], 30, DetectorParams(), now=NOW) == a
    assert reprocess_run_id(day, [1, 3], 30, DetectorParams(), now=NOW) != a
    assert reprocess_run_id(day, [1, 2], 29, DetectorParams(), now=NOW) != a
    robust = DetectorParams(method="robust")
    assert reprocess_run_id(day, [1, 2], 30, robust, now=NOW) != a
    later = NOW.replace(second=6)
    assert reprocess_run_id(day, [1, 2], 30, DetectorParams(), now=later) != a

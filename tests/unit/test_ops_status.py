"""Status output: run kinds, attention flags, and the tables an operator reads."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from mentionfleet.cli.status import detail_text, duration, runs_table
from mentionfleet.ops.status import OpenBatch, RunDetail, RunStatus, run_kind

STARTED = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _status(**changes: Any) -> RunStatus:
    base: dict[str, Any] = {
        "run_id": "run-20261130-aa", "kind": "scheduled", "as_of": date(2026, 11, 30),
        "state": "running", "events": 900, "batches_total": 4, "batches_scored": 2,
        "batches_pending": 1, "batches_failed": 0, "batches_dead_lettered": 0,
        "rows_written": 1234, "attempts": 3, "started_at": STARTED, "published_at": STARTED,
        "finished_at": None, "duration_s": 75.4, "params": {},
    }  # fmt: skip
    return RunStatus(**{**base, **changes})


def test_run_kind_from_params() -> None:
    assert run_kind({"lookback_days": 30, "rerun": False}) == "scheduled"
    assert run_kind({"rerun": True}) == "rerun"
    assert run_kind({"kind": "reprocess"}) == "reprocess"


def test_only_unfinished_runs_with_failures_need_attention() -> None:
    assert not _status().needs_attention
    assert _status(batches_failed=1).needs_attention
    assert _status(batches_dead_lettered=1).needs_attention
    assert not _status(state="complete", batches_failed=1).needs_attention


def test_duration_reads_like_a_person_would_write_it() -> None:
    assert [duration(s) for s in (4.4, 75.4, 3725)] == ["4s", "1m 15s", "1h 02m"]


def test_runs_table_has_one_line_per_run_and_flags_the_stuck_one() -> None:
    table = runs_table([_status(), _status(run_id="run-20261129-bb", batches_dead_lettered=1)])
    header, first, second = table.splitlines()
    assert header.split() == [
        "RUN", "AS", "OF", "KIND", "STATE", "SCORED", "FAILED", "DEAD", "ROWS", "DURATION",
    ]  # fmt: skip
    assert first.split()[:5] == ["run-20261130-aa", "2026-11-30", "scheduled", "running", "2/4"]
    assert "needs attention" not in first and second.endswith("<- needs attention")
    assert runs_table([]) == "no runs in the ledger"


def test_detail_lists_unfinished_batches_with_their_last_error() -> None:
    detail = RunDetail(
        _status(batches_failed=1),
        [OpenBatch(3, "failed", 2, 40, 101, 140, "OperationalError: connection\nrefused")],
    )
    text = detail_text(detail)
    assert "2/4 scored, 1 pending, 1 failed, 0 dead-lettered" in text
    assert "running for 1m 15s" in text
    row = text.splitlines()[-1].split(maxsplit=4)
    assert row == ["3", "failed", "2", "40", "OperationalError: connection refused"]
    assert detail.as_json()["open_batches"][0]["last_error"].startswith("OperationalError")

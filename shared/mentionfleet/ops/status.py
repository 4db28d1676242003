"""Read models of the run ledger: how far a run got, and what is wrong with it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

REPROCESS = "reprocess"

# One row per run with its batch counts; filtered and limited by the callers below.
_RUNS = """
SELECT r.run_id, r.as_of, r.params, r.state, r.event_count AS events,
       r.batch_count AS batches_total,
       count(b.batch_index) FILTER (WHERE b.state = 'scored') AS batches_scored,
       count(b.batch_index) FILTER (WHERE b.state = 'pending') AS batches_pending,
       count(b.batch_index) FILTER (WHERE b.state = 'failed') AS batches_failed,
       count(b.batch_index) FILTER (WHERE b.state = 'dead_lettered') AS batches_dead_lettered,
       COALESCE(sum(b.rows_written), 0)::bigint AS rows_written,
       COALESCE(sum(b.attempts), 0)::bigint AS attempts,
       r.started_at, r.published_at, r.finished_at,
       extract(epoch FROM COALESCE(r.finished_at, now()) - r.started_at)::float8 AS duration_s
FROM runs r LEFT JOIN batches b ON b.run_id = r.run_id
"""
_GROUP = " GROUP BY r.run_id"


def run_kind(params: dict[str, Any]) -> str:
    """scheduled (the daily kickoff), rerun (a day run again on purpose) or reprocess."""
    if params.get("kind") == REPROCESS:
        return REPROCESS
    return "rerun" if params.get("rerun") else "scheduled"


@dataclass(frozen=True)
class RunStatus:
    run_id: str
    kind: str
    as_of: date
    state: str
    """publishing, running or complete (the ledger's run state)."""
    events: int
    batches_total: int
    batches_scored: int
    batches_pending: int
    batches_failed: int
    batches_dead_lettered: int
    rows_written: int
    attempts: int
    started_at: datetime
    published_at: datetime | None
    finished_at: datetime | None
    duration_s: float
    """Until finished, or until now for a run still in flight."""
    params: dict[str, Any]

    @property
    def needs_attention(self) -> bool:
        """Not going to complete by itself: failing or dead-lettered batches."""
        return self.state != "complete" and (
            self.batches_failed > 0 or self.batches_dead_lettered > 0
        )

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["as_of"] = self.as_of.isoformat()
        for key in ("started_at", "published_at", "finished_at"):
            value = getattr(self, key)
            out[key] = value.isoformat() if value else None
        out["duration_s"] = round(self.duration_s, 1)
        out["needs_attention"] = self.needs_attention
        return out


@dataclass(frozen=True)
class OpenBatch:
    """A batch not (yet) scored."""

    batch_index: int
    state: str
    attempts: int
    events: int
    first_event_id: int
    last_event_id: int
    last_error: str | None


@dataclass(frozen=True)
class RunDetail:
    run: RunStatus
    open_batches: list[OpenBatch]

    def as_json(self) -> dict[str, Any]:
        return {**self.run.as_json(), "open_batches": [asdict(b) for b in self.open_batches]}


def _status(row: dict[str, Any]) -> RunStatus:
    return RunStatus(kind=run_kind(row["params"]), **row)


def recent_runs(conn: psycopg.Connection, limit: int = 10) -> list[RunStatus]:
    """The latest runs, newest first (by start time)."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            _RUNS + _GROUP + " ORDER BY r.started_at DESC, r.run_id LIMIT %s", (limit,)
        ).fetchall()
    return [_status(r) for r in rows]


def run_status(conn: psycopg.Connection, run_id: str) -> RunStatus | None:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(_RUNS + " WHERE r.run_id = %s" + _GROUP, (run_id,)).fetchone()
    return _status(row) if row else None


def run_detail(conn: psycopg.Connection, run_id: str) -> RunDetail:
    """A run's progress and every batch not scored, with its last error."""
    run = run_status(conn, run_id)
    if run is None:
        raise LookupError(f"run {run_id!r} is not in the ledger; `mentionfleet status` lists runs")
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            "SELECT batch_index, state, attempts, cardinality(event_ids) AS events,"
            " event_ids[1] AS first_event_id, event_ids[cardinality(event_ids)] AS last_event_id,"
            " last_error FROM batches WHERE run_id = %s AND state <> 'scored'"
            " ORDER BY batch_index",
            (run_id,),
        ).fetchall()
    return RunDetail(run, [OpenBatch(**r) for r in rows])


def latest_of_day(conn: psycopg.Connection, as_of: date) -> RunStatus | None:
    """The newest run of that day that is not a reprocess (the scheduled run or a rerun)."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            _RUNS + " WHERE r.as_of = %s AND COALESCE(r.params->>'kind', '') <> %s" + _GROUP
            + " ORDER BY r.started_at DESC LIMIT 1",
            (as_of, REPROCESS),
        ).fetchone()  # fmt: skip
    return _status(row) if row else None

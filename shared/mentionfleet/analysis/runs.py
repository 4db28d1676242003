"""A run as the ledger and the score table tell it: figures and health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import psycopg

from mentionfleet.analysis.spikes import TIER_ORDER, require_run

BATCH_STATES = ("pending", "scored", "failed", "dead_lettered")


@dataclass(frozen=True)
class ProblemBatch:
    batch_index: int
    state: str
    attempts: int
    events: int
    last_error: str | None


@dataclass(frozen=True)
class RunOverview:
    run_id: str
    as_of: date
    lookback_days: int
    state: str
    started_at: datetime
    finished_at: datetime | None
    params: dict[str, Any]
    events: int
    batches_total: int
    batches_by_state: dict[str, int]
    attempts: int
    """Deliveries of all batches, as the scorers recorded them."""
    retries: int
    """Deliveries beyond each batch's first."""
    rows_written: int
    event_days: int
    """Stored rows of the run's events in its window."""
    spikes_by_tier: dict[str, int]
    problems: list[ProblemBatch]
    """Failed and dead-lettered batches, in index order."""

    @property
    def window_start(self) -> date:
        return self.as_of - timedelta(days=self.lookback_days - 1)

    @property
    def batches_scored(self) -> int:
        return self.batches_by_state.get("scored", 0)


def latest_run_id(conn: psycopg.Connection) -> str:
    row = conn.execute("SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()
    if row is None:
        raise LookupError("the run ledger has no runs yet (kick one off first)")
    return str(row[0])


# The run's events on the days of its window; %(run)s, %(start)s and %(as_of)s bound it.
_SCOPE = (
    "FROM mention_scores s"
    " WHERE s.event_id IN (SELECT unnest(event_ids) FROM batches WHERE run_id = %(run)s)"
    " AND s.day BETWEEN %(start)s AND %(as_of)s"
)


def read_run(conn: psycopg.Connection, run_id: str) -> RunOverview:
    require_run(conn, run_id)
    run = conn.execute(
        "SELECT as_of, state, event_count, batch_count, params, started_at, finished_at"
        " FROM runs WHERE run_id = %s",
        (run_id,),
    ).fetchone()
    assert run is not None  # require_run checked it
    as_of, state, events, batch_count, params, started_at, finished_at = run
    lookback = int(params.get("lookback_days", 1))
    by_state = {s: 0 for s in BATCH_STATES}
    attempts = retries = rows_written = 0
    for batch_state, count, tried, again, rows in conn.execute(
        "SELECT state, count(*), sum(attempts), sum(greatest(attempts - 1, 0)),"
        " sum(rows_written) FROM batches WHERE run_id = %s GROUP BY state",
        (run_id,),
    ).fetchall():
        by_state[batch_state] = int(count)
        attempts += int(tried)
        retries += int(again)
        rows_written += int(rows)
    bounds = {"run": run_id, "as_of": as_of, "start": as_of - timedelta(days=lookback - 1)}
    event_days = conn.execute(f"SELECT count(*) {_SCOPE}", bounds).fetchone()
    tiers: dict[str, int] = dict(
        conn.execute(
            f"SELECT s.tier, count(*) {_SCOPE} AND s.tier IS NOT NULL GROUP BY s.tier", bounds
        ).fetchall()
    )
    problems = [
        ProblemBatch(*row)
        for row in conn.execute(
            "SELECT batch_index, state, attempts, cardinality(event_ids), last_error"
            " FROM batches WHERE run_id = %s AND state IN ('failed', 'dead_lettered')"
            " ORDER BY batch_index",
            (run_id,),
        ).fetchall()
    ]
    return RunOverview(
        run_id=run_id,
        as_of=as_of,
        lookback_days=lookback,
        state=state,
        started_at=started_at,
        finished_at=finished_at,
        params=params,
        events=events,
        batches_total=batch_count,
        batches_by_state=by_state,
        attempts=attempts,
        retries=retries,
        rows_written=rows_written,
        event_days=int(event_days[0]) if event_days else 0,
        spikes_by_tier={t.value: int(tiers.get(t.value, 0)) for t in reversed(TIER_ORDER)},
        problems=problems,
    )

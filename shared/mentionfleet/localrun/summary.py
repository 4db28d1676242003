"""What a finished run produced, read back from PostgreSQL, and checked against truth."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import psycopg

from mentionfleet.gdelt.synth import Spike
from mentionfleet.warehouse.queries import Window


@dataclass(frozen=True)
class TopSpike:
    event_id: int
    day: date
    mentions: int
    baseline_mean: float | None
    z: float
    tier: str


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    as_of: date
    state: str
    events: int
    batches_total: int
    batches_scored: int
    rows_written: int
    event_days: int
    spikes_by_tier: dict[str, int]
    top_spikes: list[TopSpike]
    seconds: float
    injected_spikes: int = 0
    injected_found: int = 0
    injected_found_by_magnitude: dict[str, list[int]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["as_of"] = self.as_of.isoformat()
        for spike in out["top_spikes"]:
            spike["day"] = spike["day"].isoformat()
        return out


def read_summary(
    conn: psycopg.Connection, run_id: str, *, seconds: float, truth: tuple[Spike, ...] = ()
) -> RunSummary:
    run = conn.execute(
        "SELECT as_of, state, event_count, batch_count, (params->>'lookback_days')::int"
        " FROM runs WHERE run_id = %s",
        (run_id,),
    ).fetchone()
    if run is None:
        raise LookupError(f"run {run_id!r} is not in the ledger")
    as_of, state, events, batch_count, lookback = run
    scored, rows_written = conn.execute(
        "SELECT count(*) FILTER (WHERE state = 'scored'), COALESCE(sum(rows_written), 0)"
        " FROM batches WHERE run_id = %s",
        (run_id,),
    ).fetchone() or (0, 0)
    # The run's events are the ids of its batches; its rows are theirs in the window.
    scope = (
        "FROM mention_scores s JOIN (SELECT unnest(event_ids) AS event_id FROM batches"
        " WHERE run_id = %(run)s) b USING (event_id)"
        " WHERE s.day BETWEEN %(start)s AND %(as_of)s"
    )
    start = Window(as_of=as_of, days=lookback).start
    bounds = {"run": run_id, "as_of": as_of, "start": start}
    event_days = conn.execute(f"SELECT count(*) {scope}", bounds).fetchone()
    tiers: Counter[str] = Counter(
        dict(
            conn.execute(
                f"SELECT s.tier, count(*) {scope} AND s.tier IS NOT NULL GROUP BY s.tier", bounds
            ).fetchall()
        )
    )
    top = [
        TopSpike(*row)
        for row in conn.execute(
            f"SELECT s.event_id, s.day, s.mentions, s.baseline_mean, s.z, s.tier {scope}"
            " AND s.tier IS NOT NULL ORDER BY s.z DESC, s.event_id, s.day LIMIT 10",
            bounds,
        ).fetchall()
    ]
    found_total, by_magnitude = _injected_found(conn, run_id, truth, start, as_of)
    return RunSummary(
        run_id=run_id,
        as_of=as_of,
        state=state,
        events=events,
        batches_total=batch_count,
        batches_scored=int(scored),
        rows_written=int(rows_written),
        event_days=int(event_days[0]) if event_days else 0,
        spikes_by_tier={t: tiers.get(t, 0) for t in ("CRITICAL", "HIGH", "MEDIUM")},
        top_spikes=top,
        seconds=round(seconds, 1),
        injected_spikes=sum(v[1] for v in by_magnitude.values()),
        injected_found=found_total,
        injected_found_by_magnitude=by_magnitude,
    )


def _injected_found(
    conn: psycopg.Connection, run_id: str, truth: tuple[Spike, ...], start: date, as_of: date
) -> tuple[int, dict[str, list[int]]]:
    """Injected spikes on the run's events in its window, flagged at any tier: found, total.

    A run covers the events first seen in its window; spikes of older events are not its.
    """
    in_run = {
        event_id
        for (ids,) in conn.execute("SELECT event_ids FROM batches WHERE run_id = %s", (run_id,))
        for event_id in ids
    }
    in_window = [s for s in truth if start <= s.day <= as_of and s.event_id in in_run]
    if not in_window:
        return 0, {}
    flagged = {
        (event_id, day)
        for event_id, day in conn.execute(
            "SELECT event_id, day FROM mention_scores"
            " WHERE (event_id, day) IN (SELECT * FROM unnest(%s::bigint[], %s::date[]))"
            " AND tier IS NOT NULL",
            ([s.event_id for s in in_window], [s.day for s in in_window]),
        ).fetchall()
    }
    by_magnitude: dict[str, list[int]] = {}
    for spike in in_window:
        entry = by_magnitude.setdefault(f"{spike.magnitude:g}x", [0, 0])
        entry[0] += (spike.event_id, spike.day) in flagged
        entry[1] += 1
    return sum(v[0] for v in by_magnitude.values()), dict(sorted(by_magnitude.items()))

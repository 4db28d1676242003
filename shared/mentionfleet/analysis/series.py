"""One event's scored days, for its plot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg


@dataclass(frozen=True)
class ScoredDay:
    day: date
    mentions: int
    baseline_mean: float | None
    baseline_std: float | None
    z: float | None
    tier: str | None


def read_series(
    conn: psycopg.Connection,
    event_id: int,
    *,
    start: date | None = None,
    end: date | None = None,
) -> list[ScoredDay]:
    """The event's rows in day order (all stored days unless bounded); LookupError if none."""
    rows = conn.execute(
        "SELECT day, mentions, baseline_mean, baseline_std, z, tier FROM mention_scores"
        " WHERE event_id = %(id)s"
        "   AND (%(start)s::date IS NULL OR day >= %(start)s::date)"
        "   AND (%(end)s::date IS NULL OR day <= %(end)s::date)"
        " ORDER BY day",
        {"id": event_id, "start": start, "end": end},
    ).fetchall()
    if not rows:
        bounds = [f"from {start}"] * (start is not None) + [f"to {end}"] * (end is not None)
        where = "".join(f" {b}" for b in bounds)
        raise LookupError(f"event {event_id} has no scored days in mention_scores{where}")
    return [ScoredDay(*row) for row in rows]

"""Spikes as stored in mention_scores, most severe first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg

from mentionfleet.spikes.params import Tier

TIER_ORDER: tuple[Tier, ...] = (Tier.MEDIUM, Tier.HIGH, Tier.CRITICAL)


@dataclass(frozen=True)
class Spike:
    event_id: int
    day: date
    mentions: int
    baseline_mean: float | None
    baseline_std: float | None
    z: float
    velocity: int | None
    tier: str
    run_id: str
    """The run that last wrote this row."""


@dataclass(frozen=True)
class SpikeFilter:
    since: date | None = None
    """Only days on or after this one."""
    min_tier: Tier = Tier.MEDIUM
    """Only spikes of this tier or above."""
    run_id: str | None = None
    """Only the run's events, in the run's window."""
    limit: int = 20


def tiers_from(least: Tier) -> list[str]:
    return [t.value for t in TIER_ORDER[TIER_ORDER.index(least) :]]


# A run's scope: the events of its batches, on the days of its window.
_RUN_SCOPE = """
  AND s.event_id IN (SELECT unnest(event_ids) FROM batches WHERE run_id = %(run)s)
  AND s.day BETWEEN (SELECT as_of - ((params->>'lookback_days')::int - 1)
                     FROM runs WHERE run_id = %(run)s)
                AND (SELECT as_of FROM runs WHERE run_id = %(run)s)
"""

_SPIKES = """
SELECT s.event_id, s.day, s.mentions, s.baseline_mean, s.baseline_std, s.z, s.velocity,
       s.tier, s.run_id
FROM mention_scores s
WHERE s.tier = ANY(%(tiers)s)
  AND (%(since)s::date IS NULL OR s.day >= %(since)s::date)
{scope}
ORDER BY array_position(%(order)s, s.tier) DESC, s.z DESC, s.event_id, s.day
LIMIT %(limit)s
"""


def read_spikes(conn: psycopg.Connection, f: SpikeFilter) -> list[Spike]:
    """Spikes matching `f`: higher tier first, then higher z (ties: event id, day)."""
    if f.run_id is not None:
        require_run(conn, f.run_id)
    params: dict[str, Any] = {
        "tiers": tiers_from(f.min_tier),
        "since": f.since,
        "order": [t.value for t in TIER_ORDER],
        "limit": f.limit,
        "run": f.run_id,
    }
    # The only text spliced in is the constant scope above; values are parameters.
    sql = _SPIKES.format(scope=_RUN_SCOPE if f.run_id is not None else "")
    return [Spike(*row) for row in conn.execute(sql, params).fetchall()]


def require_run(conn: psycopg.Connection, run_id: str) -> None:
    if conn.execute("SELECT 1 FROM runs WHERE run_id = %s", (run_id,)).fetchone() is None:
        raise LookupError(f"run {run_id!r} is not in the ledger (see `mentionfleet status`)")


def first_days(conn: psycopg.Connection, event_ids: list[int]) -> dict[int, date]:
    """Each event's first scored day: the day it was first seen, or a window's start."""
    rows = conn.execute(
        "SELECT event_id, min(day) FROM mention_scores WHERE event_id = ANY(%s) GROUP BY event_id",
        (event_ids,),
    ).fetchall()
    return {int(e): d for e, d in rows}

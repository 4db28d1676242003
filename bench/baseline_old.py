"""The single-process baseline, shaped like the system the fleet replaced.

One query for every event's daily counts over the window, one Python loop scoring event
by event, one writer. It runs on the same stack as the fleet (the BigQuery stand-in, the
same PostgreSQL, the project's own write path) and computes the same scores, so a
comparison measures the architecture, not a different algorithm:

- the detector is re-implemented as plain per-event loops (the old function's shape),
  operation for operation in the vectorised detector's order, so the floats agree;
- it is given the detector parameters the fleet's run recorded, weekday factors
  included (the fanout estimates them with one extra query, which the baseline is
  spared; the old function had no weekday adjustment at all).

Only the default method (`zscore`) is re-implemented.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import psycopg
from google.cloud import bigquery

from mentionfleet.spikes import detector
from mentionfleet.spikes.params import DetectorParams
from mentionfleet.spikes.scores import tier_name
from mentionfleet.store.scores import ScoreRow, upsert_scores
from mentionfleet.warehouse.queries import CountryCodes, Query, Window, _table
from mentionfleet.warehouse.reads import _run

NAN = math.nan


def old_query(events_table: str, mentions_table: str, window: Window, codes: CountryCodes) -> Query:
    """Every Venezuela event of the window with its daily distinct-article counts."""
    # Table names come from configuration (quoted by _table); values are parameters.
    sql = f"""
WITH ve AS (
  SELECT GLOBALEVENTID AS event_id, MIN(DateAddedDay) AS first_seen
  FROM {_table(events_table)}
  WHERE DateAddedDay BETWEEN @start AND @end
    AND (ActionGeo_CountryCode = @geo
         OR Actor1CountryCode = @actor
         OR Actor2CountryCode = @actor)
  GROUP BY event_id
),
daily AS (
  SELECT m.GLOBALEVENTID AS event_id, m.MentionDay AS day,
         COUNT(DISTINCT m.MentionIdentifier) AS articles
  FROM {_table(mentions_table)} AS m
  JOIN ve ON m.GLOBALEVENTID = ve.event_id
  WHERE m.MentionDay BETWEEN @start AND @end
  GROUP BY m.GLOBALEVENTID, m.MentionDay
)
SELECT ve.event_id, ve.first_seen, d.day, COALESCE(d.articles, 0) AS articles
FROM ve LEFT JOIN daily AS d ON d.event_id = ve.event_id
ORDER BY ve.event_id, d.day
"""  # noqa: S608
    return Query(
        sql,
        [
            bigquery.ScalarQueryParameter("start", "DATE", window.start),
            bigquery.ScalarQueryParameter("end", "DATE", window.as_of),
            bigquery.ScalarQueryParameter("geo", "STRING", codes.geo_fips),
            bigquery.ScalarQueryParameter("actor", "STRING", codes.actor_cameo),
        ],
    )


@dataclass
class Series:
    """One event's zero-filled counts and first-seen day index, as `reads.to_daily_counts`."""

    counts: list[int]
    added: int
    first_seen: int = 0


def fold(
    window: Window, rows: Sequence[tuple[int, date | None, date | None, int]]
) -> dict[int, Series]:
    """Query rows -> one Series per event, in a plain loop (the old function's shape)."""
    series: dict[int, Series] = {}
    for event_id, seen_day, day, articles in rows:
        s = series.get(event_id)
        if s is None:
            s = series[event_id] = Series([0] * window.days, window.days)
        if seen_day is not None:
            s.added = min(s.added, max((seen_day - window.start).days, 0))
        if day is not None and articles:
            d = (day - window.start).days
            if 0 <= d < window.days:
                s.counts[d] += articles
    for s in series.values():
        first_mention = next((d for d, c in enumerate(s.counts) if c > 0), window.days)
        s.first_seen = min(s.added, first_mention)
    return series


def _mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and ddof=1 std, summed in the same order as `spikes.zscore.mean_std`."""
    h = len(values)
    if h == 0:
        return NAN, NAN
    total = 0.0
    for v in values:
        total += v
    mean = total / h
    if h < 2:
        return mean, NAN
    squares = 0.0
    for v in values:
        deviation = v - mean
        squares += deviation * deviation
    return mean, math.sqrt(squares / (h - 1.0))


def _nanmax(a: float, b: float) -> float:
    """np.maximum: NaN if either is NaN."""
    return NAN if math.isnan(a) or math.isnan(b) else max(a, b)


def _floor(rule: str, location: float) -> float:
    """`detector.sigma_floor` for one value."""
    if rule == "poisson":
        return NAN if math.isnan(location) else max(math.sqrt(max(location, 0.0)), 1.0)
    if rule == "one":
        return 1.0
    return 0.0


def _tier(z: float, p: DetectorParams) -> int:
    if math.isnan(z):
        return -1
    return int(z >= p.medium) + int(z >= p.high) + int(z >= p.critical)


def score_event(
    counts: Sequence[int], first: int, start_weekday: int, params: DetectorParams
) -> list[tuple[int, int, int, float, float, float, float, int]]:
    """(day index, mentions, history, mean, std, z, velocity, tier) per seen day, looping."""
    if params.method != "zscore":
        raise ValueError(f"method={params.method!r}: the baseline implements only 'zscore'")
    n, width = len(counts), params.baseline_days
    weekly = params.weekday_factors if params.weekday else None
    factor = [weekly[(start_weekday + d) % 7] if weekly else 1.0 for d in range(n)]
    x = [float(c) if d >= first else 0.0 for d, c in enumerate(counts)]
    adjusted = [x[d] / factor[d] for d in range(n)]
    out = []
    for d in range(max(first, 0), n):
        h = min(d - first, width)
        mean, std = _mean_std([x[d - 1 - k] for k in range(h)])
        if weekly:
            location, spread = _mean_std([adjusted[d - 1 - k] for k in range(h)])
            if spread <= detector.RELATIVE_ZERO * abs(location):
                spread = 0.0
        else:
            location, spread = mean, std
        location, spread = location * factor[d], spread * factor[d]
        sigma = _nanmax(spread, _floor(params.sigma_floor, location))
        scored = h >= params.min_history and not math.isnan(sigma) and sigma > 0
        z = (x[d] - location) / sigma if scored else NAN
        velocity = x[d] - x[d - 1] if d >= 1 and d - 1 >= first else NAN
        out.append((d, counts[d], h, mean, std, z, velocity, _tier(z, params)))
    return out


def _opt(value: float) -> float | None:
    return None if math.isnan(value) else value


def score_all(
    series: dict[int, Series], window: Window, params: DetectorParams, run_id: str
) -> list[ScoreRow]:
    """Score every event, one at a time, into rows for `mention_scores`."""
    dates = [window.start + timedelta(days=d) for d in range(window.days)]
    start_weekday = window.start.weekday()
    rows: list[ScoreRow] = []
    for event_id in sorted(series):
        s = series[event_id]
        for d, mentions, h, mean, std, z, velocity, tier in score_event(
            s.counts, s.first_seen, start_weekday, params
        ):
            rows.append(
                (
                    event_id, dates[d], mentions, h, _opt(mean), _opt(std), _opt(z),
                    None if math.isnan(velocity) else int(velocity), tier_name(tier),
                    run_id, 0,
                )
            )  # fmt: skip
    return rows


@dataclass(frozen=True)
class BaselineRun:
    events: int
    rows: int
    written: int
    query_s: float
    score_s: float
    write_s: float

    @property
    def seconds(self) -> float:
        return self.query_s + self.score_s + self.write_s


def run_baseline(
    client: bigquery.Client,
    events_table: str,
    mentions_table: str,
    database_url: str,
    window: Window,
    *,
    max_bytes_billed: int,
    params: DetectorParams,
    run_id: str = "bench-baseline",
) -> BaselineRun:
    """Query, score, write; each phase timed."""
    t0 = time.perf_counter()
    query = old_query(events_table, mentions_table, window, CountryCodes())
    result = [
        (int(r["event_id"]), r["first_seen"], r["day"], int(r["articles"]))
        for r in _run(client, query, max_bytes_billed)
    ]
    t1 = time.perf_counter()
    series = fold(window, result)
    rows = score_all(series, window, params, run_id)
    t2 = time.perf_counter()
    with psycopg.connect(database_url) as conn:
        written = upsert_scores(conn, rows)
        conn.commit()
    t3 = time.perf_counter()
    return BaselineRun(len(series), len(rows), written, t1 - t0, t2 - t1, t3 - t2)

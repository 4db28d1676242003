"""Running the fleet's queries: the I/O side of `queries`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
from google.cloud import bigquery

from mentionfleet.warehouse.queries import (
    CountryCodes,
    Query,
    Window,
    daily_counts,
    daily_volume,
    event_details,
    event_ids,
    stage_daily_counts,
    staged_counts,
)


def _run(
    client: bigquery.Client, query: Query, max_bytes_billed: int
) -> bigquery.table.RowIterator:
    config = bigquery.QueryJobConfig(
        query_parameters=query.params,
        maximum_bytes_billed=max_bytes_billed,
        use_legacy_sql=False,
    )
    return client.query(query.sql, job_config=config).result()


def fetch_event_ids(
    client: bigquery.Client,
    events_table: str,
    window: Window,
    codes: CountryCodes,
    *,
    max_bytes_billed: int,
) -> list[int]:
    rows = _run(client, event_ids(events_table, window, codes), max_bytes_billed)
    return [int(row["event_id"]) for row in rows]


@dataclass(frozen=True)
class DailyCounts:
    """Zero-filled distinct-article counts for a batch over the window.

    `counts[i, d]` belongs to `event_ids[i]` on day `window.start + d`;
    `first_seen[i]` is that event's first-seen day index (n_days if never seen).
    """

    window: Window
    event_ids: tuple[int, ...]
    counts: npt.NDArray[np.int64]
    first_seen: npt.NDArray[np.int64]


def to_daily_counts(
    window: Window, ids: tuple[int, ...], rows: list[tuple[int, date | None, date | None, int]]
) -> DailyCounts:
    """Pure: fold (event_id, first_seen, day, articles) rows into a zero-filled matrix.

    An event's first-seen day is the day GDELT added it or, when that lies outside the
    window (say, an old event republished by id), its first mention in the window.
    """
    index = {event_id: i for i, event_id in enumerate(ids)}
    counts = np.zeros((len(ids), window.days), dtype=np.int64)
    first_seen = np.full(len(ids), window.days, dtype=np.int64)
    added = np.full(len(ids), window.days, dtype=np.int64)
    for event_id, seen_day, day, articles in rows:
        i = index.get(event_id)
        if i is None:
            continue
        if seen_day is not None:
            added[i] = min(added[i], max((seen_day - window.start).days, 0))
        if day is not None and articles:
            d = (day - window.start).days
            if 0 <= d < window.days:
                counts[i, d] += articles
    mentioned = counts > 0
    first_mention = np.where(mentioned.any(axis=1), mentioned.argmax(axis=1), window.days)
    first_seen = np.minimum(added, first_mention)
    return DailyCounts(window, ids, counts, first_seen)


def fetch_daily_counts(
    client: bigquery.Client,
    events_table: str,
    mentions_table: str,
    window: Window,
    ids: tuple[int, ...],
    *,
    max_bytes_billed: int,
) -> DailyCounts:
    query = daily_counts(events_table, mentions_table, window, ids)
    rows = [
        (int(r["event_id"]), r["first_seen"], r["day"], int(r["articles"]))
        for r in _run(client, query, max_bytes_billed)
    ]
    return to_daily_counts(window, ids, rows)


def stage_run_counts(
    client: bigquery.Client,
    events_table: str,
    mentions_table: str,
    staging_table: str,
    window: Window,
    run_id: str,
    ids: tuple[int, ...],
    *,
    max_bytes_billed: int,
) -> None:
    """Stage the daily counts of all the run's ids (one scan of the look-back); repeatable."""
    if not ids:
        return
    query = stage_daily_counts(
        events_table, mentions_table, staging_table, window, run_id, tuple(sorted(set(ids)))
    )
    _run(client, query, max_bytes_billed)


def fetch_staged_counts(
    client: bigquery.Client,
    staging_table: str,
    window: Window,
    run_id: str,
    ids: tuple[int, ...],
    *,
    max_bytes_billed: int,
) -> DailyCounts | None:
    """The batch's counts from its run's staged rows; None when the run has none staged.

    None (not zeros) so the caller can fall back to counting directly: the staging rows
    may have expired, or the run was recorded before staging existed.
    """
    query = staged_counts(staging_table, window.as_of, run_id, ids)
    rows = [
        (int(r["event_id"]), r["first_seen"], r["day"], int(r["articles"]))
        for r in _run(client, query, max_bytes_billed)
    ]
    return to_daily_counts(window, ids, rows) if rows else None


def to_daily_volume(window: Window, rows: list[tuple[date, int]]) -> npt.NDArray[np.int64]:
    """Pure: fold (day, mentions) rows into a zero-filled array, index 0 = window.start."""
    volume = np.zeros(window.days, dtype=np.int64)
    for day, mentions in rows:
        d = (day - window.start).days
        if 0 <= d < window.days:
            volume[d] += mentions
    return volume


def fetch_daily_volume(
    client: bigquery.Client, mentions_table: str, window: Window, *, max_bytes_billed: int
) -> npt.NDArray[np.int64]:
    """Total mention rows per day of the window (zero where there are none)."""
    rows = _run(client, daily_volume(mentions_table, window), max_bytes_billed)
    return to_daily_volume(window, [(r["day"], int(r["mentions"])) for r in rows])


def fetch_event_details(
    client: bigquery.Client,
    events_table: str,
    ids: tuple[int, ...],
    start: date,
    end: date,
    *,
    max_bytes_billed: int,
    timeout_s: float,
) -> dict[int, dict[str, Any]]:
    """Detail columns per event id (the earliest-added copy); ids not found are absent.

    Bounded by `timeout_s` in all, retries included: callers show spikes without
    details rather than wait on an unreachable warehouse.
    """
    if not ids:
        return {}
    query = event_details(events_table, tuple(sorted(set(ids))), start, end)
    config = bigquery.QueryJobConfig(
        query_parameters=query.params,
        maximum_bytes_billed=max_bytes_billed,
        use_legacy_sql=False,
    )
    retry = bigquery.DEFAULT_RETRY.with_deadline(timeout_s)
    job = client.query(
        query.sql, job_config=config, retry=retry, job_retry=None, timeout=timeout_s
    )
    details: dict[int, dict[str, Any]] = {}
    rows = sorted(job.result(timeout=timeout_s, retry=retry), key=lambda r: r["added"])
    for row in rows:
        details.setdefault(int(row["event_id"]), dict(row.items()))
    return details

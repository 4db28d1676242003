"""The fleet's BigQuery queries, as text plus typed parameters.

Table names come from configuration, never from a message, and are quoted as
identifiers; every value is a query parameter.

Cost: both queries filter the partition column (scans only the look-back days) and
carry `GLOBALEVENTID BETWEEN @lo AND @hi` on the cluster column, so a batch reads only
the storage blocks of its own id range. The `IN UNNEST(@ids)` keeps the result exact
when a range holds ids that are not in the batch (a republish by event ids).

The fleet runs `daily_counts` once per run, for all its events, into a staging table
(`stage_daily_counts`); each scorer reads its batch's slice (`staged_counts`), so a run
scans the look-back once instead of once per batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from google.cloud import bigquery


@dataclass(frozen=True)
class Window:
    """The look-back window: `days` days ending on `as_of`, inclusive."""

    as_of: date
    days: int

    @property
    def start(self) -> date:
        return self.as_of - timedelta(days=self.days - 1)


@dataclass(frozen=True)
class CountryCodes:
    """Venezuela in GDELT: FIPS 10-4 on geo columns, CAMEO on actor columns."""

    geo_fips: str = "VE"
    actor_cameo: str = "VEN"


@dataclass(frozen=True)
class Query:
    sql: str
    params: list[bigquery.ScalarQueryParameter | bigquery.ArrayQueryParameter]


def _table(name: str) -> str:
    if "`" in name or not all(part for part in name.split(".")):
        raise ValueError(f"table name {name!r}: expected project.dataset.table")
    return f"`{name}`"


def event_ids(events_table: str, window: Window, codes: CountryCodes) -> Query:
    """Distinct ids of events about Venezuela first seen in the window, sorted."""
    # Table names come from configuration (quoted by _table); values are parameters.
    sql = f"""
SELECT DISTINCT GLOBALEVENTID AS event_id
FROM {_table(events_table)}
WHERE DateAddedDay BETWEEN @start AND @end
  AND (ActionGeo_CountryCode = @geo
       OR Actor1CountryCode = @actor
       OR Actor2CountryCode = @actor)
ORDER BY event_id
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


def daily_counts(
    events_table: str, mentions_table: str, window: Window, ids: tuple[int, ...]
) -> Query:
    """Distinct articles per (event, mention day) for a batch, and each event's first day.

    One row per (event, day with mentions); an event with no mentions in the window
    still gets one row (day NULL) so its first-seen day is known. Days without
    mentions are absent here and filled with zeros by the caller.
    """
    # Table names come from configuration (quoted by _table); values are parameters.
    sql = f"""
WITH batch_events AS (
  SELECT GLOBALEVENTID AS event_id, MIN(DateAddedDay) AS first_seen
  FROM {_table(events_table)}
  WHERE DateAddedDay BETWEEN @start AND @end
    AND GLOBALEVENTID BETWEEN @lo AND @hi
    AND GLOBALEVENTID IN UNNEST(@ids)
  GROUP BY event_id
),
daily AS (
  SELECT GLOBALEVENTID AS event_id, MentionDay AS day,
         COUNT(DISTINCT MentionIdentifier) AS articles
  FROM {_table(mentions_table)}
  WHERE MentionDay BETWEEN @start AND @end
    AND GLOBALEVENTID BETWEEN @lo AND @hi
    AND GLOBALEVENTID IN UNNEST(@ids)
  GROUP BY event_id, day
)
SELECT COALESCE(d.event_id, e.event_id) AS event_id, e.first_seen, d.day,
       COALESCE(d.articles, 0) AS articles
FROM daily AS d
FULL OUTER JOIN batch_events AS e ON d.event_id = e.event_id
"""  # noqa: S608
    return Query(
        sql,
        [
            bigquery.ScalarQueryParameter("start", "DATE", window.start),
            bigquery.ScalarQueryParameter("end", "DATE", window.as_of),
            bigquery.ScalarQueryParameter("lo", "INT64", ids[0]),
            bigquery.ScalarQueryParameter("hi", "INT64", ids[-1]),
            bigquery.ArrayQueryParameter("ids", "INT64", list(ids)),
        ],
    )


def stage_daily_counts(
    events_table: str,
    mentions_table: str,
    staging_table: str,
    window: Window,
    run_id: str,
    ids: tuple[int, ...],
) -> Query:
    """One script: replace the run's staged rows by `daily_counts` of all its (sorted) ids.

    The look-back is scanned once per run instead of once per batch. The DELETE, in one
    transaction with the INSERT, keeps a retried kickoff from duplicating rows. The
    SELECT is `daily_counts`'s own text (a unit test holds them equal).
    """
    # Table names come from configuration (quoted by _table); values are parameters.
    sql = f"""
BEGIN TRANSACTION;
DELETE FROM {_table(staging_table)} WHERE as_of = @end AND run_id = @run_id;
INSERT INTO {_table(staging_table)} (run_id, as_of, event_id, first_seen, day, articles)
SELECT @run_id, @end, event_id, first_seen, day, articles
FROM (
WITH batch_events AS (
  SELECT GLOBALEVENTID AS event_id, MIN(DateAddedDay) AS first_seen
  FROM {_table(events_table)}
  WHERE DateAddedDay BETWEEN @start AND @end
    AND GLOBALEVENTID BETWEEN @lo AND @hi
    AND GLOBALEVENTID IN UNNEST(@ids)
  GROUP BY event_id
),
daily AS (
  SELECT GLOBALEVENTID AS event_id, MentionDay AS day,
         COUNT(DISTINCT MentionIdentifier) AS articles
  FROM {_table(mentions_table)}
  WHERE MentionDay BETWEEN @start AND @end
    AND GLOBALEVENTID BETWEEN @lo AND @hi
    AND GLOBALEVENTID IN UNNEST(@ids)
  GROUP BY event_id, day
)
SELECT COALESCE(d.event_id, e.event_id) AS event_id, e.first_seen, d.day,
       COALESCE(d.articles, 0) AS articles
FROM daily AS d
FULL OUTER JOIN batch_events AS e ON d.event_id = e.event_id
);
COMMIT TRANSACTION;
"""  # noqa: S608
    return Query(
        sql,
        [
            bigquery.ScalarQueryParameter("run_id", "STRING", run_id),
            bigquery.ScalarQueryParameter("start", "DATE", window.start),
            bigquery.ScalarQueryParameter("end", "DATE", window.as_of),
            bigquery.ScalarQueryParameter("lo", "INT64", ids[0]),
            bigquery.ScalarQueryParameter("hi", "INT64", ids[-1]),
            bigquery.ArrayQueryParameter("ids", "INT64", list(ids)),
        ],
    )


def staged_counts(staging_table: str, as_of: date, run_id: str, ids: tuple[int, ...]) -> Query:
    """A batch's slice of its run's staged counts: the columns of `daily_counts`.

    Pruned to one partition (as_of) and, on the cluster columns, to the run and the
    batch's id range: a few KB, billed at BigQuery's per-query minimum.
    """
    # Table names come from configuration (quoted by _table); values are parameters.
    sql = f"""
SELECT event_id, first_seen, day, articles
FROM {_table(staging_table)}
WHERE as_of = @as_of AND run_id = @run_id
  AND event_id BETWEEN @lo AND @hi
  AND event_id IN UNNEST(@ids)
"""  # noqa: S608
    return Query(
        sql,
        [
            bigquery.ScalarQueryParameter("as_of", "DATE", as_of),
            bigquery.ScalarQueryParameter("run_id", "STRING", run_id),
            bigquery.ScalarQueryParameter("lo", "INT64", ids[0]),
            bigquery.ScalarQueryParameter("hi", "INT64", ids[-1]),
            bigquery.ArrayQueryParameter("ids", "INT64", list(ids)),
        ],
    )


def daily_volume(mentions_table: str, window: Window) -> Query:
    """Mention rows per day over the window: the total GDELT volume, for weekday factors.

    Reads only the partition column, so it costs next to nothing; days without rows are
    absent here and zero-filled by the caller.
    """
    # Table names come from configuration (quoted by _table); values are parameters.
    sql = f"""
SELECT MentionDay AS day, COUNT(*) AS mentions
FROM {_table(mentions_table)}
WHERE MentionDay BETWEEN @start AND @end
GROUP BY day
"""  # noqa: S608
    return Query(
        sql,
        [
            bigquery.ScalarQueryParameter("start", "DATE", window.start),
            bigquery.ScalarQueryParameter("end", "DATE", window.as_of),
        ],
    )


EVENT_DETAIL_COLUMNS = (
    "SOURCEURL", "Actor1Name", "Actor1CountryCode", "Actor2Name", "Actor2CountryCode",
    "ActionGeo_FullName", "ActionGeo_CountryCode", "EventCode",
)  # fmt: skip
"""What an analyst reads next to a spike: the first article, who, where, what (CAMEO)."""


def event_details(events_table: str, ids: tuple[int, ...], start: date, end: date) -> Query:
    """The detail columns of these events (sorted ids), added between start and end.

    One row per stored copy of an event (a reloaded file can hold it twice).
    """
    # Table and column names are constants or configuration; values are parameters.
    sql = f"""
SELECT GLOBALEVENTID AS event_id, DateAddedDay AS added, {", ".join(EVENT_DETAIL_COLUMNS)}
FROM {_table(events_table)}
WHERE DateAddedDay BETWEEN @start AND @end
  AND GLOBALEVENTID BETWEEN @lo AND @hi
  AND GLOBALEVENTID IN UNNEST(@ids)
"""  # noqa: S608
    return Query(
        sql,
        [
            bigquery.ScalarQueryParameter("start", "DATE", start),
            bigquery.ScalarQueryParameter("end", "DATE", end),
            bigquery.ScalarQueryParameter("lo", "INT64", ids[0]),
            bigquery.ScalarQueryParameter("hi", "INT64", ids[-1]),
            bigquery.ArrayQueryParameter("ids", "INT64", list(ids)),
        ],
    )

"""Table statistics for the cost model (`warehouse.cost`), read from the warehouse.

Three sources, cheapest first: table metadata (`get_table`: rows, bytes, schema; free),
one small query per table over the window's partitions (rows and id quantiles per day;
it reads two INT64/DATE columns), and dry runs of the fleet's real queries (free, but
blind to cluster pruning). Every query goes through `reads._run`, so it carries the
configured `maximum_bytes_billed` guard like the fleet's own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from google.cloud import bigquery

from mentionfleet.gdelt.schema import EVENTS, MENTIONS, TableSpec
from mentionfleet.kickoff import WEEKDAY_VOLUME_DAYS
from mentionfleet.warehouse.cost import Partition, RunShape, TableRead
from mentionfleet.warehouse.queries import (
    CountryCodes,
    Query,
    Window,
    _table,
    daily_counts,
    daily_volume,
    event_ids,
)
from mentionfleet.warehouse.reads import _run

# Logical bytes per value (BigQuery's "data size calculation"); other types vary per value.
FIXED_WIDTH = {
    "INTEGER": 8, "INT64": 8, "FLOAT": 8, "FLOAT64": 8, "DATE": 8, "DATETIME": 8,
    "TIME": 8, "TIMESTAMP": 8, "BOOLEAN": 1, "BOOL": 1, "NUMERIC": 16, "BIGNUMERIC": 32,
}  # fmt: skip
QUANTILES = 100


@dataclass(frozen=True)
class TableStats:
    name: str
    num_rows: int
    num_bytes: int
    widths: Mapping[str, float]
    """Estimated bytes per row of each column."""

    def bytes_per_row(self, columns: Sequence[str]) -> float:
        return sum(self.widths[c] for c in columns)

    @property
    def row_bytes(self) -> float:
        return self.num_bytes / self.num_rows if self.num_rows else 0.0


def column_widths(schema: Mapping[str, str], num_rows: int, num_bytes: int) -> dict[str, float]:
    """Bytes per row of each column: fixed-width types exactly, the rest sharing what is left.

    Table metadata gives only the total, so variable-width columns (STRING) are assumed
    equally wide; each is at least 2 bytes (an empty STRING).
    """
    fixed = {
        c: float(FIXED_WIDTH[t.upper()]) for c, t in schema.items() if t.upper() in FIXED_WIDTH
    }
    variable = [c for c in schema if c not in fixed]
    left = num_bytes / num_rows - sum(fixed.values()) if num_rows else 0.0
    share = max(2.0, left / len(variable)) if variable else 0.0
    return {c: fixed.get(c, share) for c in schema}


def columns_read(sql: str, spec: TableSpec) -> tuple[str, ...]:
    """The columns of `spec` a query names (BigQuery bills each column referenced once)."""
    return tuple(c.name for c in spec.columns if re.search(rf"\b{re.escape(c.name)}\b", sql))


def table_stats(client: bigquery.Client, table_id: str) -> TableStats:
    table = client.get_table(table_id)
    schema = {f.name: f.field_type for f in table.schema}
    rows, size = int(table.num_rows or 0), int(table.num_bytes or 0)
    return TableStats(table_id, rows, size, column_widths(schema, rows, size))


def partitions_query(table_id: str, spec: TableSpec, window: Window) -> Query:
    # Table and column names come from configuration and the schema; values are parameters.
    sql = f"""
SELECT {spec.partition_column} AS day, COUNT(*) AS n,
       APPROX_QUANTILES(GLOBALEVENTID, {QUANTILES}) AS q
FROM {_table(table_id)}
WHERE {spec.partition_column} BETWEEN @start AND @end
GROUP BY day
ORDER BY day
"""  # noqa: S608
    return Query(
        sql,
        [
            bigquery.ScalarQueryParameter("start", "DATE", window.start),
            bigquery.ScalarQueryParameter("end", "DATE", window.as_of),
        ],
    )


def partitions(
    client: bigquery.Client,
    table_id: str,
    spec: TableSpec,
    window: Window,
    *,
    max_bytes_billed: int,
) -> tuple[Partition, ...]:
    """Rows and id quantiles of each non-empty partition of the window."""
    rows = _run(client, partitions_query(table_id, spec, window), max_bytes_billed)
    return tuple(
        Partition(r["day"], int(r["n"]), tuple(int(v) for v in r["q"])) for r in rows if int(r["n"])
    )


@dataclass(frozen=True)
class Shape:
    run: RunShape
    events: TableStats
    mentions: TableStats
    columns: Mapping[str, tuple[str, ...]]
    """Columns read by each query, keyed "<query>:<table>"."""


def volume_window(window: Window) -> Window:
    """The days the fanout's daily-volume query reads (see `kickoff.with_weekday_factors`)."""
    return Window(as_of=window.as_of, days=max(window.days, WEEKDAY_VOLUME_DAYS))


def run_shape(
    client: bigquery.Client,
    events_table: str,
    mentions_table: str,
    window: Window,
    *,
    max_bytes_billed: int,
) -> Shape:
    """What one run over `window` reads, from metadata and one partition query per table."""
    ev, me = table_stats(client, events_table), table_stats(client, mentions_table)
    wide = volume_window(window)
    ev_parts = partitions(client, events_table, EVENTS, window, max_bytes_billed=max_bytes_billed)
    me_wide = partitions(client, mentions_table, MENTIONS, wide, max_bytes_billed=max_bytes_billed)
    me_parts = tuple(p for p in me_wide if p.day >= window.start)
    sql = {
        "event_ids": event_ids(events_table, window, CountryCodes()).sql,
        "daily_volume": daily_volume(mentions_table, wide).sql,
        "daily_counts": daily_counts(events_table, mentions_table, window, (1,)).sql,
    }
    cols = {
        f"event_ids:{EVENTS.name}": columns_read(sql["event_ids"], EVENTS),
        f"daily_volume:{MENTIONS.name}": columns_read(sql["daily_volume"], MENTIONS),
        f"daily_counts:{EVENTS.name}": columns_read(sql["daily_counts"], EVENTS),
        f"daily_counts:{MENTIONS.name}": columns_read(sql["daily_counts"], MENTIONS),
    }
    batch_events = cols[f"daily_counts:{EVENTS.name}"]
    batch_mentions = cols[f"daily_counts:{MENTIONS.name}"]
    old_events = tuple(dict.fromkeys(cols[f"event_ids:{EVENTS.name}"] + batch_events))
    shape = RunShape(
        fanout=(
            (TableRead(events_table, ev_parts,
                       ev.bytes_per_row(cols[f"event_ids:{EVENTS.name}"]), ev.row_bytes),),
            (TableRead(mentions_table, me_wide,
                       me.bytes_per_row(cols[f"daily_volume:{MENTIONS.name}"]), me.row_bytes),),
        ),
        batch=(
            TableRead(events_table, ev_parts, ev.bytes_per_row(batch_events), ev.row_bytes),
            TableRead(mentions_table, me_parts, me.bytes_per_row(batch_mentions), me.row_bytes),
        ),
        old_bytes=(
            ev.num_rows * ev.bytes_per_row(old_events),
            me.num_rows * me.bytes_per_row(batch_mentions),
        ),
        window_days=window.days,
    )  # fmt: skip
    return Shape(shape, ev, me, cols)


def dry_run_bytes(client: bigquery.Client, query: Query, max_bytes_billed: int) -> int:
    """BigQuery's own estimate of a query's bytes processed (free; ignores cluster pruning)."""
    config = bigquery.QueryJobConfig(
        query_parameters=query.params,
        maximum_bytes_billed=max_bytes_billed,
        use_legacy_sql=False,
        dry_run=True,
        use_query_cache=False,
    )
    job = client.query(query.sql, job_config=config)
    return int(job.total_bytes_processed or 0)

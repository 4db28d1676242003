"""Creating our GDELT tables in BigQuery and loading columnar data into them.

Layout (see `gdelt.schema`): each table is partitioned by a DATE derived from a GDELT
stamp, clustered by GLOBALEVENTID, and requires a partition filter, so a query that
forgets the day range fails instead of scanning every day.

Loads go through Parquet: it keeps the column types (no text parsing on the server),
compresses well for upload, and is the fastest load format both in BigQuery and in the
local stand-in.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from google.cloud import bigquery

from mentionfleet.gdelt.schema import (
    EVENTS,
    MENTIONS,
    TABLES,
    Column,
    TableSpec,
    arrow_schema,
)

# Bounds the Parquet buffer held in memory and the size of each load job.
DEFAULT_CHUNK_ROWS = 2_000_000

Columnar = Any
"""A pyarrow Table, or a mapping of column name to a sequence or numpy array."""


class Batch(Protocol):
    """Anything holding raw GDELT events and mentions (e.g. `synth.Generated`)."""

    @property
    def events(self) -> Columnar: ...

    @property
    def mentions(self) -> Columnar: ...


@dataclass(frozen=True)
class StagingSpec:
    """A table the fleet writes itself (not GDELT): columns, partition, clustering."""

    name: str
    columns: tuple[Column, ...]
    partition_column: str
    cluster_columns: tuple[str, ...]


RUN_DAILY_COUNTS = StagingSpec(
    name="run_daily_counts",
    columns=(
        Column("run_id", "STRING"),
        Column("as_of", "DATE"),
        Column("event_id", "INT64"),
        Column("first_seen", "DATE"),
        Column("day", "DATE"),
        Column("articles", "INT64"),
    ),
    partition_column="as_of",
    # A scorer's read prunes to its run and its batch's id range.
    cluster_columns=("run_id", "event_id"),
)
"""The fanout's per-run daily counts (see `queries.stage_daily_counts`)."""

AnySpec = TableSpec | StagingSpec


@dataclass(frozen=True)
class LoadCounts:
    events: int
    mentions: int


class LayoutError(RuntimeError):
    """An existing table's layout differs from the one the fleet relies on."""


def table_id(dataset: str, spec: AnySpec) -> str:
    return f"{dataset}.{spec.name}"


def _bq_schema(spec: AnySpec) -> list[bigquery.SchemaField]:
    return [bigquery.SchemaField(c.name, c.type) for c in spec.columns]


def _layout(spec: AnySpec) -> tuple[bigquery.TimePartitioning, list[str]]:
    return bigquery.TimePartitioning(field=spec.partition_column), list(spec.cluster_columns)


def ensure_tables(client: bigquery.Client, dataset: str) -> None:
    """Create `dataset` ("project.dataset") and its tables if missing; safe to repeat.

    The tables: both GDELT copies and the fleet's staging table `run_daily_counts`.

    An existing table keeps its data; it must already have our partitioning, clustering
    and columns (otherwise LayoutError: BigQuery cannot change them in place).
    """
    ds = bigquery.Dataset(dataset)
    if client.location:
        ds.location = client.location
    client.create_dataset(ds, exists_ok=True)
    specs: tuple[AnySpec, ...] = (*TABLES, RUN_DAILY_COUNTS)
    for spec in specs:
        partitioning, clustering = _layout(spec)
        table = bigquery.Table(table_id(dataset, spec), schema=_bq_schema(spec))
        table.time_partitioning = partitioning
        table.clustering_fields = clustering
        # The table-level flag: the one on TimePartitioning is deprecated, and the
        # stand-in ignores it.
        table.require_partition_filter = True
        client.create_table(table, exists_ok=True)
        _check_layout(client, dataset, spec)


def _check_layout(client: bigquery.Client, dataset: str, spec: AnySpec) -> None:
    table = client.get_table(table_id(dataset, spec))
    where = table_id(dataset, spec)
    field = table.time_partitioning.field if table.time_partitioning else None
    if field != spec.partition_column:
        raise LayoutError(f"{where}: partitioned by {field!r}, expected {spec.partition_column!r}")
    if list(table.clustering_fields or []) != list(spec.cluster_columns):
        expected = list(spec.cluster_columns)
        raise LayoutError(f"{where}: clustered by {table.clustering_fields}, expected {expected}")
    have = {f.name: f.field_type for f in table.schema}
    missing = [c.name for c in spec.columns if c.name not in have]
    if missing:
        raise LayoutError(f"{where}: missing columns {missing}")
    if not table.require_partition_filter:
        table.require_partition_filter = True
        client.update_table(table, ["require_partition_filter"])


def day_of_stamps(stamps: Any) -> pa.Array:
    """UTC dates (date32) of GDELT YYYYMMDDHHMMSS integers."""
    s = np.asarray(stamps, dtype=np.int64)
    ymd = s // 1_000_000
    y, m, d = ymd // 10000, ymd // 100 % 100, ymd % 100
    if s.size and (m.min() < 1 or m.max() > 12 or d.min() < 1 or d.max() > 31):
        raise ValueError("stamps: expected YYYYMMDDHHMMSS integers")
    months = ((y - 1970) * 12 + (m - 1)).astype("datetime64[M]")
    return pa.array(months.astype("datetime64[D]") + (d - 1).astype("timedelta64[D]"))


def to_warehouse(spec: TableSpec, data: Columnar) -> pa.Table:
    """Raw GDELT columns (any order, castable types) -> the warehouse table's columns.

    The partition column is always derived from its stamp, never trusted from input.
    """
    table = data if isinstance(data, pa.Table) else pa.table(dict(_as_mapping(data)))
    given = set(table.column_names) - {spec.partition_column}
    raw = set(spec.raw_names)
    if missing := [n for n in spec.raw_names if n not in given]:
        raise ValueError(f"{spec.name}: missing columns {missing}")
    if extra := sorted(given - raw):
        raise ValueError(f"{spec.name}: unknown columns {extra}")
    source = table.column(spec.partition_source)
    if source.null_count:
        raise ValueError(f"{spec.name}: {spec.partition_source} has nulls")
    day = day_of_stamps(source.to_numpy())
    columns = [table.column(n) for n in spec.raw_names] + [day]
    return pa.Table.from_arrays(columns, names=list(spec.names)).cast(arrow_schema(spec.columns))


def _as_mapping(data: Columnar) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a pyarrow Table or a mapping of columns, got {type(data)}")
    return data


def load_table(
    client: bigquery.Client,
    dataset: str,
    spec: TableSpec,
    data: Columnar,
    *,
    replace: bool,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> int:
    """Load raw GDELT columns into one table; returns rows loaded.

    `replace` truncates the table with the first chunk, otherwise rows are appended.
    """
    table = to_warehouse(spec, data)
    partitioning, clustering = _layout(spec)
    loaded = 0
    for i, offset in enumerate(range(0, max(table.num_rows, 1), chunk_rows)):
        chunk = table.slice(offset, chunk_rows)
        buf = io.BytesIO()
        pq.write_table(chunk, buf, compression="snappy")
        buf.seek(0)
        config = bigquery.LoadJobConfig(
            source_format=bigquery.SourceFormat.PARQUET,
            schema=_bq_schema(spec),
            # Restating the layout keeps WRITE_TRUNCATE from ever dropping it.
            time_partitioning=partitioning,
            clustering_fields=clustering,
            write_disposition=(
                bigquery.WriteDisposition.WRITE_TRUNCATE
                if replace and i == 0
                else bigquery.WriteDisposition.WRITE_APPEND
            ),
        )
        job = client.load_table_from_file(
            buf, table_id(dataset, spec), job_config=config, rewind=True
        )
        job.result()
        loaded += int(job.output_rows or 0)
    return loaded


def load(
    client: bigquery.Client,
    dataset: str,
    batch: Batch,
    *,
    replace: bool,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> LoadCounts:
    """Load events and mentions; with `replace` the tables hold exactly this batch after."""
    return LoadCounts(
        events=load_table(
            client, dataset, EVENTS, batch.events, replace=replace, chunk_rows=chunk_rows
        ),
        mentions=load_table(
            client, dataset, MENTIONS, batch.mentions, replace=replace, chunk_rows=chunk_rows
        ),
    )

"""GDELT 2.0 columns, in raw-file order, and the layout of our warehouse copies.

The raw `.export.CSV.zip` / `.mentions.CSV.zip` files are tab-separated with no header,
so the column order here is the only way to name their fields. The warehouse copies add
one DATE column derived from a YYYYMMDDHHMMSS stamp, because BigQuery can only partition
by a DATE/TIMESTAMP column and the scorers must prune by day.

Pure Python on purpose: the deployed functions import it without pyarrow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

BqType = Literal["INT64", "FLOAT64", "STRING", "DATE"]


@dataclass(frozen=True)
class Column:
    name: str
    type: BqType


def _actor(prefix: str) -> tuple[Column, ...]:
    fields = (
        "Code",
        "Name",
        "CountryCode",
        "KnownGroupCode",
        "EthnicCode",
        "Religion1Code",
        "Religion2Code",
        "Type1Code",
        "Type2Code",
        "Type3Code",
    )
    return tuple(Column(f"{prefix}{f}", "STRING") for f in fields)


def _geo(prefix: str) -> tuple[Column, ...]:
    return (
        Column(f"{prefix}_Type", "INT64"),
        Column(f"{prefix}_FullName", "STRING"),
        Column(f"{prefix}_CountryCode", "STRING"),
        Column(f"{prefix}_ADM1Code", "STRING"),
        Column(f"{prefix}_ADM2Code", "STRING"),
        Column(f"{prefix}_Lat", "FLOAT64"),
        Column(f"{prefix}_Long", "FLOAT64"),
        Column(f"{prefix}_FeatureID", "STRING"),
    )


EVENTS_RAW: tuple[Column, ...] = (
    Column("GLOBALEVENTID", "INT64"),
    Column("SQLDATE", "INT64"),
    Column("MonthYear", "INT64"),
    Column("Year", "INT64"),
    Column("FractionDate", "FLOAT64"),
    *_actor("Actor1"),
    *_actor("Actor2"),
    Column("IsRootEvent", "INT64"),
    Column("EventCode", "STRING"),
    Column("EventBaseCode", "STRING"),
    Column("EventRootCode", "STRING"),
    Column("QuadClass", "INT64"),
    Column("GoldsteinScale", "FLOAT64"),
    Column("NumMentions", "INT64"),
    Column("NumSources", "INT64"),
    Column("NumArticles", "INT64"),
    Column("AvgTone", "FLOAT64"),
    *_geo("Actor1Geo"),
    *_geo("Actor2Geo"),
    *_geo("ActionGeo"),
    Column("DATEADDED", "INT64"),
    Column("SOURCEURL", "STRING"),
)
"""The 61 columns of a `.export.CSV` file, in file order."""

MENTIONS_RAW: tuple[Column, ...] = (
    Column("GLOBALEVENTID", "INT64"),
    Column("EventTimeDate", "INT64"),
    Column("MentionTimeDate", "INT64"),
    Column("MentionType", "INT64"),
    Column("MentionSourceName", "STRING"),
    Column("MentionIdentifier", "STRING"),
    Column("SentenceID", "INT64"),
    Column("Actor1CharOffset", "INT64"),
    Column("Actor2CharOffset", "INT64"),
    Column("ActionCharOffset", "INT64"),
    Column("InRawText", "INT64"),
    Column("Confidence", "INT64"),
    Column("MentionDocLen", "INT64"),
    Column("MentionDocTone", "FLOAT64"),
    Column("MentionDocTranslationInfo", "STRING"),
    Column("Extras", "STRING"),
)
"""The 16 columns of a `.mentions.CSV` file, in file order."""

RAW_FILE_DELIMITER = "\t"
EVENTS_FILE_SUFFIX = ".export.CSV.zip"
MENTIONS_FILE_SUFFIX = ".mentions.CSV.zip"


@dataclass(frozen=True)
class TableSpec:
    """One warehouse table: the raw columns plus a DATE partition column derived from a stamp."""

    name: str
    raw: tuple[Column, ...]
    partition_column: str
    partition_source: str
    """Raw YYYYMMDDHHMMSS column whose UTC date fills `partition_column`."""
    cluster_columns: tuple[str, ...]

    @property
    def columns(self) -> tuple[Column, ...]:
        return (*self.raw, Column(self.partition_column, "DATE"))

    @property
    def raw_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.raw)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


EVENTS = TableSpec(
    name="events",
    raw=EVENTS_RAW,
    partition_column="DateAddedDay",
    partition_source="DATEADDED",
    cluster_columns=("GLOBALEVENTID",),
)

MENTIONS = TableSpec(
    name="eventmentions",
    raw=MENTIONS_RAW,
    partition_column="MentionDay",
    partition_source="MentionTimeDate",
    cluster_columns=("GLOBALEVENTID",),
)

TABLES: tuple[TableSpec, ...] = (EVENTS, MENTIONS)


def arrow_schema(columns: tuple[Column, ...]) -> Any:
    """The pyarrow schema for these columns (pyarrow is imported here: tools only)."""
    import pyarrow as pa

    types = {
        "INT64": pa.int64(),
        "FLOAT64": pa.float64(),
        "STRING": pa.string(),
        "DATE": pa.date32(),
    }
    return pa.schema([pa.field(c.name, types[c.type]) for c in columns])

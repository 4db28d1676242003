"""Loading GDELT 2.0 raw files into the warehouse tables: check every file, then load.

Two phases, so a load that stops on a bad line leaves the tables as they were: first
each file is read and typed (one at a time, memory bounded by one file) with bad lines
counted against the budget and good rows spilled to Parquet in a temporary directory;
only when every file has passed are the rows loaded, table by table, in a few large
load jobs (BigQuery limits load jobs per table and day, so not one per 15-minute file).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from google.cloud import bigquery

from mentionfleet.config import Settings
from mentionfleet.gdelt.rawfiles import BadLine, FileRead, RawFile, expand, read_raw_file
from mentionfleet.gdelt.schema import TABLES, TableSpec
from mentionfleet.warehouse.client import make_client
from mentionfleet.warehouse.tables import DEFAULT_CHUNK_ROWS, ensure_tables, load_table

KEEP_BAD_LINES = 100
"""Bad lines kept for the result (all are counted and passed to on_bad)."""


class TooManyBadLines(ValueError):
    """A bad line over the budget: the load stopped and loaded nothing."""

    def __init__(self, bad: BadLine, count: int, limit: int) -> None:
        super().__init__(
            f"{bad} (bad line {count}, more than --max-bad-lines {limit}); nothing was loaded"
        )
        self.bad = bad


@dataclass
class RawLoadResult:
    files: dict[str, int] = field(default_factory=dict)
    """Files read per table."""
    lines: int = 0
    bad_lines: int = 0
    bad: list[BadLine] = field(default_factory=list)
    """The first KEEP_BAD_LINES bad lines."""
    rows: dict[str, int] = field(default_factory=dict)
    """Good rows per table: loaded, or that would be with check_only."""
    loaded: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "lines": self.lines,
            "bad_lines": self.bad_lines,
            "bad": [{"path": b.path, "line": b.line, "reason": b.reason} for b in self.bad],
            "rows": self.rows,
            "loaded": self.loaded,
        }


@dataclass(frozen=True)
class Hooks:
    """Progress callbacks; all optional."""

    on_bad: Callable[[BadLine], None] = lambda _: None
    on_file: Callable[[FileRead], None] = lambda _: None
    on_loading: Callable[[int], None] = lambda _: None
    """Called once with the rows about to be loaded."""
    on_loaded: Callable[[int], None] = lambda _: None
    """Called after each load job with its rows."""


def load_raw_files(
    client: bigquery.Client | None,
    dataset: str,
    files: Sequence[RawFile],
    *,
    max_bad_lines: int = 0,
    replace: bool = False,
    check_only: bool = False,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    hooks: Hooks | None = None,
) -> RawLoadResult:
    """Check `files`, then (unless check_only) load them; TooManyBadLines stops it first.

    `replace` empties each table that receives files before loading; otherwise rows are
    appended. The client is only used when loading.
    """
    hooks = hooks or Hooks()
    result = RawLoadResult()

    def on_bad(bad: BadLine) -> None:
        result.bad_lines += 1
        if result.bad_lines > max_bad_lines:
            raise TooManyBadLines(bad, result.bad_lines, max_bad_lines)
        if len(result.bad) < KEEP_BAD_LINES:
            result.bad.append(bad)
        hooks.on_bad(bad)

    with tempfile.TemporaryDirectory(prefix="mentionfleet-load-") as spill:
        pieces: dict[str, list[Path]] = {}
        for i, file in enumerate(files):
            read = read_raw_file(file, on_bad)
            name = file.spec.name
            result.files[name] = result.files.get(name, 0) + 1
            result.lines += read.lines
            result.rows[name] = result.rows.get(name, 0) + read.table.num_rows
            piece = Path(spill) / f"{name}-{i:06d}.parquet"
            pq.write_table(read.table, piece)
            pieces.setdefault(name, []).append(piece)
            hooks.on_file(read)
        if check_only:
            return result
        if client is None:
            raise ValueError("loading needs a BigQuery client")
        ensure_tables(client, dataset)
        hooks.on_loading(sum(result.rows.values()))
        for spec in TABLES:
            if spec.name in pieces:
                _load_pieces(client, dataset, spec, pieces[spec.name], replace, chunk_rows, hooks)
    result.loaded = True
    return result


def _load_pieces(
    client: bigquery.Client,
    dataset: str,
    spec: TableSpec,
    pieces: list[Path],
    replace: bool,
    chunk_rows: int,
    hooks: Hooks,
) -> None:
    """Load spilled files in jobs of about chunk_rows; the first truncates with `replace`."""
    first = True
    pending: list[pa.Table] = []

    def flush() -> None:
        nonlocal first, pending
        table = pa.concat_tables(pending)
        loaded = load_table(client, dataset, spec, table, replace=replace and first)
        hooks.on_loaded(loaded)
        first, pending = False, []

    for piece in pieces:
        pending.append(pq.read_table(piece))
        if sum(t.num_rows for t in pending) >= chunk_rows:
            flush()
    # An empty remainder still loads when nothing else did: with `replace` that empties
    # the table, as asked.
    if pending and (sum(t.num_rows for t in pending) or first):
        flush()


def load_paths(
    settings: Settings,
    paths: Sequence[Path],
    *,
    max_bad_lines: int = 0,
    replace: bool = False,
    hooks: Hooks | None = None,
) -> RawLoadResult:
    """Raw files and directories of them into the configured dataset."""
    return load_raw_files(
        make_client(settings), settings.bq_dataset, expand(paths),
        max_bad_lines=max_bad_lines, replace=replace, hooks=hooks,
    )  # fmt: skip

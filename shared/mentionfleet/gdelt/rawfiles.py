"""Reading GDELT 2.0 raw files into typed tables, line by line accountable.

A raw file is `YYYYMMDDHHMMSS.export.CSV.zip` (events, 61 columns) or
`YYYYMMDDHHMMSS.mentions.CSV.zip` (mentions, 16 columns): one tab-separated CSV member,
no header, no quoting. Blank fields are NULL. A line is bad when it has the wrong number
of columns, a numeric field that does not parse as its type, a blank id or stamp, a stamp
that is not a real date, or text that is not UTF-8; every bad line is reported with its
file and 1-based line number, and never reaches the table.

pyarrow's streaming reader does the splitting (one block at a time, so memory stays
bounded by the block size plus the file's good rows); every column is read as bytes and
typed here, vectorised, because pyarrow reports a failed conversion for a whole block
without saying which line.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from mentionfleet.gdelt.schema import (
    EVENTS,
    EVENTS_FILE_SUFFIX,
    MENTIONS,
    MENTIONS_FILE_SUFFIX,
    RAW_FILE_DELIMITER,
    Column,
    TableSpec,
    arrow_schema,
)

BLOCK_BYTES = 4 << 20
"""Bytes parsed at a time; a 15-minute export file is a few MB unzipped."""

_INT = r"^-?[0-9]{1,18}$"  # at most 18 digits: always fits in INT64
_FLOAT = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_STAMP = r"^[0-9]{14}$"
_STAMP_COLUMNS = frozenset({"DATEADDED", "EventTimeDate", "MentionTimeDate"})
"""INT64 columns holding YYYYMMDDHHMMSS stamps: exactly 14 digits."""
_TEXT_PREVIEW = 60

# Suffix (lower case) -> table. Translingual files (`.translation.export.CSV.zip`) share
# the layout and match too; a plain, unzipped CSV is accepted as well.
_SUFFIXES: tuple[tuple[str, TableSpec], ...] = (
    (EVENTS_FILE_SUFFIX.lower(), EVENTS),
    (MENTIONS_FILE_SUFFIX.lower(), MENTIONS),
    (EVENTS_FILE_SUFFIX.lower().removesuffix(".zip"), EVENTS),
    (MENTIONS_FILE_SUFFIX.lower().removesuffix(".zip"), MENTIONS),
)


@dataclass(frozen=True)
class BadLine:
    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass(frozen=True)
class RawFile:
    path: Path
    spec: TableSpec


@dataclass(frozen=True)
class FileRead:
    """One file's good rows (typed as `spec.raw`) and how many lines it had."""

    file: RawFile
    table: pa.Table
    lines: int
    bad_lines: int


OnBad = Callable[[BadLine], None]
"""Called for every bad line, in file order; raising stops the read."""


def classify(path: Path) -> TableSpec:
    """The table a raw file belongs to, from its name."""
    name = path.name.lower()
    for suffix, spec in _SUFFIXES:
        if name.endswith(suffix):
            return spec
    raise ValueError(
        f"{path}: not a GDELT 2.0 events or mentions file; expected a name ending in "
        f"{EVENTS_FILE_SUFFIX} or {MENTIONS_FILE_SUFFIX}"
    )


def expand(paths: Sequence[Path]) -> list[RawFile]:
    """Files as given, directories as the raw files directly in them (sorted by name)."""
    files: list[RawFile] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.iterdir()
                if p.is_file() and any(p.name.lower().endswith(s) for s, _ in _SUFFIXES)
            )  # fmt: skip
            if not found:
                raise ValueError(f"{path}: no *{EVENTS_FILE_SUFFIX} or *{MENTIONS_FILE_SUFFIX}")
            files += [RawFile(p, classify(p)) for p in found]
        elif path.is_file():
            files.append(RawFile(path, classify(path)))
        else:
            raise FileNotFoundError(f"{path}: no such file or directory")
    return files


@contextmanager
def _open_member(path: Path) -> Iterator[IO[bytes]]:
    """The CSV inside a GDELT zip (exactly one member), or a plain CSV file."""
    if path.suffix.lower() != ".zip":
        with path.open("rb") as handle:
            yield handle
        return
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{path}: not a zip file ({exc})") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) != 1:
            names = [m.filename for m in members]
            raise ValueError(f"{path}: expected one CSV inside the zip, found {names}")
        with archive.open(members[0]) as handle:
            yield handle


def read_raw_file(file: RawFile, on_bad: OnBad, *, block_bytes: int = BLOCK_BYTES) -> FileRead:
    """Read and type one raw file; bad lines go to `on_bad` and are left out."""
    try:
        return _read(file, on_bad, block_bytes)
    # A damaged archive, or bytes that are not tab-separated text at all: name the file.
    except (pa.ArrowInvalid, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ValueError(f"{file.path}: cannot read it as a GDELT raw file ({exc})") from None


def _read(file: RawFile, on_bad: OnBad, block_bytes: int) -> FileRead:
    spec = file.spec
    names = list(spec.raw_names)
    wrong_width: list[tuple[int, str]] = []

    def invalid_row(row: Any) -> str:
        preview = row.text if len(row.text) <= _TEXT_PREVIEW else row.text[:_TEXT_PREVIEW] + "…"
        got = f"{row.actual_columns} column{'' if row.actual_columns == 1 else 's'}"
        wrong_width.append(
            (int(row.number), f"{got}, expected {row.expected_columns} ({preview!r})")
        )
        return "skip"

    tables: list[pa.Table] = []
    rows_seen = 0
    bad_count = 0
    with _open_member(file.path) as stream:
        reader = pv.open_csv(
            stream,
            read_options=pv.ReadOptions(
                column_names=names, block_size=block_bytes,
                # Serial parsing is what gives the handler physical line numbers.
                use_threads=False,
            ),
            parse_options=pv.ParseOptions(
                delimiter=RAW_FILE_DELIMITER, quote_char=False, escape_char=False,
                # An empty line becomes an all-NULL row, so it is reported, not skipped,
                # and every physical line is either a row or a reported invalid row.
                ignore_empty_lines=False, invalid_row_handler=invalid_row,
            ),
            convert_options=pv.ConvertOptions(
                column_types={n: pa.binary() for n in names},
                null_values=[""], strings_can_be_null=True,
            ),
        )  # fmt: skip
        reported = 0  # wrong-width lines already passed to on_bad
        for batch in reader:
            skipped = np.array([n for n, _ in wrong_width], dtype=np.int64)
            lines = _line_numbers(rows_seen, batch.num_rows, skipped)
            rows_seen += batch.num_rows
            typed, problems = _typed(spec, batch)
            last_line = int(lines[-1]) if len(lines) else 0
            pending = [(n, r) for n, r in wrong_width[reported:] if n <= last_line]
            reported += len(pending)
            found = [*pending, *((int(lines[i]), r) for i, r in problems)]
            for number, reason in sorted(found):
                bad_count += 1
                on_bad(BadLine(str(file.path), number, reason))
            tables.append(typed)
        for number, reason in wrong_width[reported:]:
            bad_count += 1
            on_bad(BadLine(str(file.path), number, reason))
    schema = arrow_schema(spec.raw)
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    return FileRead(file, table, lines=rows_seen + len(wrong_width), bad_lines=bad_count)


def _line_numbers(offset: int, count: int, skipped: Any) -> Any:
    """1-based line numbers of rows offset..offset+count-1, given the skipped lines.

    Row i (0-based, among rows kept) follows every skipped line that has at most i kept
    rows before it; `skipped[j] - (j + 1)` is the number of kept rows before skipped[j].
    """
    rows = np.arange(offset, offset + count, dtype=np.int64)
    kept_before = np.sort(skipped) - np.arange(1, len(skipped) + 1)
    return rows + 1 + np.searchsorted(kept_before, rows, side="right")


def _typed(spec: TableSpec, batch: pa.RecordBatch) -> tuple[pa.Table, list[tuple[int, str]]]:
    """The batch's good rows typed as `spec.raw`, and (row, reason) for the others."""
    n = batch.num_rows
    bad = np.zeros(n, dtype=bool)
    reasons: dict[int, str] = {}

    def flag(mask: Any, reason_of: Callable[[int], str]) -> None:
        for i in np.flatnonzero(np.asarray(mask) & ~bad):
            reasons[int(i)] = reason_of(int(i))
        bad[np.asarray(mask)] = True

    columns = [batch.column(i) for i in range(batch.num_columns)]
    empty = np.all([c.is_null().to_numpy(zero_copy_only=False) for c in columns], axis=0)
    flag(empty, lambda i: "empty line")
    required = {"GLOBALEVENTID", spec.partition_source}
    for number, (column, values) in enumerate(zip(spec.raw, columns, strict=True), start=1):
        nulls = values.is_null().to_numpy(zero_copy_only=False)
        where = f"column {number} {column.name}"
        if column.name in required:
            flag(nulls, partial(_blank, where))
        invalid = _invalid(column, values)
        if invalid is not None:
            flag(invalid & ~nulls, partial(_not_typed, where, column, values))
    stamp = spec.partition_source
    stamp_values = columns[spec.raw_names.index(stamp)]
    flag(
        _bad_stamps(stamp_values, bad),
        lambda i: f"{stamp} = {_show(stamp_values[i])}: not a real date and time",
    )
    good = pa.Table.from_batches([batch]).filter(pa.array(~bad))
    typed = pa.Table.from_arrays(
        [_cast(c, good.column(c.name)) for c in spec.raw], schema=arrow_schema(spec.raw)
    )
    return typed, sorted(reasons.items())


def _invalid(column: Column, values: pa.Array) -> Any:
    """Mask of non-null values that are not of the column's type (None: all are)."""
    if column.type == "STRING":
        try:
            pc.cast(values, pa.string())
            return None
        except pa.ArrowInvalid:  # rare: find the lines that are not UTF-8, one by one
            return np.array([v is not None and not _is_utf8(v) for v in values.to_pylist()])
    pattern = {"INT64": _INT, "FLOAT64": _FLOAT}[column.type]
    if column.name in _STAMP_COLUMNS:
        pattern = _STAMP
    matched = pc.match_substring_regex(values, pattern)
    return ~pc.fill_null(matched, True).to_numpy(zero_copy_only=False)


def _bad_stamps(values: pa.Array, bad: Any) -> Any:
    """Mask of YYYYMMDDHHMMSS stamps (already well-formed) that name no real time."""
    out = np.zeros(len(values), dtype=bool)
    ok = ~bad
    if not ok.any():
        return out
    stamps = pc.cast(pc.cast(values.filter(pa.array(ok)), pa.string()), pa.int64()).to_numpy()
    ymd, hms = stamps // 1_000_000, stamps % 1_000_000
    wrong = (hms // 10_000 > 23) | (hms // 100 % 100 > 59) | (hms % 100 > 59)
    for day in np.unique(ymd):  # few distinct days per file: checked one by one
        try:
            date(int(day) // 10_000, int(day) // 100 % 100, int(day) % 100)
        except ValueError:
            wrong |= ymd == day
    out[np.flatnonzero(ok)] = wrong
    return out


def _cast(column: Column, values: pa.ChunkedArray) -> pa.ChunkedArray:
    text = pc.cast(values, pa.string())
    target = {"INT64": pa.int64(), "FLOAT64": pa.float64(), "STRING": pa.string()}[column.type]
    return text if column.type == "STRING" else pc.cast(text, target)


def _blank(where: str, row: int) -> str:
    return f"{where} is blank"


def _not_typed(where: str, column: Column, values: pa.Array, row: int) -> str:
    return f"{where} = {_show(values[row])}: {_expected(column)}"


def _expected(column: Column) -> str:
    if column.name in _STAMP_COLUMNS:
        return "expected a YYYYMMDDHHMMSS stamp"
    return {
        "INT64": "expected an integer (INT64)",
        "FLOAT64": "expected a number (FLOAT64)",
        "STRING": "not UTF-8 text",
    }[column.type]


def _is_utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _show(value: pa.Scalar) -> str:
    raw = value.as_py()
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return repr(text if len(text) <= _TEXT_PREVIEW else text[:_TEXT_PREVIEW] + "…")

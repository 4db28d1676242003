"""Writing GDELT 2.0 raw files for tests: tab-separated, no header, one CSV per zip.

Rows come from the generator's tables (so every column has a realistic value) or are
written by hand to make bad lines.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from mentionfleet.gdelt.schema import EVENTS, RAW_FILE_DELIMITER, TableSpec


def field(value: object) -> str:
    """A value as GDELT writes it: blank for NULL, shortest round-trip text for floats."""
    return "" if value is None else str(value)


def lines_of(table: pa.Table, spec: TableSpec) -> list[str]:
    """One raw line per row, columns in file order."""
    columns = [table.column(name).to_pylist() for name in spec.raw_names]
    return [RAW_FILE_DELIMITER.join(field(v) for v in row) for row in zip(*columns, strict=True)]


def write_raw(path: Path, lines: Iterable[str]) -> Path:
    """`lines` as a raw file; zipped (one member named like the file) for a .zip path."""
    data = "".join(f"{line}\n" for line in lines).encode("utf-8")
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(path.name.removesuffix(".zip"), data)
    else:
        path.write_bytes(data)
    return path


def write_bytes_zip(path: Path, data: bytes) -> Path:
    """Raw bytes as the zip's one member (for lines that are not UTF-8)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(path.name.removesuffix(".zip"), data)
    return path


def split_by_update(table: pa.Table, spec: TableSpec) -> dict[int, pa.Table]:
    """Rows grouped by 15-minute update stamp, as GDELT publishes them."""
    stamp = "DATEADDED" if spec is EVENTS else "MentionTimeDate"
    return {
        int(s): table.filter(pc.equal(table.column(stamp), s))
        for s in sorted(set(table.column(stamp).to_pylist()))
    }


def write_updates(directory: Path, table: pa.Table, spec: TableSpec, suffix: str) -> list[Path]:
    """One `<stamp><suffix>` file per 15-minute update in `table`."""
    return [
        write_raw(directory / f"{stamp}{suffix}", lines_of(rows, spec))
        for stamp, rows in split_by_update(table, spec).items()
    ]


def replace_field(line: str, index: int, value: str) -> str:
    cells = line.split(RAW_FILE_DELIMITER)
    cells[index] = value
    return RAW_FILE_DELIMITER.join(cells)


def drop_last_field(line: str) -> str:
    return RAW_FILE_DELIMITER.join(line.split(RAW_FILE_DELIMITER)[:-1])


def write_daily(directory: Path, table: pa.Table, spec: TableSpec, suffix: str) -> list[Path]:
    """One `<YYYYMMDD>000000<suffix>` file per day of `table` (fewer files than GDELT's
    15-minute updates, in the same format)."""
    stamp = "DATEADDED" if spec is EVENTS else "MentionTimeDate"
    days = pc.divide(table.column(stamp), 1_000_000)
    return [
        write_raw(
            directory / f"{day}000000{suffix}", lines_of(table.filter(pc.equal(days, day)), spec)
        )
        for day in sorted(set(days.to_pylist()))
    ]

"""Reading the figures of a scenario back from what the fleet left behind.

The score table and the ledger (PostgreSQL), the scorer's JSON log lines, the Pub/Sub
emulator's log of failed pushes, and PostgreSQL's own log and statistics.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg

DATA_COLUMNS = (
    "event_id", "day", "mentions", "history_days", "baseline_mean", "baseline_std",
    "z", "velocity", "tier",
)  # fmt: skip
"""What a run computes; run_id, batch_index and updated_at say who wrote a row, and when."""

Key = tuple[int, date]
Snapshot = dict[Key, tuple[Any, ...]]

_COLS = ", ".join(DATA_COLUMNS)
_SNAPSHOT = f"SELECT {_COLS} FROM mention_scores"
# float8 prints its shortest exact form, so equal text means equal values.
_CHECKSUM = (
    f"SELECT md5(COALESCE(string_agg(concat_ws('|', {_COLS}), E'\\n'"
    " ORDER BY event_id, day), '')) FROM mention_scores"
)

SCORED = "batch scored"
FAILED = "batch failed; Pub/Sub will redeliver it"
MALFORMED = "malformed batch message"
DEADLOCK = "deadlock detected"
UNIQUE = ("duplicate key value violates unique constraint", "UniqueViolation")


def wait_until(ready: Callable[[], bool], *, timeout_s: float, what: str) -> None:
    """Poll until `ready()`; TimeoutError naming `what` otherwise."""
    deadline = time.monotonic() + timeout_s
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not reached within {timeout_s:.0f} s")
        time.sleep(0.2)


def snapshot(conn: psycopg.Connection) -> Snapshot:
    return {(r[0], r[1]): tuple(r[2:]) for r in conn.execute(_SNAPSHOT).fetchall()}


def checksum(conn: psycopg.Connection) -> str:
    row = conn.execute(_CHECKSUM).fetchone()
    assert row is not None
    return str(row[0])


@dataclass(frozen=True)
class RowDiff:
    lost: int
    extra: int
    changed: int


def compare(clean: Snapshot, got: Snapshot) -> RowDiff:
    """Pure: keys of the clean table missing, keys it lacks, and keys whose values differ."""
    return RowDiff(
        lost=len(clean.keys() - got.keys()),
        extra=len(got.keys() - clean.keys()),
        changed=sum(1 for key in clean.keys() & got.keys() if clean[key] != got[key]),
    )


@dataclass(frozen=True)
class Ledger:
    runs: int
    complete_runs: int
    batches: int
    scored_batches: int
    rows_written: int
    attempts: int
    stored_rows: int

    @property
    def all_scored(self) -> bool:
        return self.runs > 0 and self.complete_runs == self.runs and (
            self.scored_batches == self.batches
        )

    @property
    def rows_written_twice(self) -> int:
        """Rows the runs wrote beyond one per stored row (an upsert changing nothing writes 0)."""
        return max(self.rows_written - self.stored_rows, 0)


def ledger(conn: psycopg.Connection) -> Ledger:
    row = conn.execute(
        "SELECT (SELECT count(*) FROM runs),"
        " (SELECT count(*) FROM runs WHERE state = 'complete'),"
        " count(*), count(*) FILTER (WHERE state = 'scored'),"
        " COALESCE(sum(rows_written), 0), COALESCE(sum(attempts), 0),"
        " (SELECT count(*) FROM mention_scores)"
        " FROM batches"
    ).fetchone()
    assert row is not None
    return Ledger(*(int(v) for v in row))


def pg_deadlocks(conn: psycopg.Connection) -> int:
    row = conn.execute(
        "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
    ).fetchone()
    return int(row[0]) if row else 0


class LogMark:
    """A position in a log file; `text()` is what was appended since."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0

    def text(self) -> str:
        if not self.path.exists():
            return ""
        with self.path.open("rb") as log:
            log.seek(self.offset)
            return log.read().decode("utf-8", "replace")


def json_lines(text: str) -> list[dict[str, Any]]:
    """The structured entries of a function server's log (gunicorn's own lines are text)."""
    entries = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                entries.append(json.loads(line))
            except ValueError:
                continue
    return entries


def count_messages(entries: Iterable[Mapping[str, Any]], prefix: str) -> int:
    return sum(1 for e in entries if str(e.get("message", "")).startswith(prefix))


def failed_pushes(emulator_log: str, endpoint: str) -> int:
    """Pushes the emulator logged as failed to `endpoint` (non-2xx, refused, reset)."""
    marker = f"Failed to push to endpoint '{endpoint}/"
    return sum(1 for line in emulator_log.splitlines() if marker in line)


def mentions(text: str, *needles: str) -> int:
    return sum(1 for line in text.splitlines() if any(n in line for n in needles))

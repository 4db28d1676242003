"""Writing a batch's scores: binary COPY into a temp table, then one set-based upsert.

Idempotent by construction: rows are keyed on (event_id, day), and a conflicting row is
only updated when a data column differs, so a re-delivered batch writes 0 rows and
leaves `updated_at` alone. Rows are de-duplicated and sorted by key inside the
statement, so concurrent batches with overlapping events take row locks in the same
order and cannot deadlock. (Measured: COPY + INSERT ... SELECT ran about twice as fast
as executemany; MERGE raised unique violations under concurrency. `make bench` has the
figures against raw COPY.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import psycopg

ScoreRow = tuple[
    int,  # event_id
    date,  # day
    int,  # mentions
    int,  # history_days
    float | None,  # baseline_mean
    float | None,  # baseline_std
    float | None,  # z
    int | None,  # velocity
    str | None,  # tier
    str,  # run_id
    int,  # batch_index
]

COLUMNS = (
    "event_id", "day", "mentions", "history_days", "baseline_mean", "baseline_std",
    "z", "velocity", "tier", "run_id", "batch_index",
)  # fmt: skip
_TYPES = (
    "int8", "date", "int4", "int4", "float8", "float8",
    "float8", "int4", "text", "text", "int4",
)  # fmt: skip
# Columns whose change makes a row "written"; run and batch ids only say who wrote last.
_DATA = ("mentions", "history_days", "baseline_mean", "baseline_std", "z", "velocity", "tier")

_cols = ", ".join(COLUMNS)
# Exactly the copied columns: no updated_at default to evaluate per row. Temp tables are
# never WAL-logged; ON COMMIT DELETE ROWS hands the space back after every batch.
_CREATE_STAGING = (
    "CREATE TEMP TABLE IF NOT EXISTS incoming_scores ("
    + ", ".join(f"{c} {t}" for c, t in zip(COLUMNS, _TYPES, strict=True))
    + ") ON COMMIT DELETE ROWS"
)
# Rows left by an earlier call in the same transaction must not join this statement.
# After a commit the table is empty and this costs nothing.
_CLEAR_STAGING = "DELETE FROM incoming_scores"
# The ORDER BY sort needs about this much memory per row; within work_mem it stays in
# memory instead of spilling to temp files (PostgreSQL's default 4 MB holds ~25k rows).
_SORT_BYTES_PER_ROW = 192
_DEFAULT_WORK_MEM_KB = 4096
_MAX_WORK_MEM_KB = 64 * 1024
# Raises work_mem for the rest of the transaction (is_local), never lowers it.
_RAISE_WORK_MEM = (
    "SELECT set_config('work_mem', GREATEST(setting::bigint, %s)::text || 'kB', true)"
    " FROM pg_settings WHERE name = 'work_mem'"
)
_COPY = f"COPY incoming_scores ({_cols}) FROM STDIN (FORMAT BINARY)"
# Built from the constant column names above; every value arrives through COPY.
_UPSERT = f"""
INSERT INTO mention_scores AS t ({_cols})
SELECT DISTINCT ON (event_id, day) {_cols}
FROM incoming_scores
ORDER BY event_id, day
ON CONFLICT (event_id, day) DO UPDATE SET
  {", ".join(f"{c} = EXCLUDED.{c}" for c in (*_DATA, "run_id", "batch_index"))},
  updated_at = now()
WHERE ({", ".join(f"t.{c}" for c in _DATA)})
  IS DISTINCT FROM ({", ".join(f"EXCLUDED.{c}" for c in _DATA)})
"""  # noqa: S608


def upsert_scores(conn: psycopg.Connection, rows: Sequence[ScoreRow]) -> int:
    """Upsert rows inside the caller's transaction; return how many rows changed."""
    if not rows:
        return 0
    with conn.cursor() as cur:
        cur.execute(_CREATE_STAGING)
        cur.execute(_CLEAR_STAGING)
        work_mem_kb = len(rows) * _SORT_BYTES_PER_ROW // 1024
        if work_mem_kb > _DEFAULT_WORK_MEM_KB:
            cur.execute(_RAISE_WORK_MEM, (min(work_mem_kb, _MAX_WORK_MEM_KB),))
        with cur.copy(_COPY) as copy:
            copy.set_types(list(_TYPES))
            for row in rows:
                copy.write_row(row)
        cur.execute(_UPSERT)
        written = cur.rowcount
        # ON COMMIT DELETE ROWS empties it at commit; a pooled connection reuses it.
    return max(written, 0)

"""The run ledger: runs, their batches, and the fan-in that completes a run once."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    as_of: date
    params: dict[str, Any]
    event_count: int
    batch_count: int
    state: str
    started_at: datetime
    published_at: datetime | None
    finished_at: datetime | None


def create_run(
    conn: psycopg.Connection,
    *,
    run_id: str,
    as_of: date,
    params: dict[str, Any],
    batches: Sequence[Sequence[int]],
) -> bool:
    """Record a run and its batches; False if the run already exists (nothing changed)."""
    cur = conn.execute(
        "INSERT INTO runs (run_id, as_of, params, event_count, batch_count)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (run_id) DO NOTHING",
        (run_id, as_of, json.dumps(params), sum(len(b) for b in batches), len(batches)),
    )
    if cur.rowcount == 0:
        return False
    with conn.cursor() as c:
        c.executemany(
            "INSERT INTO batches (run_id, batch_index, event_ids) VALUES (%s, %s, %s)",
            [(run_id, i, list(ids)) for i, ids in enumerate(batches)],
        )
    if not batches:
        conn.execute(
            "UPDATE runs SET state = 'complete', published_at = now(), finished_at = now()"
            " WHERE run_id = %s",
            (run_id,),
        )
    return True


def get_run(conn: psycopg.Connection, run_id: str) -> RunRecord | None:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            "SELECT run_id, as_of, params, event_count, batch_count, state, started_at,"
            " published_at, finished_at FROM runs WHERE run_id = %s",
            (run_id,),
        ).fetchone()
    return RunRecord(**row) if row else None


def batch_event_ids(conn: psycopg.Connection, run_id: str) -> list[list[int]]:
    rows = conn.execute(
        "SELECT event_ids FROM batches WHERE run_id = %s ORDER BY batch_index", (run_id,)
    ).fetchall()
    return [list(r[0]) for r in rows]


def mark_published(conn: psycopg.Connection, run_id: str) -> None:
    conn.execute(
        "UPDATE runs SET state = 'running', published_at = now()"
        " WHERE run_id = %s AND state = 'publishing'",
        (run_id,),
    )


def record_scored(
    conn: psycopg.Connection, run_id: str, batch_index: int, rows_written: int
) -> bool:
    """Mark a batch scored, in the caller's transaction; True if this completed the run.

    The run row is locked first, so when the last two batches finish together they
    complete in turn and exactly one of them sees every batch scored.
    """
    locked = conn.execute(
        "SELECT 1 FROM runs WHERE run_id = %s FOR UPDATE", (run_id,)
    ).fetchone()
    if locked is None:
        return False
    conn.execute(
        "UPDATE batches SET state = 'scored', attempts = attempts + 1,"
        " rows_written = rows_written + %s, scored_at = COALESCE(scored_at, now()),"
        " last_error = NULL WHERE run_id = %s AND batch_index = %s",
        (rows_written, run_id, batch_index),
    )
    done = conn.execute(
        "UPDATE runs SET state = 'complete', finished_at = now()"
        " WHERE run_id = %s AND state <> 'complete'"
        " AND NOT EXISTS (SELECT 1 FROM batches WHERE run_id = %s AND state <> 'scored')"
        " RETURNING run_id",
        (run_id, run_id),
    ).fetchone()
    return done is not None


def record_failure(
    conn: psycopg.Connection, run_id: str, batch_index: int, error: str, *, dead: bool
) -> None:
    """Count a failed delivery; a batch already scored stays scored."""
    conn.execute(
        "UPDATE batches SET attempts = attempts + 1, last_error = %s,"
        " state = CASE WHEN state = 'scored' THEN state"
        "              WHEN %s THEN 'dead_lettered' ELSE 'failed' END"
        " WHERE run_id = %s AND batch_index = %s",
        (error[:MAX_ERROR_CHARS], dead, run_id, batch_index),
    )


@dataclass(frozen=True)
class BatchRecord:
    run_id: str
    batch_index: int
    event_ids: list[int]
    state: str
    attempts: int
    last_error: str | None
    rows_written: int
    scored_at: datetime | None


def get_batches(
    conn: psycopg.Connection, run_id: str, indexes: Sequence[int] | None = None
) -> list[BatchRecord]:
    """A run's batches in index order; only `indexes` when given."""
    query = (
        "SELECT run_id, batch_index, event_ids, state, attempts, last_error, rows_written,"
        " scored_at FROM batches WHERE run_id = %s"
    )
    params: tuple[Any, ...] = (run_id,)
    if indexes is not None:
        query += " AND batch_index = ANY(%s)"
        params += (list(indexes),)
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query + " ORDER BY batch_index", params).fetchall()
    return [BatchRecord(**{**r, "event_ids": list(r["event_ids"])}) for r in rows]


def reopen_batches(conn: psycopg.Connection, run_id: str, indexes: Sequence[int]) -> int:
    """Mark batches about to be published again as pending; scored ones stay scored.

    A republished batch that fails again returns to failed; one that is scored completes
    the run through record_scored as usual.
    """
    cur = conn.execute(
        "UPDATE batches SET state = 'pending'"
        " WHERE run_id = %s AND batch_index = ANY(%s) AND state <> 'scored'",
        (run_id, list(indexes)),
    )
    return max(cur.rowcount, 0)


def mark_dead_lettered(
    conn: psycopg.Connection, run_id: str, batch_index: int, reason: str
) -> bool:
    """Record that Pub/Sub dead-lettered a batch; True if the ledger changed.

    Pub/Sub forwards a batch after its last failed delivery without telling the scorer,
    so the ledger learns of it when the dead letters are read. The scorer's own error
    (last_error) is kept when there is one: it says why better than the delivery count.
    """
    cur = conn.execute(
        "UPDATE batches SET state = 'dead_lettered', last_error = COALESCE(last_error, %s)"
        " WHERE run_id = %s AND batch_index = %s AND state IN ('pending', 'failed')",
        (reason[:MAX_ERROR_CHARS], run_id, batch_index),
    )
    return cur.rowcount > 0

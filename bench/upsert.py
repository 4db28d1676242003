"""Benchmark 1: the write path against raw binary COPY and executemany, in one run.

The batch is 200k rows of real detector output (25 days of 8,000 events): half the
keys are already in the table with different data (changed), half are new. Contenders:

- write path: `store.scores.upsert_scores` into a table holding the 100k old rows;
- raw COPY: binary COPY of the same 200k rows into `mention_scores` holding 100k rows
  of other keys (same size, same unique index), the physical limit of a load;
- executemany: the same upsert statement with one VALUES row per input row.

Each contender starts from the same freshly loaded, vacuumed table and is timed from
the first byte sent to the commit. Then the same batch is written again: it must
write 0 rows, leave every row (updated_at included) as it was, and not grow the table.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date

import numpy as np
import psycopg

from bench.context import BenchContext
from bench.report import Goal, Result, Table
from bench.timing import fmt_rate, fmt_ratio, fmt_s, interleaved, spread_text, timed
from mentionfleet.scoring.rows import score_rows
from mentionfleet.spikes.detector import score
from mentionfleet.spikes.params import DetectorParams
from mentionfleet.store import scores as store
from mentionfleet.store.scores import ScoreRow, upsert_scores
from mentionfleet.warehouse.queries import Window
from mentionfleet.warehouse.reads import DailyCounts

ROWS = 200_000
DAYS = 25
EVENTS_PER_HALF = ROWS // 2 // DAYS
FIRST_ID = 1_300_000_000
GOAL_RATIO = 0.35
DATABASE = "bench_upsert"

_COPY = f"COPY mention_scores ({', '.join(store.COLUMNS)}) FROM STDIN (FORMAT BINARY)"
_SET = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*store._DATA, "run_id", "batch_index"))
_EXECUTEMANY = f"""
INSERT INTO mention_scores AS t ({", ".join(store.COLUMNS)})
VALUES ({", ".join(["%s"] * len(store.COLUMNS))})
ON CONFLICT (event_id, day) DO UPDATE SET {_SET}, updated_at = now()
WHERE ({", ".join(f"t.{c}" for c in store._DATA)})
  IS DISTINCT FROM ({", ".join(f"EXCLUDED.{c}" for c in store._DATA)})
"""  # noqa: S608


def scored_rows(first_id: int, counts: np.ndarray, run_id: str) -> list[ScoreRow]:
    """Detector output for events first_id.. with these daily counts (all seen from day 0)."""
    window = Window(as_of=date(2026, 11, 29), days=counts.shape[1])
    ids = tuple(range(first_id, first_id + counts.shape[0]))
    first_seen = np.zeros(counts.shape[0], dtype=np.int64)
    daily = DailyCounts(window, ids, counts, first_seen)
    return score_rows(
        daily, score(counts, first_seen, window.start.weekday(), DetectorParams()), run_id, 0
    )


def _counts(rng: np.random.Generator) -> np.ndarray:
    rates = rng.lognormal(1.0, 1.0, size=EVENTS_PER_HALF)
    return rng.poisson(rates[:, None], size=(EVENTS_PER_HALF, DAYS)).astype(np.int64)


def make_rows(seed: int = 3) -> tuple[list[ScoreRow], list[ScoreRow], list[ScoreRow]]:
    """(rows in the table before the upsert, the batch, rows before the raw COPY)."""
    rng = np.random.default_rng(seed)
    old, new, other = _counts(rng), _counts(rng), _counts(rng)
    changed_from = FIRST_ID
    new_from = FIRST_ID + EVENTS_PER_HALF
    other_from = FIRST_ID - EVENTS_PER_HALF
    before = scored_rows(changed_from, old, "bench-run-a")
    # +1 article every day changes `mentions` on every row, and most statistics with it.
    batch = scored_rows(changed_from, old + 1, "bench-run-b") + scored_rows(
        new_from, new, "bench-run-b"
    )
    copy_before = scored_rows(other_from, other, "bench-run-a")
    return before, batch, copy_before


def _copy_rows(conn: psycopg.Connection, rows: Sequence[ScoreRow]) -> None:
    with conn.cursor() as cur, cur.copy(_COPY) as copy:
        copy.set_types(list(store._TYPES))
        for row in rows:
            copy.write_row(row)


def _reset(conn: psycopg.Connection, rows: Sequence[ScoreRow]) -> None:
    conn.execute("TRUNCATE mention_scores")
    _copy_rows(conn, rows)
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM (ANALYZE) mention_scores")
    conn.autocommit = False


def _wal_lsn(conn: psycopg.Connection) -> str:
    row = conn.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()
    conn.commit()
    return str(row[0]) if row else "0/0"


def _wal_bytes_since(conn: psycopg.Connection, lsn: str) -> int:
    row = conn.execute(
        "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), %s::pg_lsn)", (lsn,)
    ).fetchone()
    conn.commit()
    return int(row[0]) if row else 0


def _table_bytes(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT pg_total_relation_size('mention_scores')").fetchone()
    return int(row[0]) if row else 0


def _fingerprint(conn: psycopg.Connection) -> tuple[int, str]:
    row = conn.execute(
        "SELECT count(*), md5(string_agg(t::text, ',' ORDER BY event_id, day))"
        " FROM mention_scores t"
    ).fetchone()
    assert row is not None
    return int(row[0]), str(row[1])


@dataclass(frozen=True)
class Redelivery:
    written_first: int
    written_again: int
    bytes_before: int
    bytes_after: int
    rows_unchanged: bool
    seconds: float

    @property
    def idempotent(self) -> bool:
        return (
            self.written_again == 0
            and self.bytes_after == self.bytes_before
            and self.rows_unchanged
        )


def redeliver(
    conn: psycopg.Connection, before: Sequence[ScoreRow], batch: Sequence[ScoreRow]
) -> Redelivery:
    """Write the batch over `before`, then once more, and compare what the second did."""
    _reset(conn, before)
    first = upsert_scores(conn, batch)
    conn.commit()
    size, fingerprint = _table_bytes(conn), _fingerprint(conn)
    started = time.perf_counter()
    again = upsert_scores(conn, batch)
    conn.commit()
    seconds = time.perf_counter() - started
    return Redelivery(
        first, again, size, _table_bytes(conn), _fingerprint(conn) == fingerprint, seconds
    )


def run(ctx: BenchContext, *, rounds: int = 7) -> Result:
    before, batch, copy_before = make_rows()
    url = ctx.fresh_database(DATABASE)
    wal: dict[str, list[int]] = {}
    with psycopg.connect(url) as conn:

        def contender(name: str, state: Sequence[ScoreRow], write: Callable[[], object]) -> float:
            """Reset to `state`, then time `write` and its commit, noting the WAL it made."""
            _reset(conn, state)
            lsn = _wal_lsn(conn)

            def go() -> None:
                write()
                conn.commit()

            seconds = timed(go)
            wal.setdefault(name, []).append(_wal_bytes_since(conn, lsn))
            return seconds

        def executemany() -> None:
            with conn.cursor() as cur:
                cur.executemany(_EXECUTEMANY, batch)

        timings = interleaved(
            {
                "write path": lambda: contender(
                    "write path", before, lambda: upsert_scores(conn, batch)
                ),
                "raw COPY": lambda: contender(
                    "raw COPY", copy_before, lambda: _copy_rows(conn, batch)
                ),
                "executemany": lambda: contender("executemany", before, executemany),
            },
            rounds,
        )

        again = redeliver(conn, before, batch)
        pg_version = str((conn.execute("SHOW server_version").fetchone() or ["?"])[0])

    rows = len(batch)
    table = Table(
        ("method", "median s", "min–max s", "rows/s", "vs raw COPY", "WAL bytes/row"),
        tuple(
            (
                name,
                fmt_s(timings.median(name)),
                spread_text(timings.seconds[name]),
                fmt_rate(rows / timings.median(name)),
                fmt_ratio(timings.ratio(name, "raw COPY")),
                f"{statistics.median(wal[name]) / rows:.0f}",
            )
            for name in timings.seconds
        ),
    )
    redelivery = Table(
        ("re-delivery of the same batch", "value"),
        (
            ("rows written the first time", f"{again.written_first:,}"),
            ("rows written again", f"{again.written_again:,}"),
            (
                "table + index bytes before / after",
                f"{again.bytes_before:,} / {again.bytes_after:,}",
            ),
            ("every row (updated_at included) unchanged", "yes" if again.rows_unchanged else "NO"),
            ("seconds", fmt_s(again.seconds)),
        ),
    )
    ratio = timings.ratio("write path", "raw COPY")
    goals = (
        Goal(
            f"upsert >= {GOAL_RATIO}x raw COPY throughput",
            ratio >= GOAL_RATIO,
            f"{ratio:.2f}x (median of {rounds} interleaved rounds; best round "
            f"{timings.best_ratio('write path', 'raw COPY'):.2f}x; executemany "
            f"{timings.ratio('executemany', 'raw COPY'):.2f}x)",
        ),
        Goal(
            "0 rows written on re-delivery, table does not grow",
            again.idempotent,
            f"{again.written_again} rows written, {again.bytes_after - again.bytes_before:+,} "
            "bytes",
        ),
    )
    return Result(
        name="upsert",
        title="1. Upsert: write path vs raw COPY vs executemany",
        tables=(table, redelivery),
        goals=goals,
        data={
            "rows": rows,
            "new": rows // 2,
            "changed": rows // 2,
            "rounds": rounds,
            "postgres": pg_version,
            "seconds": {k: list(v) for k, v in timings.seconds.items()},
            "rows_per_s": {k: rows / timings.median(k) for k in timings.seconds},
            "ratio_vs_copy": {k: timings.ratio(k, "raw COPY") for k in timings.seconds},
            "wal_bytes_per_row": {k: statistics.median(v) / rows for k, v in wal.items()},
            "redelivery": asdict(again),
        },
        notes=(
            f"{rows:,} rows of detector output ({EVENTS_PER_HALF * 2:,} events × {DAYS} days), "
            "half new and half changed; PostgreSQL "
            f"{pg_version} from the local stack (fsync off, as in tests). Every contender "
            "starts from a freshly loaded, vacuumed table of 100k rows and is timed from the "
            "first row sent to the commit.",
            *([] if ratio >= GOAL_RATIO else [_why(ratio, wal, rows)]),
        ),
    )


def _why(ratio: float, wal: dict[str, list[int]], rows: int) -> str:
    """Why the write path stays below the goal, with this run's figures."""
    ours = statistics.median(wal["write path"]) / rows
    copy = statistics.median(wal["raw COPY"]) / rows
    return (
        f"Missed by {GOAL_RATIO - ratio:.2f}x ({100 * (GOAL_RATIO / ratio - 1):.0f}% more "
        "throughput needed). The gap is the statement, not the transfer: the rows reach the "
        "server by the same binary COPY (into an unlogged temp table), then `INSERT ... ON "
        "CONFLICT DO UPDATE` handles them one at a time: an index probe each, a speculative "
        "insertion (heap tuple, index entry, confirmation record) for every new row, and a "
        "row lock plus a new row version and index entry for every changed row (no HOT: "
        "`z` is indexed). COPY appends whole pages at once. That is "
        f"{ours:.0f} bytes of WAL per row against COPY's {copy:.0f}, and more executor work "
        "than the WAL shows. Sorting in memory (work_mem raised for big batches) is the part "
        "of the statement that could go; keeping it in SQL is what orders the row locks."
    )

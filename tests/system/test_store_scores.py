"""The score write path on real PostgreSQL, in a database of its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta

import psycopg
import pytest
from psycopg import sql

from mentionfleet.localstack import LocalStack
from mentionfleet.store.migrate import migrate
from mentionfleet.store.scores import ScoreRow, upsert_scores

pytestmark = pytest.mark.system

DAY = date(2026, 11, 1)


@pytest.fixture(scope="module")
def url(local_stack: LocalStack) -> Iterator[str]:
    name = f"scores_{uuid.uuid4().hex[:8]}"
    admin = local_stack.postgres.admin_url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    database = local_stack.postgres.url.rsplit("/", 1)[0] + f"/{name}"
    migrate(database)
    yield database
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def conn(url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(url) as c:
        c.execute("TRUNCATE mention_scores")
        c.commit()
        yield c


def rows(events: range, days: int, mentions: int, run_id: str = "run-a") -> list[ScoreRow]:
    return [
        (e, DAY + timedelta(d), mentions, d, 1.5, 0.5, 2.0, 1, None, run_id, 0)
        for e in events
        for d in range(days)
    ]


def table(conn: psycopg.Connection) -> list[tuple[object, ...]]:
    return conn.execute("SELECT * FROM mention_scores ORDER BY event_id, day").fetchall()


def test_redelivery_writes_nothing_and_keeps_updated_at(conn: psycopg.Connection) -> None:
    batch = rows(range(1, 101), 30, 3)
    assert upsert_scores(conn, batch) == 3000
    conn.commit()
    before = table(conn)
    assert upsert_scores(conn, rows(range(1, 101), 30, 3, run_id="run-b")) == 0
    conn.commit()
    assert table(conn) == before


def test_changed_rows_are_updated_and_new_rows_inserted(conn: psycopg.Connection) -> None:
    upsert_scores(conn, rows(range(1, 11), 10, 3))
    conn.commit()
    written = upsert_scores(conn, rows(range(6, 16), 10, 4, run_id="run-b"))
    conn.commit()
    assert written == 100  # 50 changed, 50 new
    got = {(e, m, r) for e, _, m, *_, r, _b, _u in table(conn)}
    assert {(e, 3, "run-a") for e in range(1, 6)} <= got
    assert {(e, 4, "run-b") for e in range(6, 16)} <= got


def test_two_calls_in_one_transaction_write_each_batch_once(conn: psycopg.Connection) -> None:
    first = rows(range(1, 6), 5, 1)
    second = rows(range(1, 6), 5, 2, run_id="run-b")
    assert upsert_scores(conn, first) == 25
    # The second call must see only its own rows, or the first batch's would compete.
    assert upsert_scores(conn, second) == 25
    conn.commit()
    assert {row[2] for row in table(conn)} == {2}


def test_duplicate_keys_in_one_batch_become_one_row(conn: psycopg.Connection) -> None:
    batch = rows(range(1, 3), 2, 5)
    assert upsert_scores(conn, batch + batch) == 4
    conn.commit()
    assert len(table(conn)) == 4


def test_a_batch_too_large_for_the_default_sort_memory_is_written(
    conn: psycopg.Connection,
) -> None:
    batch = rows(range(1, 1501), 30, 2)  # 45k rows: above the 4 MB default work_mem
    assert upsert_scores(conn, batch) == 45_000
    work_mem = conn.execute("SHOW work_mem").fetchone()
    conn.commit()
    assert work_mem is not None and work_mem[0] != "4MB"
    assert conn.execute("SHOW work_mem").fetchone() == ("4MB",)  # SET LOCAL: gone at commit
    assert upsert_scores(conn, batch) == 0

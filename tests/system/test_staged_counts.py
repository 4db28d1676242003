"""Staged daily counts on the real local stack: counted once per run, read per batch.

Its own window (as_of 2026-11-23, 10 days, batches of 37) so its runs are its own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, TypeVar

import psycopg
import pytest
from google.cloud import bigquery

from mentionfleet.config import Settings
from mentionfleet.gdelt.synth import Generated
from mentionfleet.localrun.fleet import LocalFleet
from mentionfleet.store import ledger
from mentionfleet.warehouse.client import make_client
from mentionfleet.warehouse.queries import Window, daily_counts
from tests.system.test_operations import SCORE_COLUMNS, cli_json

pytestmark = pytest.mark.system
T = TypeVar("T")
AS_OF, LOOKBACK, BATCH_SIZE = date(2026, 11, 23), 10, 37
WINDOW = Window(as_of=AS_OF, days=LOOKBACK)
BODY = {"as_of": AS_OF.isoformat(), "lookback_days": LOOKBACK, "batch_size": BATCH_SIZE}
FALLBACK = "no staged daily counts for this batch; counting directly (scans the look-back)"

Row = tuple[int, date | None, date | None, int]


def wait_for(what: str, probe: Callable[[], T | None], timeout_s: float = 180.0) -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        got = probe()
        if got:
            return got
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not within {timeout_s:.0f} s")
        time.sleep(0.25)


@pytest.fixture(scope="module")
def settings(fleet: LocalFleet) -> Settings:
    return Settings.from_env(fleet.env)


@pytest.fixture(scope="module")
def client(settings: Settings) -> bigquery.Client:
    return make_client(settings)


def staged_rows(client: bigquery.Client, settings: Settings, run_id: str) -> list[Row]:
    sql = (
        f"SELECT event_id, first_seen, day, articles FROM `{settings.staging_table}`"
        " WHERE as_of = @as_of AND run_id = @run_id"
    )
    config = bigquery.QueryJobConfig(
        query_parameters=[
            bigquery.ScalarQueryParameter("as_of", "DATE", AS_OF),
            bigquery.ScalarQueryParameter("run_id", "STRING", run_id),
        ]
    )
    rows = client.query(sql, job_config=config).result()
    return sorted(
        ((int(r[0]), r[1], r[2], int(r[3])) for r in rows),
        key=lambda r: (r[0], r[2] or date.min),
    )


def fallback_lines(fleet: LocalFleet, run_id: str) -> list[dict[str, Any]]:
    lines = []
    for line in fleet.scorer.log_path.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        if entry.get("message") == FALLBACK and entry.get("run_id") == run_id:
            lines.append(entry)
    return lines


@pytest.fixture(scope="module")
def staged_run(fleet: LocalFleet, generated: Generated) -> dict[str, Any]:
    response = fleet.kickoff(BODY)
    assert response.status == 200, response.body
    assert response.body["existing"] is False, "this module's window is its own"
    fleet.wait_for_run(response.body["run_id"], timeout_s=240)
    return response.body


def test_kickoff_stages_exactly_the_direct_counts_of_all_the_runs_events(
    fleet: LocalFleet, client: bigquery.Client, settings: Settings, staged_run: dict[str, Any]
) -> None:
    run_id = staged_run["run_id"]
    with psycopg.connect(fleet.database_url, autocommit=True) as conn:
        ids = tuple(sorted(i for b in ledger.batch_event_ids(conn, run_id) for i in b))
    assert len(ids) == staged_run["events"] and staged_run["batches"] > 1
    direct = daily_counts(settings.events_table, settings.mentions_table, WINDOW, ids)
    config = bigquery.QueryJobConfig(query_parameters=direct.params)
    expected = sorted(
        ((int(r[0]), r[1], r[2], int(r[3])) for r in client.query(direct.sql, config).result()),
        key=lambda r: (r[0], r[2] or date.min),
    )
    staged = staged_rows(client, settings, run_id)
    assert staged == expected
    assert {r[0] for r in staged} == set(ids), "every event of the run has a row"
    assert fallback_lines(fleet, run_id) == [], "every batch read its staged slice"


def test_a_second_kickoff_of_a_stuck_run_does_not_duplicate_staged_rows(
    fleet: LocalFleet, client: bigquery.Client, settings: Settings, staged_run: dict[str, Any]
) -> None:
    run_id = staged_run["run_id"]
    before = staged_rows(client, settings, run_id)
    with psycopg.connect(fleet.database_url, autocommit=True) as conn:
        attempts = {b.batch_index: b.attempts for b in ledger.get_batches(conn, run_id)}
        # As if the first kickoff had died while publishing, long enough ago.
        conn.execute(
            "UPDATE runs SET state = 'publishing', started_at = now() - interval '1 hour'"
            " WHERE run_id = %s",
            (run_id,),
        )
    response = fleet.kickoff(BODY)
    assert response.status == 200, response.body
    assert response.body["existing"] is True
    assert response.body["published"] == staged_run["batches"]
    with psycopg.connect(fleet.database_url, autocommit=True) as conn:

        def all_scored_again() -> bool:
            batches = ledger.get_batches(conn, run_id)
            return all(b.state == "scored" and b.attempts > attempts[b.batch_index]
                       for b in batches)  # fmt: skip

        wait_for("every republished batch scored again", all_scored_again)
    assert staged_rows(client, settings, run_id) == before
    assert fallback_lines(fleet, run_id) == [], "the republished batches read staged rows"


def test_without_staged_rows_a_batch_is_counted_directly_with_the_same_scores(
    fleet: LocalFleet, client: bigquery.Client, settings: Settings, staged_run: dict[str, Any]
) -> None:
    run_id = staged_run["run_id"]
    start = AS_OF - timedelta(days=LOOKBACK - 1)
    mine = "event_id = ANY(%s) AND day BETWEEN %s AND %s"
    with psycopg.connect(fleet.database_url, autocommit=True) as conn:
        batch = ledger.get_batches(conn, run_id, [1])[0]
        key = (batch.event_ids, start, AS_OF)
        select = f"SELECT event_id, day, {SCORE_COLUMNS} FROM mention_scores WHERE {mine}"
        expected = conn.execute(f"{select} ORDER BY event_id, day", key).fetchall()
        assert expected, "the batch wrote rows"
        # Writes are idempotent: remove the batch's rows so that a recompute must write.
        conn.execute(f"DELETE FROM mention_scores WHERE {mine}", key)
    # As if the staging rows had expired.
    delete = bigquery.QueryJobConfig(
        query_parameters=[
            bigquery.ScalarQueryParameter("as_of", "DATE", AS_OF),
            bigquery.ScalarQueryParameter("run_id", "STRING", run_id),
        ]
    )
    client.query(
        f"DELETE FROM `{settings.staging_table}` WHERE as_of = @as_of AND run_id = @run_id",
        job_config=delete,
    ).result()
    assert staged_rows(client, settings, run_id) == []

    result = cli_json("republish", "--run", run_id, "--batch", "1")
    assert (result["batch_indexes"], result["published"]) == ([1], 1)

    with psycopg.connect(fleet.database_url, autocommit=True) as conn:

        def rewritten() -> list[tuple[Any, ...]] | None:
            rows = conn.execute(f"{select} ORDER BY event_id, day", key).fetchall()
            return rows if len(rows) >= len(expected) else None

        back = wait_for("the batch's rows recomputed", rewritten)
    assert back == expected, "the direct count scores exactly as the staged one"
    warned = wait_for("the fallback warning", lambda: fallback_lines(fleet, run_id))
    assert {(w["severity"], w["batch_index"]) for w in warned} == {("WARNING", 1)}

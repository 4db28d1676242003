"""Operating the fleet through the `mentionfleet` CLI, on the real local stack.

Each test uses its own as_of (or parameters), so its runs are its own: 11-29 kickoff and
status, 11-28 republish of a batch and reprocess by event ids, 11-27 the poison batch,
11-24..11-26 the backfill. The shared data covers 11-10..11-30.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any, TypeVar

import psycopg
import pytest
from click.testing import CliRunner, Result

from mentionfleet.cli import main
from mentionfleet.gdelt.synth import Generated
from mentionfleet.localrun.fleet import LocalFleet
from mentionfleet.store import ledger

pytestmark = pytest.mark.system
T = TypeVar("T")


def cli(*args: str, expect_exit: int = 0) -> Result:
    # `mentionfleet` points its logger at the CLI's stderr; put it back afterwards.
    logger = logging.getLogger("mentionfleet")
    handlers, level, propagate = list(logger.handlers), logger.level, logger.propagate
    try:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate
    assert result.exit_code == expect_exit, (args, result.stdout, result.stderr)
    return result


def cli_json(*args: str, expect_exit: int = 0) -> Any:
    return json.loads(cli(*args, "--json", expect_exit=expect_exit).stdout)


def wait_for(what: str, probe: Callable[[], T | None], timeout_s: float = 180.0) -> T:
    """Poll until probe returns something truthy; fail naming what never happened."""
    deadline = time.monotonic() + timeout_s
    while True:
        got = probe()
        if got:
            return got
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not within {timeout_s:.0f} s")
        time.sleep(0.25)


def window_event_ids(generated: Generated, as_of: date, lookback: int) -> list[int]:
    """The run's events (about Venezuela, added in the window) that have mentions in it."""
    start = as_of - timedelta(days=lookback - 1)
    added = {
        int(i)
        for i, stamp in zip(
            generated.events["GLOBALEVENTID"].to_pylist(),
            generated.events["DATEADDED"].to_pylist(),
            strict=True,
        )
        if start <= date(stamp // 10**10, stamp // 10**8 % 100, stamp // 10**6 % 100) <= as_of
    } & generated.ve_event_ids
    counted = {e for e, d in generated.counts_by_event_day(sorted(added)) if start <= d <= as_of}
    return sorted(counted)


def batch_of(conn: psycopg.Connection, run_id: str, event_id: int) -> ledger.BatchRecord:
    return next(b for b in ledger.get_batches(conn, run_id) if event_id in b.event_ids)


@contextmanager
def rows_held(url: str, event_id: int, days: Sequence[date]) -> Iterator[None]:
    """Row locks on an event's score rows: its batch's upsert waits until the block ends."""
    with psycopg.connect(url) as conn:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO mention_scores (event_id, day, mentions, history_days, run_id,"
                " batch_index) VALUES (%s, %s, 0, 0, 'held-by-test', 0)"
                " ON CONFLICT (event_id, day) DO UPDATE SET mentions = mention_scores.mentions",
                [(event_id, d) for d in days],
            )
        try:
            yield
        finally:
            conn.rollback()


@contextmanager
def poisoned(url: str, event_id: int) -> Iterator[Callable[[], None]]:
    """Every write of the event's scores fails, until the returned cure is called."""
    name = f"poison_{event_id}"

    def cure() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP TRIGGER IF EXISTS {name} ON mention_scores")
            conn.execute(f"DROP FUNCTION IF EXISTS {name}()")

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'poison event %', NEW.event_id; END $$"
        )
        conn.execute(
            f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE ON mention_scores FOR EACH ROW"
            f" WHEN (NEW.event_id = {int(event_id)}) EXECUTE FUNCTION {name}()"
        )
    try:
        yield cure
    finally:
        cure()


def kickoff(fleet: LocalFleet, *args: str) -> dict[str, Any]:
    body: dict[str, Any] = cli_json("kickoff", "--url", fleet.fanout.url, *args)
    return body


def test_double_kickoff_makes_one_run_and_status_follows_it_to_complete(
    fleet: LocalFleet, generated: Generated
) -> None:
    as_of, lookback = date(2026, 11, 29), 20
    args = ("--as-of", as_of.isoformat(), "--lookback-days", str(lookback), "--batch-size", "40")
    held = window_event_ids(generated, as_of, lookback)[-1]
    window = [as_of - timedelta(days=i) for i in range(lookback)]

    with rows_held(fleet.database_url, held, window):
        first = kickoff(fleet, *args)
        second = kickoff(fleet, *args)
        run_id = first["run_id"]
        assert second["run_id"] == run_id
        assert second["existing"] is True and second["published"] == 0
        total = first["batches"]
        assert total >= 3

        # Every batch but the held one gets scored; the run is then visibly in flight.
        def all_but_one_scored() -> dict[str, Any] | None:
            s: dict[str, Any] = cli_json("status", run_id)
            return s if s["batches_scored"] == total - 1 else None

        in_flight = wait_for("all batches but the held one scored", all_but_one_scored)
        with psycopg.connect(fleet.database_url) as conn:
            held_batch = batch_of(conn, run_id, held).batch_index
        assert in_flight["state"] == "running"
        assert in_flight["batches_total"] == total
        assert in_flight["finished_at"] is None
        assert [(b["batch_index"], b["state"]) for b in in_flight["open_batches"]] == [
            (held_batch, "pending")
        ]
        recent = {r["run_id"]: r for r in cli_json("status", "--limit", "50")}
        assert recent[run_id]["state"] == "running"
        assert cli("status", run_id, "--check", expect_exit=1).stdout.count(run_id) == 1

    fleet.wait_for_run(run_id, timeout_s=180)
    done = cli_json("status", run_id)
    assert done["state"] == "complete"
    assert done["batches_scored"] == done["batches_total"] == total
    assert done["batches_failed"] == done["batches_dead_lettered"] == 0
    assert done["open_batches"] == []
    assert done["events"] == first["events"]
    text = cli("status", "--limit", "50").stdout
    assert any(line.startswith(run_id) and " complete " in line for line in text.splitlines())
    cli("status", run_id, "--check")
    with psycopg.connect(fleet.database_url) as conn:
        runs = conn.execute(
            "SELECT run_id FROM runs WHERE as_of = %s AND run_id LIKE %s", (as_of, run_id + "%")
        ).fetchall()
    assert runs == [(run_id,)]


# The computed values; run_id and batch_index only say who wrote a row last.
SCORE_COLUMNS = "mentions, history_days, baseline_mean, baseline_std, z, velocity, tier"


@pytest.fixture(scope="module")
def complete_run(fleet: LocalFleet, generated: Generated) -> dict[str, Any]:
    """A complete run of 2026-11-28 (19 days, batches of 40) for the reprocessing tests."""
    run = kickoff(fleet, "--as-of", "2026-11-28", "--lookback-days", "19", "--batch-size", "40")
    fleet.wait_for_run(run["run_id"], timeout_s=180)
    return run


def test_republish_of_one_batch_rewrites_exactly_that_batchs_rows(
    fleet: LocalFleet, complete_run: dict[str, Any]
) -> None:
    as_of, lookback = date(2026, 11, 28), 19
    start = as_of - timedelta(days=lookback - 1)
    run_id = complete_run["run_id"]
    url = fleet.database_url
    with psycopg.connect(url, autocommit=True) as conn:
        batch = ledger.get_batches(conn, run_id, [1])[0]
        mine = "event_id = ANY(%s) AND day BETWEEN %s AND %s"
        key = (batch.event_ids, start, as_of)
        expected = conn.execute(
            f"SELECT event_id, day, {SCORE_COLUMNS} FROM mention_scores WHERE {mine}"
            " ORDER BY event_id, day",
            key,
        ).fetchall()
        assert expected, "the batch wrote rows"
        # Writes are idempotent: remove the batch's rows so that a recompute must write.
        conn.execute(f"DELETE FROM mention_scores WHERE {mine}", key)
        others_before = conn.execute(
            "SELECT * FROM mention_scores ORDER BY event_id, day"
        ).fetchall()
        now = conn.execute("SELECT now()").fetchone()
        assert now is not None
        cutoff = now[0]

    result = cli_json("republish", "--run", run_id, "--batch", "1")
    assert (result["run_id"], result["batch_indexes"], result["published"]) == (run_id, [1], 1)
    assert result["events"] == len(batch.event_ids) and result["created_run"] is False

    with psycopg.connect(url, autocommit=True) as conn:

        def rewritten() -> list[tuple[Any, ...]]:
            return conn.execute(
                f"SELECT event_id, day, {SCORE_COLUMNS}, run_id, batch_index, updated_at"
                " FROM mention_scores"
                f" WHERE {mine} ORDER BY event_id, day",
                key,
            ).fetchall()

        back = wait_for("the batch's rows written again", rewritten)
        others_after = conn.execute(
            f"SELECT * FROM mention_scores WHERE NOT ({mine}) ORDER BY event_id, day", key
        ).fetchall()
        after = ledger.get_batches(conn, run_id, [1])[0]

    assert [r[:-3] for r in back] == expected, "same values as the first time"
    assert {r[-3:-1] for r in back} == {(run_id, 1)}
    assert all(r[-1] > cutoff for r in back), "every row of the batch has a fresh updated_at"
    assert others_after == others_before, "no other row changed, updated_at included"
    assert after.rows_written == batch.rows_written + len(expected)
    assert after.attempts == batch.attempts + 1
    assert cli_json("status", run_id)["state"] == "complete"


def test_republish_event_ids_is_a_reprocess_run_that_scores_them_as_their_run_did(
    fleet: LocalFleet, complete_run: dict[str, Any]
) -> None:
    as_of, lookback = date(2026, 11, 28), 19
    start = as_of - timedelta(days=lookback - 1)
    with psycopg.connect(fleet.database_url, autocommit=True) as conn:
        chosen = ledger.get_batches(conn, complete_run["run_id"], [2])[0].event_ids[:3]
        mine = "event_id = ANY(%s) AND day BETWEEN %s AND %s"
        key = (chosen, start, as_of)
        scheduled = conn.execute(
            f"SELECT event_id, day, {SCORE_COLUMNS} FROM mention_scores WHERE {mine}"
            " ORDER BY event_id, day",
            key,
        ).fetchall()
        assert {r[0] for r in scheduled} == set(chosen)
        conn.execute(f"DELETE FROM mention_scores WHERE {mine}", key)
        others_before = conn.execute(
            "SELECT * FROM mention_scores ORDER BY event_id, day"
        ).fetchall()

    result = cli_json(
        "republish", "--event-ids", ",".join(map(str, reversed(chosen))),
        "--as-of", as_of.isoformat(), "--lookback-days", str(lookback), "--batch-size", "2",
    )  # fmt: skip
    run_id = result["run_id"]
    assert run_id.startswith("rep-20261128-")
    assert result["created_run"] is True
    assert (result["batch_indexes"], result["events"]) == ([0, 1], 3)
    fleet.wait_for_run(run_id, timeout_s=180)

    status = cli_json("status", run_id)
    assert (status["kind"], status["state"]) == ("reprocess", "complete")
    assert status["batches_scored"] == status["batches_total"] == 2
    assert status["params"]["lookback_days"] == lookback
    with psycopg.connect(fleet.database_url) as conn:
        reprocessed = conn.execute(
            f"SELECT event_id, day, {SCORE_COLUMNS} FROM mention_scores WHERE {mine}"
            " AND run_id = %s ORDER BY event_id, day",
            (*key, run_id),
        ).fetchall()
        others_after = conn.execute(
            f"SELECT * FROM mention_scores WHERE NOT ({mine}) ORDER BY event_id, day", key
        ).fetchall()
    assert reprocessed == scheduled, "the same values as the scheduled run (weekday factors too)"
    assert others_after == others_before
    nothing = cli_json("republish", "--run", run_id, "--failed")
    assert nothing["published"] == 0


def test_poison_batch_is_dead_lettered_listed_with_its_reason_and_replay_completes_the_run(
    fleet: LocalFleet, generated: Generated
) -> None:
    as_of, lookback = date(2026, 11, 27), 18
    poison = window_event_ids(generated, as_of, lookback)[5]
    attempts = fleet.policy.max_delivery_attempts
    url = fleet.database_url

    with poisoned(url, poison) as cure:
        run = kickoff(
            fleet, "--as-of", as_of.isoformat(), "--lookback-days", str(lookback),
            "--batch-size", "40",
        )  # fmt: skip
        run_id = run["run_id"]
        with psycopg.connect(url, autocommit=True) as conn:
            bad = batch_of(conn, run_id, poison)
            wait_for(
                f"batch {bad.batch_index} failed {attempts} times",
                lambda: batch_of(conn, run_id, poison).attempts >= attempts,
            )

        def listed() -> list[dict[str, Any]]:
            letters: list[dict[str, Any]] = cli_json("dead-letters", "list", "--run", run_id)
            return letters

        letters = wait_for("the poison batch on the dead-letter subscription", listed)
        assert len(letters) == 1
        letter = letters[0]
        assert (letter["run_id"], letter["batch_index"]) == (run_id, bad.batch_index)
        assert letter["events"] == len(bad.event_ids)
        assert letter["attempts"] == attempts
        assert letter["source"] == "pubsub"
        assert f"poison event {poison}" in letter["reason"]
        assert letter["ledger_state"] == "dead_lettered"
        again = cli_json("dead-letters", "list", "--run", run_id)
        assert [d["message_id"] for d in again] == [letter["message_id"]], "listing consumes none"
        text = cli("dead-letters", "list", "--run", run_id).stdout
        assert f"{run_id} batch {bad.batch_index}" in text and f"poison event {poison}" in text

        stuck = cli_json("status", run_id)
        assert stuck["state"] == "running" and stuck["needs_attention"] is True
        assert stuck["batches_dead_lettered"] == 1
        assert stuck["batches_scored"] == stuck["batches_total"] - 1
        [open_batch] = stuck["open_batches"]
        assert open_batch["batch_index"] == bad.batch_index
        assert f"poison event {poison}" in open_batch["last_error"]
        cure()

    replayed = cli_json("dead-letters", "replay", "--run", run_id)
    assert [(r["batch_index"], r["error"]) for r in replayed] == [(bad.batch_index, None)]
    assert replayed[0]["new_message_id"]
    fleet.wait_for_run(run_id, timeout_s=180)
    done = cli_json("status", run_id)
    assert done["state"] == "complete"
    assert done["batches_dead_lettered"] == done["batches_failed"] == 0
    assert cli_json("dead-letters", "list", "--run", run_id) == []


def test_backfill_over_three_days_makes_three_complete_runs(
    fleet: LocalFleet, generated: Generated
) -> None:
    days = [date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26)]
    outcomes = cli_json(
        "backfill", "--url", fleet.fanout.url, "--from", days[0].isoformat(),
        "--to", days[-1].isoformat(), "--max-in-flight", "2", "--lookback-days", "10",
        "--batch-size", "60", "--poll-interval", "0.5", "--timeout", "300",
    )  # fmt: skip
    assert [(o["as_of"], o["outcome"]) for o in outcomes] == [
        (d.isoformat(), "complete") for d in days
    ]
    run_ids = [o["run_id"] for o in outcomes]
    assert len(set(run_ids)) == 3
    assert all(o["batches_scored"] == o["batches_total"] > 0 for o in outcomes)
    with psycopg.connect(fleet.database_url) as conn:
        runs = [ledger.get_run(conn, r) for r in run_ids]
    assert [(r.as_of, r.state) for r in runs if r] == [(d, "complete") for d in days]
    first, second, third = (r for r in runs if r)
    assert first.finished_at and second.finished_at
    assert third.started_at >= min(first.finished_at, second.finished_at), (
        "the third day waits for a slot: at most two runs in flight"
    )
    # Backfilling the same days again finds the runs: nothing new, all complete at once.
    again = cli_json(
        "backfill", "--url", fleet.fanout.url, "--from", days[0].isoformat(),
        "--to", days[-1].isoformat(), "--lookback-days", "10", "--batch-size", "60",
        "--poll-interval", "0.5",
    )  # fmt: skip
    assert [o["run_id"] for o in again] == run_ids


def test_unknown_run_is_one_clear_error(fleet: LocalFleet) -> None:
    result = cli("status", "run-19990101-00000000", expect_exit=1)
    assert "run 'run-19990101-00000000' is not in the ledger" in result.stderr
    assert "Traceback" not in result.output
    result = cli("republish", "--run", "run-19990101-00000000", "--failed", expect_exit=1)
    assert "not in the ledger" in result.stderr

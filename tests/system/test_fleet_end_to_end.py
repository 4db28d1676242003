"""The fleet end to end on the real local stack: fanout -> emulator -> scorer -> Postgres."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from google.cloud import pubsub_v1

from mentionfleet.bus import admin
from mentionfleet.gdelt.series import BaseRate
from mentionfleet.gdelt.synth import Generated
from mentionfleet.localrun.fleet import LocalFleet
from mentionfleet.message import BatchMessage
from mentionfleet.spikes.params import DetectorParams
from mentionfleet.store import ledger
from tests.system.helpers import (
    AS_OF,
    LOOKBACK,
    drain,
    published_batches,
    snapshot_scores,
    window_event_ids,
)

pytestmark = pytest.mark.system


@pytest.fixture(scope="module")
def observer(fleet: LocalFleet) -> Iterator[str]:
    """A pull subscription on the batch topic: sees every message the fleet publishes."""
    subscriber = pubsub_v1.SubscriberClient()
    path = admin.ensure_pull_subscription(
        subscriber, fleet.project, fleet.batch_topic, "observer-e2e"
    )
    drain(path)
    yield path
    admin.delete_subscription(subscriber, path)


@pytest.fixture(scope="module")
def finished_run(fleet: LocalFleet, generated: Generated, observer: str) -> dict[str, Any]:
    response = fleet.kickoff(
        {"as_of": AS_OF.isoformat(), "lookback_days": LOOKBACK, "batch_size": 40}
    )
    assert response.status == 200, response.body
    run = fleet.wait_for_run(response.body["run_id"], timeout_s=180)
    assert run.state == "complete"
    return response.body


def test_every_venezuela_event_is_batched_and_every_batch_scored(
    fleet: LocalFleet, generated: Generated, finished_run: dict[str, Any], observer: str
) -> None:
    expected_ids = window_event_ids(generated)
    messages = published_batches(observer)
    assert sorted(m.batch_index for m in messages) == list(range(finished_run["batches"]))
    assert {i for m in messages for i in m.event_ids} == expected_ids
    assert finished_run["events"] == len(expected_ids)
    with psycopg.connect(fleet.database_url) as conn:
        states = conn.execute(
            "SELECT state, count(*) FROM batches WHERE run_id = %s GROUP BY state",
            (finished_run["run_id"],),
        ).fetchall()
    assert states == [("scored", finished_run["batches"])]


def test_stored_mentions_equal_the_generated_distinct_article_counts(
    fleet: LocalFleet, generated: Generated, finished_run: dict[str, Any]
) -> None:
    """SQL counts (BigQuery) + zero-fill (Python) against the generator's own truth."""
    with psycopg.connect(fleet.database_url) as conn:
        stored = dict(
            ((e, d), m)
            for e, d, m in conn.execute("SELECT event_id, day, mentions FROM mention_scores")
        )
    truth = generated.counts_by_event_day(sorted({e for e, _ in stored}))
    start = AS_OF - timedelta(days=LOOKBACK - 1)
    for (event_id, day), articles in truth.items():
        if start <= day <= AS_OF:
            assert stored[(event_id, day)] == articles
    zero_days = [key for key in stored if key not in truth]
    assert zero_days, "quiet days must be stored as zeros, not left out"
    assert all(stored[key] == 0 for key in zero_days)


def test_injected_spikes_are_found(
    fleet: LocalFleet, generated: Generated, finished_run: dict[str, Any]
) -> None:
    start = AS_OF - timedelta(days=LOOKBACK - 1)
    # The detector's goal (docs/spike-detection.md): spikes of 5x or more on events with a
    # medium or high base rate. A 5x spike on 0.3 articles a day is one article.
    # Only events the run covers: those first seen in its look-back window.
    medium = BaseRate.MEDIUM.bounds[0]
    with psycopg.connect(fleet.database_url) as conn:
        in_run = {i for ids in ledger.batch_event_ids(conn, finished_run["run_id"]) for i in ids}
    injected = [
        s
        for s in generated.spikes
        if s.event_id in in_run
        and start <= s.day <= AS_OF
        and s.magnitude >= 5
        and s.expected_rate >= medium
    ]
    assert len(injected) >= 5, "the generator should inject spikes in the window"
    with psycopg.connect(fleet.database_url) as conn:
        flagged = {
            (e, d)
            for e, d in conn.execute(
                "SELECT event_id, day FROM mention_scores WHERE tier IS NOT NULL"
            )
        }
    found = [s for s in injected if (s.event_id, s.day) in flagged]
    assert len(found) / len(injected) >= 0.9, (len(found), len(injected))


def test_redelivering_every_batch_writes_nothing(
    fleet: LocalFleet, finished_run: dict[str, Any], observer: str
) -> None:
    run_id = finished_run["run_id"]
    with psycopg.connect(fleet.database_url) as conn:
        before = snapshot_scores(conn)
        written_before = conn.execute(
            "SELECT sum(rows_written), sum(attempts) FROM batches WHERE run_id = %s", (run_id,)
        ).fetchone()
        batches = ledger.batch_event_ids(conn, run_id)
        run = ledger.get_run(conn, run_id)
    assert run is not None
    publisher = pubsub_v1.PublisherClient()
    topic = publisher.topic_path(fleet.project, fleet.batch_topic)
    for index, ids in enumerate(batches):
        # Exactly what the fanout published: the run's own recorded parameters.
        message = BatchMessage(
            run_id=run_id,
            batch_index=index,
            batch_count=len(batches),
            as_of=run.as_of,
            lookback_days=run.params["lookback_days"],
            event_ids=tuple(ids),
            detector=DetectorParams.model_validate(run.params["detector"]),
        )
        for _ in range(2):
            publisher.publish(topic, message.encode(), **message.attributes()).result(30)
    expected_attempts = written_before[1] + 2 * len(batches)
    with psycopg.connect(fleet.database_url, autocommit=True) as conn:
        wait_until_attempts(conn, run_id, expected_attempts)
        after = snapshot_scores(conn)
        written_after = conn.execute(
            "SELECT sum(rows_written) FROM batches WHERE run_id = %s", (run_id,)
        ).fetchone()
    assert written_after[0] == written_before[0], "a re-delivered batch must write 0 rows"
    assert after == before, "every row, including updated_at, must be as it was"


def wait_until_attempts(conn: psycopg.Connection, run_id: str, attempts: int) -> None:
    import time

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        got = conn.execute(
            "SELECT sum(attempts) FROM batches WHERE run_id = %s", (run_id,)
        ).fetchone()
        if got and got[0] >= attempts:
            return
        time.sleep(0.25)
    raise TimeoutError(f"batches of {run_id} not re-delivered {attempts} times in all")


def test_double_kickoff_makes_one_run_and_publishes_nothing_more(
    fleet: LocalFleet, finished_run: dict[str, Any], observer: str
) -> None:
    drain(observer)
    again = fleet.kickoff(
        {"as_of": AS_OF.isoformat(), "lookback_days": LOOKBACK, "batch_size": 40}
    )
    assert again.status == 200
    assert again.body["run_id"] == finished_run["run_id"]
    assert again.body["existing"] is True and again.body["published"] == 0
    assert published_batches(observer) == []
    with psycopg.connect(fleet.database_url) as conn:
        runs = conn.execute(
            "SELECT count(*) FROM runs WHERE as_of = %s AND run_id LIKE %s",
            (AS_OF, finished_run["run_id"] + "%"),
        ).fetchone()
    assert runs == (1,)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "body"),
        (b'{"as_of": "2026-02-31"}', "as_of"),
        (b'{"batch_size": -1}', "batch_size"),
        (b'{"batch_size": 100000000}', "batch_size"),
        (b'{"lookback_days": 9999}', "lookback_days"),
        (b'{"unknown_field": 1}', "unknown_field"),
    ],
)
def test_bad_fanout_input_is_a_400_and_publishes_nothing(
    fleet: LocalFleet, observer: str, body: bytes, field: str
) -> None:
    drain(observer)
    response = fleet.kickoff(body)
    assert response.status == 400
    assert response.body["error"].startswith(field)
    assert published_batches(observer) == []


def test_malformed_message_lands_on_the_dead_letter_topic_with_its_reason(
    fleet: LocalFleet,
) -> None:
    drain(fleet.dead_letter_subscription)
    publisher = pubsub_v1.PublisherClient()
    topic = publisher.topic_path(fleet.project, fleet.batch_topic)
    bad = json.dumps({"schema_version": 1, "run_id": "run-x", "event_ids": "all"}).encode()
    publisher.publish(topic, bad, schema_version="1", run_id="run-x", batch_index="0").result(30)
    received = drain(fleet.dead_letter_subscription, expect=1, timeout_s=60)
    assert len(received) == 1
    message = received[0]
    assert message.data == bad
    assert message.attributes["run_id"] == "run-x"
    assert "dead_letter_reason" in message.attributes
    log = fleet.scorer.log_path.read_text()
    errors = [
        json.loads(line)
        for line in log.splitlines()
        if line.startswith("{") and '"ERROR"' in line and "run-x" in line
    ]
    assert errors and errors[-1]["field"] in {"batch_count", "event_ids", "batch_index"}


def test_scorer_logs_are_json_with_run_and_batch_ids(
    fleet: LocalFleet, finished_run: dict[str, Any]
) -> None:
    lines = [
        json.loads(line)
        for line in fleet.scorer.log_path.read_text().splitlines()
        if line.startswith("{")
    ]
    scored = [e for e in lines if e.get("message") == "batch scored"]
    assert scored
    assert all(e["severity"] == "INFO" and "batch_index" in e for e in scored)
    assert {e["run_id"] for e in scored} >= {finished_run["run_id"]}
    assert any(e.get("message") == "run complete" for e in lines)
    assert not any(os.environ.get("PGPASSWORD", "\0") in line for line in map(str, lines))


"""The scorer driven directly with Eventarc-style CloudEvents, binary and structured mode.

Built with the `cloudevents` SDK and served by functions-framework's own app in this
process, against the real stack (BigQuery stand-in, PostgreSQL, Pub/Sub emulator).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent
from flask.testing import FlaskClient
from functions_framework import create_app

from mentionfleet.gdelt.synth import Generated
from mentionfleet.localrun.fleet import LocalFleet
from mentionfleet.localstack.process import repo_root
from mentionfleet.message import BatchMessage
from mentionfleet.store import ledger
from tests.system.helpers import AS_OF, LOOKBACK, drain, snapshot_scores, window_event_ids

Encoder = Callable[[CloudEvent], tuple[dict[str, str], bytes]]


@pytest.fixture(scope="module")
def scorer(fleet: LocalFleet) -> FlaskClient:
    source = repo_root() / "functions" / "scorer" / "main.py"
    app = create_app(target="score_batch", source=str(source), signature_type="cloudevent")
    return app.test_client()


def _event(fleet: LocalFleet, data: bytes, attributes: dict[str, str]) -> CloudEvent:
    topic = f"projects/{fleet.project}/topics/{fleet.batch_topic}"
    message_id = uuid.uuid4().hex
    return CloudEvent(
        {
            "type": "google.cloud.pubsub.topic.v1.messagePublished",
            "source": f"//pubsub.googleapis.com/{topic}",
            "id": message_id,
            "specversion": "1.0",
        },
        {
            "message": {
                "data": base64.b64encode(data).decode(),
                "attributes": attributes,
                "messageId": message_id,
                "publishTime": "2026-12-04T02:00:00Z",
            },
            "subscription": f"projects/{fleet.project}/subscriptions/eventarc-test",
        },
    )


def _post(client: FlaskClient, encode: Encoder, event: CloudEvent) -> Any:
    headers, body = encode(event)
    return client.post("/", headers=headers, data=body)


@pytest.fixture(scope="module")
def batch(fleet: LocalFleet, generated: Generated) -> BatchMessage:
    """A batch of its own run, recorded in the ledger like the fanout would."""
    ids = tuple(sorted(window_event_ids(generated)))[:25]
    run_id = f"run-ce-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(fleet.database_url) as conn:
        ledger.create_run(
            conn, run_id=run_id, as_of=AS_OF, params={"lookback_days": LOOKBACK},
            batches=[list(ids)],
        )  # fmt: skip
    return BatchMessage(
        run_id=run_id, batch_index=0, batch_count=1, as_of=AS_OF,
        lookback_days=LOOKBACK, event_ids=ids,
    )  # fmt: skip


def _batch_row(fleet: LocalFleet, run_id: str) -> tuple[Any, ...]:
    with psycopg.connect(fleet.database_url) as conn:
        row = conn.execute(
            "SELECT state, attempts, rows_written FROM batches WHERE run_id = %s", (run_id,)
        ).fetchone()
        assert row is not None
        return tuple(row)


@pytest.mark.parametrize("encode", [to_binary, to_structured], ids=["binary", "structured"])
def test_scorer_scores_a_batch_from_a_cloudevent(
    fleet: LocalFleet, scorer: FlaskClient, batch: BatchMessage, encode: Encoder
) -> None:
    before = _batch_row(fleet, batch.run_id)
    response = _post(scorer, encode, _event(fleet, batch.encode(), batch.attributes()))
    assert response.status_code == 200, response.get_data(as_text=True)
    state, attempts, rows_written = _batch_row(fleet, batch.run_id)
    assert state == "scored"
    assert attempts == before[1] + 1
    with psycopg.connect(fleet.database_url) as conn:
        run = ledger.get_run(conn, batch.run_id)
        stored = conn.execute(
            "SELECT count(DISTINCT event_id) FROM mention_scores WHERE event_id = ANY(%s)",
            (list(batch.event_ids),),
        ).fetchone()
    assert run is not None and run.state == "complete"
    assert stored == (len(batch.event_ids),)
    if before[1] > 0:  # the second mode re-delivers the same batch: nothing to write
        assert rows_written == before[2]


def test_same_event_delivered_again_changes_no_row(
    fleet: LocalFleet, scorer: FlaskClient, batch: BatchMessage
) -> None:
    event = _event(fleet, batch.encode(), batch.attributes())
    assert _post(scorer, to_binary, event).status_code == 200
    with psycopg.connect(fleet.database_url) as conn:
        before = snapshot_scores(conn)
    assert _post(scorer, to_structured, event).status_code == 200
    with psycopg.connect(fleet.database_url) as conn:
        assert snapshot_scores(conn) == before


def test_malformed_cloudevent_is_acked_and_dead_lettered(
    fleet: LocalFleet, scorer: FlaskClient
) -> None:
    drain(fleet.dead_letter_subscription)
    attributes = {"schema_version": "1", "run_id": "run-ce-bad", "batch_index": "0"}
    event = _event(fleet, b'{"schema_version": 1, "run_id": "run-ce-bad"', attributes)
    response = _post(scorer, to_binary, event)
    assert response.status_code == 200  # acked: retrying cannot fix it
    received = drain(fleet.dead_letter_subscription, expect=1, timeout_s=30)
    assert [m.attributes.get("dead_letter_field") for m in received] == ["data"]
    assert received[0].attributes["run_id"] == "run-ce-bad"

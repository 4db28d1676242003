"""The local stack manager against the real services it runs."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
import pytest
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery, pubsub_v1
from google.protobuf import duration_pb2

from mentionfleet.config import Settings
from mentionfleet.localstack import (
    FunctionServer,
    LocalBigQuery,
    LocalPostgres,
    LocalStack,
    LocalStackError,
    stacks_root,
)
from mentionfleet.localstack.ports import http_get, port_is_free
from mentionfleet.localstack.process import is_alive

pytestmark = pytest.mark.system


def _unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def _wait_for(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s")


@pytest.fixture
def scratch_dir() -> Iterator[Path]:
    """A base dir the `postgres` OS user can enter (pytest's tmp_path is root-only)."""
    parent = stacks_root()
    parent.mkdir(parents=True, exist_ok=True)
    parent.chmod(0o755)
    path = Path(tempfile.mkdtemp(prefix="test-", dir=parent))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


# -- lifecycle ------------------------------------------------------------------------


def test_each_service_starts_ready_and_stops_without_leftovers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    stack = LocalStack(project="lifecycle-test")
    stack.start()
    try:
        env = stack.env()
        settings = Settings.from_env(env)
        assert settings.bq_dataset == "lifecycle-test.gdelt"
        assert settings.database_url == stack.postgres.url

        with psycopg.connect(stack.postgres.url) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("mentionfleet",)
        assert http_get("127.0.0.1", stack.pubsub.port, "/") == (200, b"Ok\n")
        client = bigquery.Client(
            project=stack.project,
            credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
            client_options=ClientOptions(api_endpoint=stack.bigquery.endpoint),
        )
        assert "gdelt" in {dataset.dataset_id for dataset in client.list_datasets()}

        if os.geteuid() == 0:  # PostgreSQL refuses root; the stack runs it as `postgres`
            assert Path(f"/proc/{stack.postgres.pid}").stat().st_uid != 0
        assert set(stack.startup_seconds) == {"postgres", "pubsub", "bigquery"}

        pids = [*stack.postgres.members(), *stack.pubsub.members(), *stack.bigquery.members()]
        assert len(stack.pubsub.members()) >= 2  # gcloud wrapper and its java server
        ports = [stack.postgres.port, stack.pubsub.port, stack.bigquery.port]
    finally:
        stack.stop()

    assert [pid for pid in pids if is_alive(pid)] == []
    assert [port for port in ports if not port_is_free(port)] == []
    assert not stack.base_dir.exists()
    stack.stop()  # a second stop is harmless


def test_postgres_keeps_data_and_port_across_stop_and_start(scratch_dir: Path) -> None:
    pg = LocalPostgres(scratch_dir / "postgres")
    pg.start()
    try:
        port = pg.port
        with psycopg.connect(pg.url, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (value int)")
            conn.execute("INSERT INTO kept VALUES (42)")
        pids = pg.members()
        pg.stop()
        assert [pid for pid in pids if is_alive(pid)] == []
        assert port_is_free(port)
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(pg.url, connect_timeout=2)

        pg.start()
        assert pg.port == port
        with psycopg.connect(pg.url) as conn:
            assert conn.execute("SELECT value FROM kept").fetchall() == [(42,)]
    finally:
        pg.stop()
    pg.stop()


# -- clear errors instead of skips ----------------------------------------------------


def test_missing_bigquery_venv_names_the_setup_script(tmp_path: Path) -> None:
    bq = LocalBigQuery(tmp_path / "bq", "p", venv=tmp_path / "no-venv")
    with pytest.raises(LocalStackError, match=r"run scripts/setup-venvs\.sh"):
        bq.start()


def test_a_taken_port_is_reported_not_served_by_a_stranger(tmp_path: Path) -> None:
    source = tmp_path / "main.py"
    source.write_text("def hello(request):\n    return 'hi'\n")
    with socket.socket() as stranger:
        stranger.bind(("127.0.0.1", 0))
        stranger.listen()
        port = stranger.getsockname()[1]
        server = FunctionServer("hello", source, port=port, run_dir=tmp_path)
        with pytest.raises(LocalStackError, match=f"127.0.0.1:{port} is taken"):
            server.start()


def test_external_database_url_is_passed_through(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql://someone@db.example:5432/elsewhere"
    monkeypatch.setenv("DATABASE_URL", url)
    stack = LocalStack(project="external-db")
    assert stack.env()["DATABASE_URL"] == url
    with pytest.raises(LocalStackError, match="external"):
        _ = stack.postgres


# -- function servers -----------------------------------------------------------------


def test_function_server_runs_requests_in_parallel_and_survives_kill(tmp_path: Path) -> None:
    source = tmp_path / "main.py"
    source.write_text("import time\n\ndef slow(request):\n    time.sleep(0.5)\n    return 'done'\n")
    server = FunctionServer("slow", source, "http", workers=1, threads=4, run_dir=tmp_path)
    with server:
        began = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda _: http_get("127.0.0.1", server.port, "/", 5), range(4)))
        assert answers == [(200, b"done")] * 4
        assert time.monotonic() - began < 1.5, "4 requests of 0.5 s should overlap on 4 threads"

        pids = server.members()
        server.kill()
        assert [pid for pid in pids if is_alive(pid)] == []
        assert port_is_free(server.port)
        server.start()
        assert http_get("127.0.0.1", server.port, "/", 5) == (200, b"done")


@dataclass
class _Push:
    path: str
    body: dict[str, Any]


class _FailingEndpoint:
    """A push endpoint that records every request and answers 500."""

    def __init__(self) -> None:
        self.pushes: list[_Push] = []
        pushes = self.pushes

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                pushes.append(_Push(self.path, json.loads(body)))
                self.send_response(500)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_emulator_dead_letters_a_push_message_after_max_delivery_attempts(
    local_stack: LocalStack, stack_env: dict[str, str]
) -> None:
    project = local_stack.project
    publisher = pubsub_v1.PublisherClient()
    subscriber = pubsub_v1.SubscriberClient()
    topic = publisher.topic_path(project, _unique("work"))
    dead_topic = publisher.topic_path(project, _unique("dead"))
    dead_sub = subscriber.subscription_path(project, _unique("dead-pull"))
    push_sub = subscriber.subscription_path(project, _unique("work-push"))
    publisher.create_topic(name=topic)
    publisher.create_topic(name=dead_topic)
    subscriber.create_subscription(name=dead_sub, topic=dead_topic)
    endpoint = _FailingEndpoint()
    try:
        subscriber.create_subscription(
            request={
                "name": push_sub,
                "topic": topic,
                "push_config": {"push_endpoint": f"http://127.0.0.1:{endpoint.port}/push"},
                "dead_letter_policy": {"dead_letter_topic": dead_topic, "max_delivery_attempts": 5},
                "retry_policy": {
                    "minimum_backoff": duration_pb2.Duration(nanos=100_000_000),
                    "maximum_backoff": duration_pb2.Duration(seconds=1),
                },
            }
        )
        publisher.publish(topic, b"poison", kind="test").result(timeout=10)

        # Measured: pushes at about 0, 1, 4, 7 and 10 s, then dead-lettered at about 13 s.
        # With any retry_policy the emulator waits about 3 s between later attempts whatever
        # the backoff (5-10 s backoff gave 0, 1, 11, 22, 31 s); without one it retries every
        # second. Its push body is the plain wrapper
        #   {"subscription": ..., "message": {"data", "attributes", "messageId",
        #    "message_id", "publishTime", "publish_time"}}
        # and, unlike Pub/Sub in GCP, has no "deliveryAttempt" even with a dead-letter policy.
        def dead_lettered() -> Any:
            response = subscriber.pull(request={"subscription": dead_sub, "max_messages": 1})
            return response.received_messages

        received = _wait_for(dead_lettered, 40, "dead-lettering")
        message = received[0].message
        subscriber.acknowledge(request={"subscription": dead_sub, "ack_ids": [received[0].ack_id]})
    finally:
        subscriber.delete_subscription(subscription=push_sub)
        endpoint.close()

    assert message.data == b"poison"
    assert message.attributes["kind"] == "test"
    assert message.attributes["CloudPubSubDeadLetterSourceDeliveryCount"] == "5"
    assert len(endpoint.pushes) == 5
    body = endpoint.pushes[0].body
    assert body["subscription"] == push_sub
    assert base64.b64decode(body["message"]["data"]) == b"poison"
    assert body["message"]["attributes"] == {"kind": "test"}
    assert "deliveryAttempt" not in body


_RECEIVER = '''
import json
import os


def receive(event):
    record = {"type": event["type"], "source": event["source"], "data": event.data}
    with open(os.environ["EVENT_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(record) + "\\n")
'''


def test_function_server_receives_emulator_push_as_cloudevent(
    local_stack: LocalStack, stack_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "main.py"
    source.write_text(_RECEIVER)
    events = tmp_path / "events.jsonl"
    server = local_stack.function_server(
        "receive", source, "cloudevent", {"EVENT_LOG": str(events)}
    ).start()

    project = local_stack.project
    topic_id = _unique("to-function")
    publisher = pubsub_v1.PublisherClient()
    subscriber = pubsub_v1.SubscriberClient()
    topic = publisher.topic_path(project, topic_id)
    push_sub = subscriber.subscription_path(project, _unique("function-push"))
    publisher.create_topic(name=topic)
    try:
        # functions-framework takes the CloudEvent source from this path.
        subscriber.create_subscription(
            request={
                "name": push_sub,
                "topic": topic,
                "push_config": {"push_endpoint": f"{server.url}/{topic}"},
            }
        )
        publisher.publish(topic, b"hello fleet", run_id="r-1").result(timeout=10)
        _wait_for(lambda: events.exists() and events.read_text(), 20, "the push")
    finally:
        subscriber.delete_subscription(subscription=push_sub)  # before the server goes
        server.stop()

    (event,) = [json.loads(line) for line in events.read_text().splitlines()]
    assert event["type"] == "google.cloud.pubsub.topic.v1.messagePublished"
    assert event["source"] == f"//pubsub.googleapis.com/projects/{project}/topics/{topic_id}"
    assert base64.b64decode(event["data"]["message"]["data"]) == b"hello fleet"
    assert event["data"]["message"]["attributes"] == {"run_id": "r-1"}

"""Wiring the fleet on a started LocalStack, the way Terraform wires it in GCP.

The batch topic, the dead-letter topic with its own pull subscription, and the scorer's
push subscription with the retry and dead-letter policy; the fanout and scorer served
by functions-framework. The push URL carries `/projects/<p>/topics/<t>` so that
functions-framework gives the CloudEvent the `source` Eventarc would.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

import psycopg
from google.cloud.pubsub_v1 import PublisherClient, SubscriberClient

from mentionfleet.bus import admin
from mentionfleet.bus.delivery import DeliveryPolicy
from mentionfleet.localstack import FunctionServer, LocalStack
from mentionfleet.localstack.process import repo_root
from mentionfleet.store import ledger
from mentionfleet.store.migrate import migrate

SCORER_SUBSCRIPTION = "scorer-push"
DEAD_LETTER_SUBSCRIPTION = "mention-batches-dead-sub"


@dataclass(frozen=True)
class KickoffResponse:
    status: int
    body: dict[str, Any]


class LocalFleet:
    """Topics, subscriptions and function servers on a running stack; a context manager."""

    def __init__(
        self,
        stack: LocalStack,
        *,
        policy: DeliveryPolicy | None = None,
        scorer_workers: int = 2,
        scorer_threads: int = 4,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.stack = stack
        self.policy = policy or DeliveryPolicy.from_env()
        self.env = {**stack.env(), **(extra_env or {})}
        self.project = self.env["MENTIONFLEET_PROJECT"]
        self.batch_topic = self.env["MENTIONFLEET_BATCH_TOPIC"]
        self.dead_letter_topic = self.env["MENTIONFLEET_DEAD_LETTER_TOPIC"]
        functions = repo_root() / "functions"
        self.scorer: FunctionServer = stack.function_server(
            "score_batch", functions / "scorer" / "main.py", "cloudevent", self.env,
            workers=scorer_workers, threads=scorer_threads,
        )  # fmt: skip
        self.fanout: FunctionServer = stack.function_server(
            "fanout", functions / "fanout" / "main.py", "http", self.env
        )
        self._push_path: str | None = None
        self._subscriber: SubscriberClient | None = None

    @property
    def database_url(self) -> str:
        return self.env["DATABASE_URL"]

    @property
    def dead_letter_subscription(self) -> str:
        return f"projects/{self.project}/subscriptions/{DEAD_LETTER_SUBSCRIPTION}"

    def start(self) -> Self:
        # Clients read PUBSUB_EMULATOR_HOST when they are created.
        os.environ["PUBSUB_EMULATOR_HOST"] = self.env["PUBSUB_EMULATOR_HOST"]
        migrate(self.database_url)
        publisher = PublisherClient()
        self._subscriber = SubscriberClient()
        admin.ensure_topic(publisher, self.project, self.batch_topic)
        admin.ensure_topic(publisher, self.project, self.dead_letter_topic)
        admin.ensure_pull_subscription(
            self._subscriber, self.project, self.dead_letter_topic, DEAD_LETTER_SUBSCRIPTION
        )
        self.scorer.start()
        self.fanout.start()
        self.subscribe_scorer()
        return self

    def subscribe_scorer(self) -> None:
        """(Re)create the push subscription that feeds the scorer."""
        assert self._subscriber is not None
        endpoint = f"{self.scorer.url}/projects/{self.project}/topics/{self.batch_topic}"
        self._push_path = admin.ensure_push_subscription(
            self._subscriber, self.project, self.batch_topic, SCORER_SUBSCRIPTION,
            push_endpoint=endpoint, dead_letter_topic=self.dead_letter_topic,
            policy=self.policy,
        )  # fmt: skip
        # The emulator's retry-policy backoff stops pushing a message after its third
        # failed delivery: it is neither redelivered nor dead-lettered (measured with
        # emulator 0.8.20). Without a retry policy it redelivers about once a second and
        # dead-letters after max_delivery_attempts, as Pub/Sub does; GCP keeps the policy.
        self._subscriber.update_subscription(
            request={
                "subscription": {"name": self._push_path},
                "update_mask": {"paths": ["retry_policy"]},
            }
        )

    def stop(self) -> None:
        # Push subscriptions first: the emulator would keep pushing to a dead server.
        if self._subscriber is not None and self._push_path is not None:
            admin.delete_subscription(self._subscriber, self._push_path)
            self._push_path = None
        for server in (self.fanout, self.scorer):
            server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def kickoff(self, body: dict[str, Any] | bytes | None = None) -> KickoffResponse:
        """POST to the fanout exactly as Cloud Scheduler would."""
        data = body if isinstance(body, bytes) else json.dumps(body or {}).encode()
        request = urllib.request.Request(
            self.fanout.url, data=data, method="POST",
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return KickoffResponse(response.status, json.loads(response.read() or b"{}"))
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = {"error": raw.decode("utf-8", "replace")}
            return KickoffResponse(exc.code, parsed)

    def wait_for_run(
        self,
        run_id: str,
        *,
        timeout_s: float = 300.0,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> ledger.RunRecord:
        """Poll the ledger until the run is complete; raise TimeoutError otherwise.

        `on_progress(scored, total)` is called with the run's batch counts on every poll.
        """
        deadline = time.monotonic() + timeout_s
        run = None
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            while time.monotonic() < deadline:
                run = ledger.get_run(conn, run_id)
                if run is not None and on_progress is not None:
                    scored = conn.execute(
                        "SELECT count(*) FROM batches WHERE run_id = %s AND state = 'scored'",
                        (run_id,),
                    ).fetchone()
                    on_progress(int(scored[0]) if scored else 0, run.batch_count)
                if run is not None and run.state == "complete":
                    return run
                time.sleep(0.25)
        raise TimeoutError(
            f"run {run_id} not complete after {timeout_s:.0f} s "
            f"(state: {run.state if run else 'not recorded'})"
        )

"""The reliability rig: one local stack of our own, and a harness that runs one scenario.

Every scenario starts from empty tables and its own fleet (fresh function servers and
push subscription, so nothing of an earlier scenario is delivered into it), and ends
with the fleet stopped, so every delivery it caused is finished and logged before the
figures are read.

The fleet reaches PostgreSQL as a role with a password (scram-sha-256 on loopback), so
the whole run doubles as a check that the password never reaches a log.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import grpc  # type: ignore[import-untyped]
import psycopg
from google.api_core import exceptions
from google.cloud.pubsub_v1 import PublisherClient, SubscriberClient
from google.pubsub_v1.services.subscriber.transports import SubscriberGrpcTransport
from psycopg import sql

from mentionfleet.bus import admin
from mentionfleet.bus.delivery import DeliveryPolicy
from mentionfleet.localrun.fleet import LocalFleet
from mentionfleet.localstack import LocalStack
from mentionfleet.message import BatchMessage
from mentionfleet.spikes.params import DetectorParams
from mentionfleet.store import ledger
from mentionfleet.store.migrate import migrate
from tests.reliability import measure
from tests.reliability.report import Figures

FLEET_ROLE = "fleet_writer"


@dataclass(frozen=True)
class DataSpec:
    """The generated data every scenario and the clean run score."""

    seed: int = 5
    events_per_day: int = 120
    lookback_days: int = 14
    batch_size: int = 15
    as_of: date = date(2026, 11, 30)

    def kickoff_body(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "lookback_days": self.lookback_days,
            "batch_size": self.batch_size,
        }


SOAK_DATA = DataSpec(events_per_day=45_000, batch_size=500)
"""About 100k events about Venezuela in the window: `make soak` only."""

# The emulator redelivers a failed push about once a second (see LocalFleet), so the
# attempts cover about as long an outage as GCP's 5 attempts with 10-600 s backoff.
POLICY = DeliveryPolicy(max_delivery_attempts=60, min_backoff_s=1, max_backoff_s=2,
                        ack_deadline_s=60)  # fmt: skip


@dataclass(frozen=True)
class Received:
    data: bytes
    attributes: dict[str, str]


def emulator_subscriber(host: str) -> SubscriberClient:
    """A subscriber that can pull messages up to Pub/Sub's 10 MB: with the emulator the
    client's own channel keeps gRPC's 4 MB receive limit."""
    unlimited = [("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)]
    channel = grpc.insecure_channel(host, options=unlimited)
    return SubscriberClient(transport=SubscriberGrpcTransport(channel=channel))


def drain(
    subscriber: SubscriberClient, subscription: str, *, expect: int = 0, timeout_s: float = 5.0
) -> list[Received]:
    """Pull and ack everything there is: until `expect` arrived (or timeout_s passed), or
    without `expect` until a second passes with nothing new."""
    got: list[Received] = []
    deadline = time.monotonic() + timeout_s
    quiet_since = time.monotonic()
    while True:
        try:
            # The emulator holds an empty pull open for seconds (a new message does end it).
            response = subscriber.pull(
                request={"subscription": subscription, "max_messages": 100},
                timeout=5 if expect else 1,
            )
            received = list(response.received_messages)
        except exceptions.DeadlineExceeded:
            received = []
        now = time.monotonic()
        if received:
            subscriber.acknowledge(
                request={"subscription": subscription, "ack_ids": [m.ack_id for m in received]}
            )
            got += [Received(m.message.data, dict(m.message.attributes)) for m in received]
            quiet_since = now
        if expect and len(got) >= expect:
            return got  # another pull would wait for news that does not come
        if received:
            continue
        if not expect and now - quiet_since >= 1.0:
            return got
        if now >= deadline:
            return got
        time.sleep(0.2)


@dataclass(frozen=True)
class Baseline:
    """The clean run of the data: the table every scenario must reproduce."""

    rows: measure.Snapshot
    checksum: str
    batches: list[list[int]]
    detector: DetectorParams


class Rig:
    """The stack, its clients, and the figures of the scenarios run on it."""

    def __init__(self, stack: LocalStack, spec: DataSpec, process_log: list[str]) -> None:
        self.stack = stack
        self.process_log = process_log
        """What this test process logged (the stack's own messages, clients' errors)."""
        self.spec = spec
        self.policy = POLICY
        self.password = secrets.token_urlsafe(18)
        pg = stack.postgres
        self.admin_url = pg.url
        self.fleet_url = (
            f"postgresql://{FLEET_ROLE}:{self.password}@127.0.0.1:{pg.port}/{pg.database}"
        )
        self.publisher = PublisherClient()
        self.subscriber = emulator_subscriber(stack.pubsub.host)
        self.figures: list[Figures] = []
        self.responses: list[str] = []
        """Every body the fanout answered, for the password check."""

    @property
    def emulator_log(self) -> Path:
        return self.stack.base_dir / "logs" / "pubsub.log"

    @property
    def postgres_log(self) -> Path:
        return self.stack.postgres.log_path

    def create_fleet_role(self) -> None:
        """A login role with a password that PostgreSQL checks (not trust) on loopback."""
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(FLEET_ROLE), sql.Literal(self.password)
                )
            )
            conn.execute(
                sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(FLEET_ROLE))
            )
            hba = Path(conn.execute("SHOW hba_file").fetchone()[0])  # type: ignore[index]
            rule = f"host all {FLEET_ROLE} 127.0.0.1/32 scram-sha-256\n"
            hba.write_text(rule + hba.read_text(encoding="utf-8"), encoding="utf-8")
            conn.execute("SELECT pg_reload_conf()")
        migrate(self.fleet_url)  # the fleet's role owns the tables, as in GCP

    def reset(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute("TRUNCATE runs, batches, mention_scores")

    def fleet(self, env: dict[str, str] | None = None, **kwargs: Any) -> LocalFleet:
        return LocalFleet(
            self.stack, policy=self.policy,
            extra_env={"DATABASE_URL": self.fleet_url, **(env or {})}, **kwargs,
        )  # fmt: skip

    def scenario(self, number: int, name: str, baseline: Baseline | None, **fleet: Any) -> Scenario:
        return Scenario(self, number, name, baseline, fleet)

    # -- the ledger and Pub/Sub, as the fanout would use them ------------------------------

    def record_run(
        self, run_id: str, batches: Sequence[Sequence[int]], detector: DetectorParams
    ) -> list[BatchMessage]:
        """A run in the ledger, marked published, and its messages (not yet published)."""
        spec = self.spec
        with psycopg.connect(self.fleet_url) as conn:
            ledger.create_run(
                conn, run_id=run_id, as_of=spec.as_of,
                params={"lookback_days": spec.lookback_days,
                        "detector": detector.model_dump(mode="json")},
                batches=batches,
            )  # fmt: skip
            ledger.mark_published(conn, run_id)
        return [
            BatchMessage(
                run_id=run_id,
                batch_index=i,
                batch_count=len(batches),
                as_of=spec.as_of,
                lookback_days=spec.lookback_days,
                event_ids=tuple(ids),
                detector=detector,
            )
            for i, ids in enumerate(batches)
        ]

    def publish(self, messages: Sequence[BatchMessage]) -> None:
        batch_topic = self.stack.env()["MENTIONFLEET_BATCH_TOPIC"]
        topic = self.publisher.topic_path(self.stack.project, batch_topic)
        futures = [self.publisher.publish(topic, m.encode(), **m.attributes()) for m in messages]
        for future in futures:
            future.result(timeout=60)

    @contextlib.contextmanager
    def run_paused(self, run_id: str) -> Iterator[psycopg.Connection]:
        """Hold the run's ledger row: every scorer that has written a batch's rows then
        waits, its transaction open, in `record_scored`. Released on exit (or with the
        server, if it is stopped meanwhile)."""
        conn = psycopg.connect(self.admin_url)
        try:
            conn.execute("SELECT 1 FROM runs WHERE run_id = %s FOR UPDATE", (run_id,))
            yield conn
        finally:
            with contextlib.suppress(psycopg.Error):
                conn.rollback()
            with contextlib.suppress(psycopg.Error):
                conn.close()

    def waiting_scorers(self) -> int:
        """Fleet transactions blocked on a lock right now."""
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE usename = %s AND wait_event_type = 'Lock'",
                (FLEET_ROLE,),
            ).fetchone()
        return int(row[0]) if row else 0

    def wait_for_waiting_scorers(self, least: int, timeout_s: float = 120) -> int:
        """Wait until at least `least` scorers are blocked mid-batch; how many were."""
        seen = [0]

        def enough() -> bool:
            seen[0] = max(seen[0], self.waiting_scorers())
            return seen[0] >= least

        measure.wait_until(enough, timeout_s=timeout_s,
                           what=f"{least} scorer(s) waiting mid-batch (saw {seen[0]})")
        time.sleep(0.5)  # let the deliveries already on their way arrive too
        return max(seen[0], self.waiting_scorers())

    def batch_states(self, run_id: str) -> dict[str, int]:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT state, count(*) FROM batches WHERE run_id = %s GROUP BY state", (run_id,)
            ).fetchall()
        return {str(state): int(n) for state, n in rows}

    def extra_push_subscription(self, fleet: LocalFleet, name: str) -> str:
        """One more push subscription to the scorer, wired like the fleet's own."""
        endpoint = f"{fleet.scorer.url}/projects/{fleet.project}/topics/{fleet.batch_topic}"
        path = admin.ensure_push_subscription(
            self.subscriber, fleet.project, fleet.batch_topic, name,
            push_endpoint=endpoint, dead_letter_topic=fleet.dead_letter_topic,
            policy=self.policy,
        )  # fmt: skip
        self.subscriber.update_subscription(
            request={"subscription": {"name": path}, "update_mask": {"paths": ["retry_policy"]}}
        )
        return path

    def stack_log_text(self) -> dict[Path, str]:
        """Every log the stack and its function servers wrote."""
        found = {}
        for path in sorted(self.stack.base_dir.rglob("*.log")):
            found[path] = path.read_text(encoding="utf-8", errors="replace")
        return found


@dataclass
class Scenario:
    """Runs one scenario's fleet and reads its figures when it ends (a context manager)."""

    rig: Rig
    number: int
    name: str
    baseline: Baseline | None
    fleet_options: dict[str, Any]
    expected_dead_letters: int = 0
    notes: list[str] = field(default_factory=list)
    door_rejections: int = 0
    dead_letters: list[Received] = field(default_factory=list)
    figures: Figures | None = None
    scorer_entries: list[dict[str, Any]] = field(default_factory=list)
    _fleet: LocalFleet | None = None
    _started: float = 0.0
    _deadlocks: int = 0
    _marks: dict[str, measure.LogMark] = field(default_factory=dict)

    @property
    def fleet(self) -> LocalFleet:
        assert self._fleet is not None, "only inside the scenario's `with` block"
        return self._fleet

    def __enter__(self) -> Self:
        rig = self.rig
        rig.reset()
        self._fleet = rig.fleet(**self.fleet_options).start()
        drain(rig.subscriber, self.dead_letter_path)  # counts nothing of an earlier scenario
        self._marks = {
            "emulator": measure.LogMark(rig.emulator_log),
            "postgres": measure.LogMark(rig.postgres_log),
            "scorer": measure.LogMark(self.fleet.scorer.log_path),
        }
        with psycopg.connect(rig.admin_url, autocommit=True) as conn:
            self._deadlocks = measure.pg_deadlocks(conn)
        self._started = time.monotonic()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        seconds = time.monotonic() - self._started
        fleet, self._fleet = self.fleet, None
        endpoint = fleet.scorer.url
        # A scenario that failed mid-fault leaves the next one a whole stack (no-ops else).
        self.rig.stack.postgres.start()
        self.rig.stack.bigquery.start()
        fleet.stop()
        if exc is None:
            self.figures = self._read(seconds, endpoint)
            self.rig.figures.append(self.figures)

    @property
    def dead_letter_path(self) -> str:
        project = self.rig.stack.project
        return f"projects/{project}/subscriptions/mention-batches-dead-sub"

    def kickoff(self) -> str:
        """The run through the fanout, as Cloud Scheduler starts it; its run id."""
        response = self.fleet.kickoff(self.rig.spec.kickoff_body())
        self.rig.responses.append(str(response.body))
        assert response.status == 200, response.body
        return str(response.body["run_id"])

    def wait_for_deliveries(self, run_id: str, count: int, timeout_s: float = 300) -> None:
        """Until the scorer has logged `count` scored deliveries of the run."""

        def scored() -> int:
            entries = measure.json_lines(self._marks["scorer"].text())
            return sum(
                1 for e in entries if e.get("message") == measure.SCORED
                and e.get("run_id") == run_id
            )  # fmt: skip

        measure.wait_until(lambda: scored() >= count, timeout_s=timeout_s,
                           what=f"{count} scored deliveries of {run_id}")  # fmt: skip

    def take_dead_letters(self, expect: int, timeout_s: float = 60) -> list[Received]:
        got = drain(self.rig.subscriber, self.dead_letter_path, expect=expect, timeout_s=timeout_s)
        self.dead_letters += got
        return got

    def _read(self, seconds: float, endpoint: str) -> Figures:
        rig = self.rig
        self.take_dead_letters(0)
        scorer_text = self._marks["scorer"].text()
        self.scorer_entries = measure.json_lines(scorer_text)
        postgres_text = self._marks["postgres"].text()
        with psycopg.connect(rig.admin_url, autocommit=True) as conn:
            # The scorers' sessions report their statistics as they end.
            measure.wait_until(
                lambda: _fleet_sessions(conn) == 0, timeout_s=60, what="fleet sessions closed"
            )
            deadlock_stat = measure.pg_deadlocks(conn) - self._deadlocks
            books = measure.ledger(conn)
            rows = measure.snapshot(conn)
            table_sum = measure.checksum(conn)
        retries = measure.failed_pushes(self._marks["emulator"].text(), endpoint)
        acked = measure.count_messages(self.scorer_entries, measure.SCORED) + (
            measure.count_messages(self.scorer_entries, measure.MALFORMED)
        )
        diff = measure.compare(self.baseline.rows, rows) if self.baseline else None
        return Figures(
            number=self.number,
            name=self.name,
            batches=books.batches,
            deliveries=acked + retries + self.door_rejections,
            retries=retries,
            dead_lettered=len(self.dead_letters),
            rows_lost=diff.lost if diff else None,
            rows_duplicated=books.rows_written_twice + (diff.extra if diff else 0)
            if books.runs else None,
            rows_changed=diff.changed if diff else None,
            deadlocks=max(
                deadlock_stat,
                measure.mentions(postgres_text, measure.DEADLOCK),
                measure.mentions(scorer_text, measure.DEADLOCK),
            ),
            unique_violations=max(
                measure.mentions(postgres_text, *measure.UNIQUE),
                measure.mentions(scorer_text, *measure.UNIQUE),
            ),
            seconds=round(seconds, 1),
            all_scored=books.all_scored if books.runs else None,
            expected_dead_letters=self.expected_dead_letters,
            checksum=table_sum if books.runs else None,
            reference_checksum=self.baseline.checksum if self.baseline else None,
            notes=tuple(self.notes),
        )


def _fleet_sessions(conn: psycopg.Connection) -> int:
    row = conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (FLEET_ROLE,)
    ).fetchone()
    return int(row[0]) if row else 0

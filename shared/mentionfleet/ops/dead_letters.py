"""Dead letters: list them with their reason, and send them back after a fix.

Two kinds arrive on the dead-letter topic: malformed messages, which the scorer forwards
at once with a `dead_letter_reason` attribute, and batches the scorer failed on every
delivery, which Pub/Sub forwards after the subscription's maximum attempts with
`CloudPubSubDeadLetter*` attributes (the delivery count among them) and no reason; their
reason is the error the scorer recorded in the ledger.

Listing must not consume: messages are pulled, held, and released (ack deadline 0).
Replay acknowledges a dead letter only after its copy is on the batch topic, so a
failure at any point leaves it where it was.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import psycopg
from google.api_core import exceptions
from google.cloud.pubsub_v1 import SubscriberClient

from mentionfleet import logs
from mentionfleet.bus.publish import publish_raw, publisher
from mentionfleet.config import Settings
from mentionfleet.store import ledger

log = logs.get("dead_letters")
SUBSCRIPTION_ENV = "MENTIONFLEET_DEAD_LETTER_SUBSCRIPTION"
DELIVERY_COUNT = "CloudPubSubDeadLetterSourceDeliveryCount"
SCORER_REASON = "dead_letter_reason"
_DEAD_LETTER_ATTRIBUTES = ("CloudPubSubDeadLetter", "dead_letter_")
_CHUNK = 500  # ack ids per acknowledge / modify_ack_deadline request
# A pull on an empty subscription is held open until its deadline, so every listing ends
# with one such wait: long enough for Pub/Sub to answer the first pull, short after that.
_FIRST_PULL_TIMEOUT_S = 5.0
_NEXT_PULL_TIMEOUT_S = 2.0


def subscription_name(settings: Settings, env: Mapping[str, str] | None = None) -> str:
    """MENTIONFLEET_DEAD_LETTER_SUBSCRIPTION, else `<dead-letter topic>-sub` (as Terraform)."""
    env = os.environ if env is None else env
    return env.get(SUBSCRIPTION_ENV) or f"{settings.dead_letter_topic}-sub"


@dataclass(frozen=True)
class Pulled:
    """A message held under this process's lease."""

    ack_id: str
    message_id: str
    data: bytes
    attributes: dict[str, str]
    published_at: datetime | None


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    published_at: datetime | None
    run_id: str | None
    batch_index: int | None
    events: int | None
    source: str
    """`scorer`: malformed, forwarded at once; `pubsub`: failed on every delivery."""
    reason: str
    attempts: int | None
    ledger_state: str | None
    """The batch's state in the run ledger; None if the message names no recorded batch."""

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["published_at"] = self.published_at.isoformat() if self.published_at else None
        return out


def routing(attributes: Mapping[str, str]) -> tuple[str | None, int | None]:
    run_id = attributes.get("run_id") or None
    index = attributes.get("batch_index", "")
    return run_id, int(index) if index.isdigit() else None


def _event_count(data: bytes) -> int | None:
    try:
        ids = json.loads(data).get("event_ids")
    except (ValueError, AttributeError, RecursionError):
        return None
    return len(ids) if isinstance(ids, list) else None


def describe(message: Pulled, batch: ledger.BatchRecord | None) -> DeadLetter:
    """What a dead letter is and why it is there, from its attributes and the ledger."""
    attrs = message.attributes
    run_id, index = routing(attrs)
    scorer_reason = attrs.get(SCORER_REASON)
    count = attrs.get(DELIVERY_COUNT, "")
    if scorer_reason is not None:
        source, reason = "scorer", scorer_reason
    else:
        source = "pubsub"
        reason = (batch.last_error if batch else None) or (
            "no error recorded: the scorer timed out or crashed on every delivery"
        )
    attempts = int(count) if count.isdigit() else (batch.attempts if batch else None)
    events = _event_count(message.data)
    if events is None and batch is not None:
        events = len(batch.event_ids)
    return DeadLetter(
        message_id=message.message_id, published_at=message.published_at, run_id=run_id,
        batch_index=index, events=events, source=source, reason=reason, attempts=attempts,
        ledger_state=batch.state if batch else None,
    )  # fmt: skip


def replay_attributes(attributes: Mapping[str, str]) -> dict[str, str]:
    """The original attributes: what Pub/Sub and the scorer added on dead-lettering removed."""
    return {k: v for k, v in attributes.items() if not k.startswith(_DEAD_LETTER_ATTRIBUTES)}


def _pull_all(subscriber: SubscriberClient, path: str, limit: int) -> list[Pulled]:
    """Pull until a pull brings nothing new; messages stay leased to us until released."""
    held: dict[str, Pulled] = {}
    while len(held) < limit:
        try:
            response = subscriber.pull(
                request={"subscription": path, "max_messages": min(100, limit - len(held))},
                timeout=_NEXT_PULL_TIMEOUT_S if held else _FIRST_PULL_TIMEOUT_S,
            )
        except exceptions.DeadlineExceeded:
            break
        new = 0
        for received in response.received_messages:
            m = received.message
            publish_time = getattr(m, "publish_time", None)
            new += m.message_id not in held
            # A message seen again (its lease ran out) keeps only its newest ack id.
            held[m.message_id] = Pulled(
                ack_id=received.ack_id, message_id=m.message_id, data=bytes(m.data),
                attributes=dict(m.attributes),
                published_at=publish_time if isinstance(publish_time, datetime) else None,
            )  # fmt: skip
        if new == 0:
            break
    return list(held.values())


def _in_chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


@contextmanager
def _leased(path: str, limit: int) -> Iterator[tuple[SubscriberClient, list[Pulled], set[str]]]:
    """Pulled messages; on exit every one not in the yielded `acked` set is released."""
    subscriber = SubscriberClient()
    acked: set[str] = set()
    pulled: list[Pulled] = []
    try:
        try:
            pulled = _pull_all(subscriber, path, limit)
        except exceptions.NotFound:
            raise LookupError(
                f"dead-letter subscription {path} does not exist; set {SUBSCRIPTION_ENV}"
            ) from None
        yield subscriber, pulled, acked
    finally:
        release = [p.ack_id for p in pulled if p.message_id not in acked]
        for chunk in _in_chunks(release):
            try:
                subscriber.modify_ack_deadline(
                    request={"subscription": path, "ack_ids": chunk, "ack_deadline_seconds": 0}
                )
            except exceptions.GoogleAPICallError as exc:
                # They come back by themselves when the lease runs out (the ack deadline).
                log.warning("could not release dead letters", extra={"error": str(exc)})
        subscriber.close()


def _batch_of(conn: psycopg.Connection, message: Pulled) -> ledger.BatchRecord | None:
    run_id, index = routing(message.attributes)
    if run_id is None or index is None:
        return None
    found = ledger.get_batches(conn, run_id, [index])
    return found[0] if found else None


def _path(settings: Settings) -> str:
    return f"projects/{settings.project}/subscriptions/{subscription_name(settings)}"


def list_dead_letters(
    conn: psycopg.Connection, settings: Settings, *, run_id: str | None = None,
    limit: int = 1000,
) -> list[DeadLetter]:  # fmt: skip
    """The dead letters (of one run), oldest run and batch first; none is consumed.

    A batch Pub/Sub dead-lettered is recorded as `dead_lettered` in the ledger here: the
    scorer only saw its failed deliveries, not the last step.
    """
    letters: list[DeadLetter] = []
    with _leased(_path(settings), limit) as (_, pulled, _acked):
        for message in pulled:
            batch = _batch_of(conn, message)
            letter = describe(message, batch)
            if run_id is not None and letter.run_id != run_id:
                continue
            if batch is not None and batch.state in ("pending", "failed"):
                ledger.mark_dead_lettered(conn, batch.run_id, batch.batch_index, letter.reason)
                letter = describe(message, _batch_of(conn, message))
            letters.append(letter)
    return sorted(letters, key=lambda d: (d.run_id or "", d.batch_index or 0, d.message_id))


@dataclass(frozen=True)
class Replayed:
    letter: DeadLetter
    new_message_id: str | None
    error: str | None

    def as_json(self) -> dict[str, Any]:
        return {**self.letter.as_json(), "new_message_id": self.new_message_id,
                "error": self.error}  # fmt: skip


def replay(
    conn: psycopg.Connection,
    settings: Settings,
    *,
    run_id: str | None,
    limit: int = 1000,
    publish: Callable[[str, bytes, Mapping[str, str]], str] = publish_raw,
) -> list[Replayed]:
    """Publish dead letters (of one run, or all with run_id=None) back to the batch topic.

    Each is acknowledged only once its copy is published; one that fails stays.
    """
    path = _path(settings)
    topic = publisher().topic_path(settings.project, settings.batch_topic)
    done: list[Replayed] = []
    with _leased(path, limit) as (subscriber, pulled, acked):
        for message in pulled:
            batch = _batch_of(conn, message)
            letter = describe(message, batch)
            if run_id is not None and letter.run_id != run_id:
                continue
            try:
                if batch is not None:
                    ledger.reopen_batches(conn, batch.run_id, [batch.batch_index])
                new_id = publish(topic, message.data, replay_attributes(message.attributes))
            except (exceptions.GoogleAPICallError, psycopg.Error, TimeoutError) as exc:
                done.append(Replayed(letter, None, f"not published: {type(exc).__name__}: {exc}"))
                continue
            try:
                subscriber.acknowledge(request={"subscription": path, "ack_ids": [message.ack_id]})
            except exceptions.GoogleAPICallError as exc:
                # The copy is out; the dead letter stays and a later replay sends it again,
                # which the scorers' idempotent writes absorb.
                done.append(Replayed(letter, new_id, f"published, not acknowledged: {exc}"))
                continue
            acked.add(message.message_id)
            done.append(Replayed(letter, new_id, None))
    log.info(
        "dead letters replayed",
        extra={"replayed": sum(r.error is None for r in done), "run": run_id or "all",
               "failed": sum(r.error is not None for r in done)},
    )  # fmt: skip
    return sorted(done, key=lambda r: (r.letter.run_id or "", r.letter.batch_index or 0))

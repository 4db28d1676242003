"""Helpers the system tests share: draining subscriptions, snapshots of the score table."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
from google.api_core import exceptions
from google.cloud import pubsub_v1

from mentionfleet.message import BatchMessage, decode

AS_OF = date(2026, 11, 30)
LOOKBACK = 21
EVENTS_PER_DAY = 150


@dataclass(frozen=True)
class Received:
    data: bytes
    attributes: dict[str, str]


def drain(subscription: str, *, expect: int = 0, timeout_s: float = 5.0) -> list[Received]:
    """Pull and ack everything there is.

    With `expect`, wait up to timeout_s until that many arrived; without it, return
    after a second with nothing new.
    """
    subscriber = pubsub_v1.SubscriberClient()
    got: list[Received] = []
    deadline = time.monotonic() + timeout_s
    quiet_since = time.monotonic()
    while True:
        try:
            response = subscriber.pull(
                request={"subscription": subscription, "max_messages": 500}, timeout=5
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
            continue
        if (expect and len(got) >= expect) or (not expect and now - quiet_since >= 1.0):
            return got
        if now >= deadline:
            return got
        time.sleep(0.2)


def published_batches(subscription: str) -> list[BatchMessage]:
    return [decode(m.data, m.attributes) for m in drain(subscription)]


def snapshot_scores(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    return conn.execute("SELECT * FROM mention_scores ORDER BY event_id, day").fetchall()

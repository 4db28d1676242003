"""Helpers the system tests share: draining subscriptions, snapshots of the score table."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import psycopg
from google.api_core import exceptions
from google.cloud import pubsub_v1

from mentionfleet.gdelt.synth import Generated
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
            # return_immediately: the emulator otherwise holds an empty pull for seconds.
            response = subscriber.pull(
                request={
                    "subscription": subscription,
                    "max_messages": 500,
                    "return_immediately": True,
                },
                timeout=5,
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
                return got  # an empty pull would only wait on the emulator
            continue
        if (expect and len(got) >= expect) or (not expect and now - quiet_since >= 1.0):
            return got
        if now >= deadline:
            return got
        time.sleep(0.2)


def window_event_ids(generated: Generated) -> set[int]:
    """Venezuela events first seen in the test window: the ones a run on AS_OF covers."""
    start = AS_OF - timedelta(days=LOOKBACK - 1)
    first = (start.year * 10000 + start.month * 100 + start.day) * 10**6
    last = (AS_OF.year * 10000 + AS_OF.month * 100 + AS_OF.day + 1) * 10**6
    ids = generated.events["GLOBALEVENTID"].to_pylist()
    added = generated.events["DATEADDED"].to_pylist()
    return {
        int(i) for i, a in zip(ids, added, strict=True) if first <= a < last
    } & generated.ve_event_ids


def published_batches(subscription: str) -> list[BatchMessage]:
    return [decode(m.data, m.attributes) for m in drain(subscription)]


def snapshot_scores(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    return conn.execute("SELECT * FROM mention_scores ORDER BY event_id, day").fetchall()

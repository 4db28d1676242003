"""Publishing batch messages and waiting until Pub/Sub has every one of them."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from concurrent import futures

from google.cloud.pubsub_v1 import PublisherClient
from google.cloud.pubsub_v1.types import BatchSettings

from mentionfleet.message import BatchMessage

_publisher: PublisherClient | None = None
_lock = threading.Lock()


def publisher() -> PublisherClient:
    """One client per process: it holds the gRPC channel and batches publishes."""
    global _publisher
    with _lock:
        if _publisher is None:
            _publisher = PublisherClient(
                batch_settings=BatchSettings(
                    max_messages=100, max_bytes=4 * 1024 * 1024, max_latency=0.01
                )
            )
        return _publisher


class PublishError(RuntimeError):
    """Some messages were not accepted by Pub/Sub; the caller should fail and retry."""


def publish_batches(
    topic_path: str, messages: Iterable[BatchMessage], *, timeout_s: float = 60.0
) -> list[str]:
    """Publish every message; return message ids in order, or raise PublishError."""
    client = publisher()
    pending = [
        client.publish(topic_path, m.encode(), **m.attributes()) for m in messages
    ]
    done, not_done = futures.wait(pending, timeout=timeout_s)
    failed = [f for f in done if f.exception() is not None]
    if not_done or failed:
        first = failed[0].exception() if failed else "timed out"
        raise PublishError(
            f"{len(failed)} of {len(pending)} publishes failed and {len(not_done)} "
            f"did not finish within {timeout_s} s to {topic_path}; first error: {first}"
        )
    return [str(f.result()) for f in pending]


def publish_raw(
    topic_path: str, data: bytes, attributes: Mapping[str, str], *, timeout_s: float = 30.0
) -> str:
    """Publish one message as it is (dead-lettering, replay)."""
    return str(publisher().publish(topic_path, data, **attributes).result(timeout=timeout_s))

"""Scoring one batch: decode, read counts (BigQuery), score (numpy), write (PostgreSQL).

The counts are the batch's slice of those the fanout staged for the run; a batch with
none staged is counted directly, with a warning.

Failure policy, because Pub/Sub delivers at least once and retries on any non-2xx:
- a malformed message can never succeed: it is published to the dead-letter topic with
  its reason and acknowledged, so it neither loops nor vanishes;
- anything else (BigQuery or PostgreSQL unavailable, a timeout) raises, the delivery
  fails and Pub/Sub redelivers with backoff; after the subscription's maximum
  attempts, Pub/Sub itself moves the message to the dead-letter topic.
Writes are idempotent, so a redelivered batch that was already written writes 0 rows.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from mentionfleet import logs
from mentionfleet.bus.publish import publish_raw, publisher
from mentionfleet.config import Settings
from mentionfleet.message import BatchMessage, MessageError, decode_push, routing
from mentionfleet.scoring.rows import score_rows
from mentionfleet.spikes.detector import score
from mentionfleet.store import ledger
from mentionfleet.store.pool import get_pool
from mentionfleet.store.scores import upsert_scores
from mentionfleet.warehouse.client import shared_client
from mentionfleet.warehouse.queries import Window
from mentionfleet.warehouse.reads import DailyCounts, fetch_daily_counts, fetch_staged_counts

log = logs.get("scorer")
MAX_ATTRIBUTE_CHARS = 1000


@dataclass(frozen=True)
class Outcome:
    status: str  # "scored" or "dead_lettered"
    rows_written: int = 0
    run_completed: bool = False


def handle(envelope: Any, settings: Settings, *, today: date | None = None) -> Outcome:
    with logs.bound(**routing(envelope)):
        try:
            message = decode_push(envelope, today=today)
        except MessageError as exc:
            _dead_letter(envelope, exc, settings)
            return Outcome("dead_lettered")
        with logs.bound(run_id=message.run_id, batch_index=message.batch_index):
            try:
                return _score(message, settings)
            except Exception as exc:
                log.error(
                    "batch failed; Pub/Sub will redeliver it",
                    extra={"error": f"{type(exc).__name__}: {exc}"},
                )
                _record_failure(settings, message.run_id, message.batch_index, exc, dead=False)
                raise


def _score(message: BatchMessage, settings: Settings) -> Outcome:
    started = time.perf_counter()
    window = Window(as_of=message.as_of, days=message.lookback_days)
    counts = _counts(message, window, settings)
    queried = time.perf_counter()
    scores = score(counts.counts, counts.first_seen, window.start.weekday(), message.detector)
    rows = score_rows(counts, scores, message.run_id, message.batch_index)
    with get_pool(settings).connection() as conn:
        written = upsert_scores(conn, rows)
        completed = ledger.record_scored(conn, message.run_id, message.batch_index, written)
    log.info(
        "batch scored",
        extra={
            "events": len(message.event_ids),
            "event_days": len(rows),
            "rows_written": written,
            "spikes": int((scores.tier > 0).sum()),
            "query_s": round(queried - started, 3),
            "seconds": round(time.perf_counter() - started, 3),
        },
    )
    if completed:
        log.info("run complete")
    return Outcome("scored", written, completed)


def _counts(message: BatchMessage, window: Window, settings: Settings) -> DailyCounts:
    """The batch's slice of the run's staged counts, else (none staged) a direct count.

    Both give the same rows, hence the same scores; the direct query scans the look-back
    for this batch alone, so it is the fallback (staging expired, or an older run).
    """
    client = shared_client(settings)
    staged = fetch_staged_counts(
        client,
        settings.staging_table,
        window,
        message.run_id,
        message.event_ids,
        max_bytes_billed=settings.max_bytes_billed,
    )
    if staged is not None:
        return staged
    log.warning(
        "no staged daily counts for this batch; counting directly (scans the look-back)",
        extra={"staging_table": settings.staging_table},
    )
    return fetch_daily_counts(
        client,
        settings.events_table,
        settings.mentions_table,
        window,
        message.event_ids,
        max_bytes_billed=settings.max_bytes_billed,
    )


def _dead_letter(envelope: Any, error: MessageError, settings: Settings) -> None:
    log.error(
        f"malformed batch message, sent to the dead-letter topic: {error}",
        extra={"field": error.field, "reason": error.reason},
    )
    data, attributes = _original(envelope)
    attributes.update(
        {
            "dead_letter_reason": str(error)[:MAX_ATTRIBUTE_CHARS],
            "dead_letter_field": error.field[:MAX_ATTRIBUTE_CHARS],
        }
    )
    # If this publish fails the exception propagates and Pub/Sub redelivers: the
    # message is never acknowledged before it is safely on the dead-letter topic.
    topic = publisher().topic_path(settings.project, settings.dead_letter_topic)
    publish_raw(topic, data, attributes)
    ids = routing(envelope)
    if "run_id" in ids and ids.get("batch_index", "").isdigit():
        _record_failure(settings, ids["run_id"], int(ids["batch_index"]), error, dead=True)


def _original(envelope: Any) -> tuple[bytes, dict[str, str]]:
    """The message as it arrived, as far as it can be recovered."""
    msg = envelope.get("message") if isinstance(envelope, Mapping) else None
    if not isinstance(msg, Mapping):
        return json.dumps(envelope, default=str).encode()[:1_000_000], {}
    raw = msg.get("data")
    try:
        data = base64.b64decode(raw if isinstance(raw, str) else "", validate=True)
    except ValueError:
        data = str(raw).encode("utf-8", "replace")
    attributes = msg.get("attributes")
    kept = (
        {str(k)[:256]: str(v)[:MAX_ATTRIBUTE_CHARS] for k, v in attributes.items()}
        if isinstance(attributes, Mapping)
        else {}
    )
    return data[:9_000_000], kept


def _record_failure(
    settings: Settings, run_id: str, batch_index: int, exc: Exception, *, dead: bool
) -> None:
    """Best effort: the ledger may be the very thing that is down."""
    try:
        with get_pool(settings).connection(timeout=5) as conn:
            ledger.record_failure(
                conn, run_id, batch_index, f"{type(exc).__name__}: {exc}", dead=dead
            )
    except Exception as ledger_exc:
        log.warning(
            "could not record the failure in the run ledger",
            extra={"error": f"{type(ledger_exc).__name__}: {ledger_exc}"},
        )

"""Publishing chosen events again: a run's batches, its unfinished ones, or listed events.

Batches are rebuilt from the ledger with the run's own parameters (as_of, lookback,
detector), so a republished batch is scored exactly as the first time, and only its
events' rows can change. Listed events become a new `reprocess` run with its own
batches, so status and fan-in follow it like any other run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

import psycopg

from mentionfleet import logs
from mentionfleet.batching import MAX_BATCH_SIZE, plan_batches
from mentionfleet.bus.publish import publish_batches, publisher
from mentionfleet.config import Settings
from mentionfleet.kickoff import stage_counts, with_weekday_factors
from mentionfleet.message import MAX_LOOKBACK_DAYS, BatchMessage
from mentionfleet.ops.status import REPROCESS
from mentionfleet.spikes.params import DetectorParams
from mentionfleet.store import ledger
from mentionfleet.warehouse.client import shared_client
from mentionfleet.warehouse.queries import Window

log = logs.get("republish")
DEFAULT_LOOKBACK_DAYS = 30
DEFAULT_BATCH_SIZE = 500


@dataclass(frozen=True)
class RepublishResult:
    run_id: str
    as_of: date
    batch_indexes: list[int]
    events: int
    message_ids: list[str]
    created_run: bool
    """True when the events were recorded as a new reprocess run."""

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "as_of": self.as_of.isoformat(), "published": len(self.message_ids)}


def parse_event_ids(text: str) -> tuple[int, ...]:
    """'3,1,2' -> (1, 2, 3); every id a positive integer, at least one."""
    ids: set[int] = set()
    for token in (t.strip() for t in text.split(",")):
        if not token:
            continue
        try:
            value = int(token)
        except ValueError:
            raise ValueError(f"event id {token!r}: expected a positive integer") from None
        if value < 1:
            raise ValueError(f"event id {value}: expected a positive integer")
        ids.add(value)
    if not ids:
        raise ValueError(f"event ids {text!r}: expected a comma-separated list like 1,2,3")
    return tuple(sorted(ids))


def messages_for(
    run: ledger.RunRecord, batches: Sequence[ledger.BatchRecord]
) -> list[BatchMessage]:
    """The batch messages of `batches`, exactly as the run published them."""
    lookback = run.params.get("lookback_days")
    if not isinstance(lookback, int):
        raise ValueError(f"run {run.run_id}: params.lookback_days={lookback!r}, expected an int")
    detector = DetectorParams.model_validate(run.params.get("detector") or {})
    return [
        BatchMessage(
            run_id=run.run_id,
            batch_index=b.batch_index,
            batch_count=run.batch_count,
            as_of=run.as_of,
            lookback_days=lookback,
            event_ids=tuple(b.event_ids),
            detector=detector,
        )
        for b in batches
    ]


def reprocess_run_id(
    as_of: date,
    event_ids: Sequence[int],
    lookback_days: int,
    detector: DetectorParams,
    *,
    now: datetime,
) -> str:
    """`rep-YYYYMMDD-<hash of what is computed>-<UTC stamp>`: every reprocess is its own run."""
    what = {"event_ids": list(event_ids), "lookback_days": lookback_days,
            "detector": detector.model_dump(mode="json")}  # fmt: skip
    digest = hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:8]
    return f"rep-{as_of:%Y%m%d}-{digest}-{now.astimezone(UTC):%Y%m%d%H%M%S}"


def _publish(
    conn: psycopg.Connection, settings: Settings, run: ledger.RunRecord,
    batches: Sequence[ledger.BatchRecord], *, created: bool,
) -> RepublishResult:  # fmt: skip
    messages = messages_for(run, batches)
    indexes = [b.batch_index for b in batches]
    # Pending before publishing: a scorer that is quick cannot be overtaken by this update.
    with conn.transaction():
        ledger.reopen_batches(conn, run.run_id, indexes)
    topic = publisher().topic_path(settings.project, settings.batch_topic)
    ids = publish_batches(topic, messages)
    with conn.transaction():
        ledger.mark_published(conn, run.run_id)
    result = RepublishResult(
        run_id=run.run_id, as_of=run.as_of, batch_indexes=indexes,
        events=sum(len(b.event_ids) for b in batches), message_ids=ids, created_run=created,
    )  # fmt: skip
    log.info(
        "batches published again",
        extra={"run_id": run.run_id, "batches": len(indexes), "events": result.events},
    )
    return result


def _run(conn: psycopg.Connection, run_id: str) -> ledger.RunRecord:
    run = ledger.get_run(conn, run_id)
    if run is None:
        raise LookupError(f"run {run_id!r} is not in the ledger; `mentionfleet status` lists runs")
    return run


def republish_batches(
    conn: psycopg.Connection, settings: Settings, run_id: str, indexes: Sequence[int]
) -> RepublishResult:
    """Publish these batches of the run again."""
    run = _run(conn, run_id)
    wanted = sorted(set(indexes))
    batches = ledger.get_batches(conn, run_id, wanted)
    missing = sorted(set(wanted) - {b.batch_index for b in batches})
    if missing:
        raise LookupError(
            f"run {run_id} has batches 0..{run.batch_count - 1}; no batch {missing[0]}"
        )
    return _publish(conn, settings, run, batches, created=False)


def republish_unfinished(
    conn: psycopg.Connection, settings: Settings, run_id: str
) -> RepublishResult:
    """Publish again every batch of the run that is not scored (pending, failed, dead)."""
    run = _run(conn, run_id)
    batches = [b for b in ledger.get_batches(conn, run_id) if b.state != "scored"]
    return _publish(conn, settings, run, batches, created=False)


def reprocess_events(
    conn: psycopg.Connection,
    settings: Settings,
    event_ids: Sequence[int],
    *,
    as_of: date,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    batch_size: int = DEFAULT_BATCH_SIZE,
    detector: DetectorParams | None = None,
    now: datetime | None = None,
) -> RepublishResult:
    """Record the events as a new reprocess run and publish its batches.

    Scored as a kickoff of that day would score them: weekday factors, unless given, are
    estimated from the day's GDELT volume by the fanout's own function (one query).
    """
    if not 1 <= lookback_days <= MAX_LOOKBACK_DAYS:
        raise ValueError(f"lookback_days={lookback_days}: expected 1 to {MAX_LOOKBACK_DAYS}")
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise ValueError(f"batch_size={batch_size}: expected 1 to {MAX_BATCH_SIZE}")
    detector = with_weekday_factors(
        detector or DetectorParams(), shared_client(settings), settings,
        Window(as_of=as_of, days=lookback_days),
    )  # fmt: skip
    ids = sorted(set(event_ids))
    run_id = reprocess_run_id(as_of, ids, lookback_days, detector, now=now or datetime.now(UTC))
    params = {"kind": REPROCESS, "lookback_days": lookback_days, "batch_size": batch_size,
              "detector": detector.model_dump(mode="json")}  # fmt: skip
    planned = [list(b.event_ids) for b in plan_batches(ids, batch_size)]
    with conn.transaction():
        created = ledger.create_run(
            conn, run_id=run_id, as_of=as_of, params=params, batches=planned
        )
    if not created:
        raise RuntimeError(f"run {run_id} already exists (same events within the second); retry")
    stage_counts(settings, Window(as_of=as_of, days=lookback_days), run_id, ids)
    return _publish(conn, settings, _run(conn, run_id), ledger.get_batches(conn, run_id),
                    created=True)  # fmt: skip

"""The fanout: find the run's events, record the run, publish one message per batch.

Idempotent kickoff: the run id is derived from as_of and the parameters, so a
scheduler retry or a second button press finds the run already recorded and does not
publish it again. Re-running a day on purpose is explicit (`rerun: true`), which adds
a timestamp to the run id. A run stuck in `publishing` (the previous kickoff failed to
publish) is published again by the next kickoff once it is older than a grace period;
the scorers' idempotent writes make that safe.

Before publishing, the window's daily counts of all the run's events are staged in one
BigQuery query (`run_daily_counts`); each scorer reads only its batch's slice of them, so
a run scans the look-back once, not once per batch.

The weekday factors of the detector are estimated here, once per run, from GDELT's daily
volume, then recorded with the run and carried in every batch message: scores then
depend on an event's own series and the run's parameters, never on its batch.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from google.cloud import bigquery
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mentionfleet import logs
from mentionfleet.batching import MAX_BATCH_SIZE, plan_batches
from mentionfleet.bus.publish import PublishError, publish_batches, publisher
from mentionfleet.config import Settings
from mentionfleet.isodate import IsoDate
from mentionfleet.message import MAX_LOOKBACK_DAYS, BatchMessage
from mentionfleet.spikes import weekday
from mentionfleet.spikes.params import DetectorParams
from mentionfleet.store import ledger
from mentionfleet.store.pool import get_pool
from mentionfleet.warehouse.client import shared_client
from mentionfleet.warehouse.queries import CountryCodes, Window
from mentionfleet.warehouse.reads import fetch_daily_volume, fetch_event_ids, stage_run_counts

log = logs.get("fanout")
REPUBLISH_GRACE = timedelta(seconds=60)
WEEKDAY_VOLUME_DAYS = 28
"""Least days of GDELT volume the run's weekday factors are estimated from."""


class KickoffRequest(BaseModel):
    """The fanout's JSON body; every field is optional."""

    # Strict: `"batch_size": true` or `"rerun": "yes"` is a mistake to refuse, not coerce.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    as_of: IsoDate | None = Field(None, description="last day of the window; default yesterday UTC")
    lookback_days: int = Field(30, ge=1, le=MAX_LOOKBACK_DAYS)
    batch_size: int = Field(500, ge=1, le=MAX_BATCH_SIZE)
    geo_country: str = Field("VE", pattern=r"^[A-Z]{2}$", description="FIPS 10-4 code")
    actor_country: str = Field("VEN", pattern=r"^[A-Z]{3}$", description="CAMEO code")
    detector: DetectorParams = DetectorParams()
    rerun: bool = Field(False, description="start a new run even if this one exists")

    @field_validator("as_of")
    @classmethod
    def _not_future(cls, value: date | None) -> date | None:
        today = datetime.now(UTC).date()
        if value is not None and value > today:
            raise ValueError(f"{value} is in the future (today is {today})")
        return value


class BadRequest(ValueError):
    """The request cannot be served as sent (HTTP 400)."""


def parse_request(body: bytes) -> KickoffRequest:
    if not body.strip():
        return KickoffRequest()
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise BadRequest(f"body: not JSON ({exc})") from None
    if not isinstance(payload, dict):
        raise BadRequest(f"body: expected a JSON object, got {type(payload).__name__}")
    try:
        return KickoffRequest.model_validate(payload)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in err["loc"]) or "body"
        raise BadRequest(f"{field}: {err['msg']} (got {err.get('input')!r:.80})") from None


def run_id_for(request: KickoffRequest, as_of: date, *, now: datetime | None = None) -> str:
    """Same day and parameters give the same id; `rerun` makes a new one."""
    params = request.model_dump(mode="json", exclude={"as_of", "rerun"})
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:8]
    run_id = f"run-{as_of:%Y%m%d}-{digest}"
    if request.rerun:
        run_id += f"-{(now or datetime.now(UTC)):%Y%m%d%H%M%S}"
    return run_id


@dataclass(frozen=True)
class KickoffResult:
    run_id: str
    as_of: date
    state: str
    events: int
    batches: int
    published: int
    existing: bool
    seconds: float

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "as_of": self.as_of.isoformat()}


def kickoff(request: KickoffRequest, settings: Settings) -> KickoffResult:
    """Raise PublishError (retry later) if any batch could not be published."""
    started = time.perf_counter()
    as_of = request.as_of or (datetime.now(UTC).date() - timedelta(days=1))
    run_id = run_id_for(request, as_of)
    with logs.bound(run_id=run_id):
        pool = get_pool(settings)
        with pool.connection() as conn:
            existing = ledger.get_run(conn, run_id)
        if existing is None:
            window = Window(as_of=as_of, days=request.lookback_days)
            codes = CountryCodes(request.geo_country, request.actor_country)
            client = shared_client(settings)
            ids = fetch_event_ids(
                client,
                settings.events_table,
                window,
                codes,
                max_bytes_billed=settings.max_bytes_billed,
            )
            batches = [list(b.event_ids) for b in plan_batches(ids, request.batch_size)]
            # The run id above is of the request as sent; the factors are part of what
            # the run records and publishes, so a republish reuses them.
            detector = with_weekday_factors(request.detector, client, settings, window)
            params = request.model_dump(mode="json", exclude={"as_of"})
            params["detector"] = detector.model_dump(mode="json")
            with pool.connection() as conn:
                created = ledger.create_run(
                    conn, run_id=run_id, as_of=as_of, params=params, batches=batches
                )
            if not created:  # a concurrent kickoff recorded it first and publishes it
                return _existing(run_id, settings, started)
            log.info("run recorded", extra={"events": len(ids), "batches": len(batches)})
        elif not _needs_republish(existing):
            return _existing(run_id, settings, started)
        else:
            with pool.connection() as conn:
                batches = ledger.batch_event_ids(conn, run_id)
            detector = _recorded_detector(existing, request)
            log.warning("run was not fully published before; publishing it again")

        # Before publishing, also on a republish: the scorers read these staged rows.
        stage_counts(
            settings,
            Window(as_of=as_of, days=request.lookback_days),
            run_id,
            [i for b in batches for i in b],
        )
        messages = [
            BatchMessage(
                run_id=run_id,
                batch_index=i,
                batch_count=len(batches),
                as_of=as_of,
                lookback_days=request.lookback_days,
                event_ids=tuple(ids),
                detector=detector,
            )
            for i, ids in enumerate(batches)
        ]
        topic = publisher().topic_path(settings.project, settings.batch_topic)
        publish_batches(topic, messages)
        with pool.connection() as conn:
            ledger.mark_published(conn, run_id)
            run = ledger.get_run(conn, run_id)
        result = KickoffResult(
            run_id=run_id,
            as_of=as_of,
            state=run.state if run else "running",
            events=sum(len(b) for b in batches),
            batches=len(batches),
            published=len(messages),
            existing=existing is not None,
            seconds=round(time.perf_counter() - started, 3),
        )
        log.info("run published", extra=result.as_json())
        return result


def stage_counts(settings: Settings, window: Window, run_id: str, ids: list[int]) -> None:
    """Count the window's daily articles for all the run's events once, for its scorers.

    One scan of the look-back per run instead of one per batch; replaces the run's
    staged rows, so a retried kickoff does not duplicate them.
    """
    started = time.perf_counter()
    stage_run_counts(
        shared_client(settings),
        settings.events_table,
        settings.mentions_table,
        settings.staging_table,
        window,
        run_id,
        tuple(ids),
        max_bytes_billed=settings.max_bytes_billed,
    )
    log.info(
        "daily counts staged",
        extra={"events": len(ids), "seconds": round(time.perf_counter() - started, 3)},
    )


def with_weekday_factors(
    detector: DetectorParams, client: bigquery.Client, settings: Settings, window: Window
) -> DetectorParams:
    """The detector with the run's weekday factors, estimated once from GDELT volume.

    Only when the weekday option is on and the request gave none. The volume is that of
    the run's window, widened to WEEKDAY_VOLUME_DAYS ending on as_of if shorter, so short
    look-backs get factors too; with too little volume the run records no factors (and
    is scored without adjustment).
    """
    if not detector.weekday or detector.weekday_factors is not None:
        return detector
    volume_window = Window(as_of=window.as_of, days=max(window.days, WEEKDAY_VOLUME_DAYS))
    volumes = fetch_daily_volume(
        client, settings.mentions_table, volume_window, max_bytes_billed=settings.max_bytes_billed
    )
    factors = weekday.factors_from_daily_volume(volumes, volume_window.start.weekday())
    if factors is None:
        log.warning(
            "too little GDELT volume for weekday factors; the run is scored unadjusted",
            extra={"volume_days": int((volumes > 0).sum())},
        )
        return detector
    log.info("weekday factors estimated", extra={"weekday_factors": list(factors)})
    return DetectorParams.model_validate({**detector.model_dump(), "weekday_factors": factors})


def _recorded_detector(run: ledger.RunRecord, request: KickoffRequest) -> DetectorParams:
    """The detector params the run was recorded with (with its weekday factors)."""
    recorded = run.params.get("detector")
    return request.detector if recorded is None else DetectorParams.model_validate(recorded)


def _needs_republish(run: ledger.RunRecord) -> bool:
    return run.state == "publishing" and datetime.now(UTC) - run.started_at > REPUBLISH_GRACE


def _existing(run_id: str, settings: Settings, started: float) -> KickoffResult:
    with get_pool(settings).connection() as conn:
        run = ledger.get_run(conn, run_id)
    if run is None:  # pragma: no cover - the row was just seen
        raise RuntimeError(f"run {run_id} vanished from the ledger")
    log.info("run already exists; nothing published", extra={"state": run.state})
    return KickoffResult(
        run_id=run_id,
        as_of=run.as_of,
        state=run.state,
        events=run.event_count,
        batches=run.batch_count,
        published=0,
        existing=True,
        seconds=round(time.perf_counter() - started, 3),
    )


__all__ = [
    "BadRequest",
    "KickoffRequest",
    "KickoffResult",
    "PublishError",
    "kickoff",
    "stage_counts",
]

"""`mentionfleet republish`: publish chosen batches or events again, and only those."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import click
from pydantic import ValidationError

from mentionfleet.config import Settings
from mentionfleet.ops.db import connect
from mentionfleet.ops.republish import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_LOOKBACK_DAYS,
    RepublishResult,
    parse_event_ids,
    reprocess_events,
    republish_batches,
    republish_unfinished,
)
from mentionfleet.spikes.params import DetectorParams


def describe(result: RepublishResult) -> str:
    if not result.batch_indexes:
        return f"run {result.run_id}: every batch is scored; nothing published"
    new = "new reprocess run " if result.created_run else "run "
    shown = ", ".join(map(str, result.batch_indexes[:20]))
    more = f" (+{len(result.batch_indexes) - 20} more)" if len(result.batch_indexes) > 20 else ""
    return (
        f"{new}{result.run_id} (as of {result.as_of}): published batch(es) {shown}{more}, "
        f"{result.events} events\nfollow it: mentionfleet status {result.run_id}"
    )


def _detector(raw: str | None) -> DetectorParams | None:
    if raw is None:
        return None
    try:
        return DetectorParams.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise click.BadParameter(first["msg"], param_hint="--detector") from None


@click.command()
@click.option(
    "--run", "run_id", metavar="RUN", default=None, help="The run whose batches to publish."
)
@click.option(
    "--batch", "batches", type=click.IntRange(min=0), multiple=True, metavar="N",
    help="A batch index of --run (repeat for several).",
)  # fmt: skip
@click.option("--failed", is_flag=True, help="Every batch of --run that is not scored.")
@click.option(
    "--event-ids", metavar="1,2,3", default=None,
    help="These events, as a new reprocess run (not with --run).",
)  # fmt: skip
@click.option(
    "--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None,
    help="With --event-ids: last day of the window [default: yesterday UTC].",
)  # fmt: skip
@click.option(
    "--lookback-days", type=int, default=DEFAULT_LOOKBACK_DAYS, show_default=True,
    help="With --event-ids: days in the window.",
)  # fmt: skip
@click.option(
    "--batch-size", type=int, default=DEFAULT_BATCH_SIZE, show_default=True,
    help="With --event-ids: events per batch.",
)  # fmt: skip
@click.option(
    "--detector", "detector_json", metavar="JSON", default=None,
    help="With --event-ids: detector parameters [default: the defaults].",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def republish(
    run_id: str | None,
    batches: tuple[int, ...],
    failed: bool,
    event_ids: str | None,
    as_of: datetime | None,
    lookback_days: int,
    batch_size: int,
    detector_json: str | None,
    as_json: bool,
) -> None:
    """Publish batches again so the fleet recomputes exactly their events.

    A run's batches are rebuilt from the run ledger with the run's own parameters;
    rows of other events are not touched. Listed events become a new reprocess run,
    scored as a kickoff of that day would score them (its weekday factors come from
    one BigQuery query). Needs DATABASE_URL and the batch topic.

    \b
    Examples:
      mentionfleet republish --run run-20261129-1a2b3c4d --batch 3
      mentionfleet republish --run run-20261129-1a2b3c4d --failed
      mentionfleet republish --event-ids 1187001,1187042 --as-of 2026-11-29
    """
    if event_ids is not None:
        if run_id is not None or batches or failed:
            raise click.UsageError("--event-ids makes its own run: not with --run/--batch/--failed")
    elif run_id is None:
        raise click.UsageError("expected --run RUN (with --batch N or --failed) or --event-ids")
    elif bool(batches) == failed:
        raise click.UsageError("with --run, give either --batch N (repeatable) or --failed")
    settings = Settings.from_env()
    with connect(settings) as conn:
        if event_ids is not None:
            day = as_of.date() if as_of else datetime.now(UTC).date() - timedelta(days=1)
            result = reprocess_events(
                conn, settings, parse_event_ids(event_ids), as_of=day,
                lookback_days=lookback_days, batch_size=batch_size,
                detector=_detector(detector_json),
            )  # fmt: skip
        elif failed:
            assert run_id is not None
            result = republish_unfinished(conn, settings, run_id)
        else:
            assert run_id is not None
            result = republish_batches(conn, settings, run_id, batches)
    click.echo(json.dumps(result.as_json()) if as_json else describe(result))

"""`mentionfleet backfill`: one run per day over a range, a bounded number at a time."""

from __future__ import annotations

import json
from datetime import date, datetime

import click

from mentionfleet.cli.kickoff import (
    batch_size_option,
    detector_option,
    detector_params,
    lookback_option,
    rerun_option,
    url_option,
)
from mentionfleet.config import Settings
from mentionfleet.ops.backfill import COMPLETE, DayOutcome, days_between, ledger_poll, run_backfill
from mentionfleet.ops.db import connect
from mentionfleet.ops.fanout_client import call_fanout, kickoff_body, resolve_url


def outcome_line(o: DayOutcome) -> str:
    run = o.run_id or "-"
    scored = f"{o.batches_scored}/{o.batches_total} scored" if o.run_id else ""
    tail = f"  {o.error}" if o.error else ""
    return f"{o.as_of}  {o.outcome:14}  {run}  {scored}  {o.seconds:.0f}s{tail}".rstrip()


@click.command()
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="First as_of day.")  # fmt: skip
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="Last as_of day (included).")  # fmt: skip
@click.option(
    "--max-in-flight", type=click.IntRange(min=1), default=2, show_default=True,
    help="Runs kicked off and not yet finished, at most.",
)  # fmt: skip
@lookback_option
@batch_size_option
@detector_option
@rerun_option
@url_option
@click.option(
    "--timeout", type=click.FloatRange(min=1), default=3600.0, show_default=True,
    help="Seconds a run may take from its kickoff before it is reported timed_out.",
)  # fmt: skip
@click.option(
    "--poll-interval", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
    help="Seconds between two looks at the ledger.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print every day's outcome as JSON.")
def backfill(
    first: datetime,
    last: datetime,
    max_in_flight: int,
    lookback_days: int | None,
    batch_size: int | None,
    detector_json: str | None,
    rerun: bool,
    url: str | None,
    timeout: float,
    poll_interval: float,
    as_json: bool,
) -> None:
    """Kick off one run per day from --from to --to and wait for each to complete.

    Days already run with the same parameters are found, not run again (so a backfill
    that stopped can simply be started again). Each day ends complete, stuck
    (dead-lettered batches), timed_out or kickoff_failed; the exit code is 1 unless
    every day is complete. Needs the fanout URL and DATABASE_URL (to follow the runs).

    \b
    Example:
      mentionfleet backfill --from 2026-11-01 --to 2026-11-30 --max-in-flight 3
    """
    days = days_between(first.date(), last.date())
    fanout = resolve_url(url)
    detector = detector_params(detector_json)

    def kick(day: date) -> str:
        body = kickoff_body(
            as_of=day, lookback_days=lookback_days, batch_size=batch_size,
            detector=detector, rerun=rerun,
        )  # fmt: skip
        return str(call_fanout(fanout, body).body["run_id"])

    def report(outcome: DayOutcome) -> None:
        if not as_json:
            click.echo(outcome_line(outcome))

    with connect(Settings.from_env()) as conn:
        outcomes = run_backfill(
            days, kick, ledger_poll(conn), max_in_flight=max_in_flight, timeout_s=timeout,
            interval_s=poll_interval, on_outcome=report,
        )  # fmt: skip
    complete = sum(o.outcome == COMPLETE for o in outcomes)
    if as_json:
        click.echo(json.dumps([o.as_json() for o in outcomes]))
    else:
        click.echo(f"{complete} of {len(outcomes)} days complete")
    if complete != len(outcomes):
        raise SystemExit(1)

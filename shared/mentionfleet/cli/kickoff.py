"""`mentionfleet kickoff`: start a day's run through the fanout, as Cloud Scheduler does."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from mentionfleet.ops.fanout_client import call_fanout, kickoff_body, resolve_url

# Shared with `backfill`, which kicks off runs the same way.
as_of_option = click.option(
    "--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None,
    help="Last day of the window [default: the fanout's, yesterday UTC].",
)  # fmt: skip
lookback_option = click.option(
    "--lookback-days", type=int, default=None,
    help="Days in the window, as_of included [default: the fanout's, 30].",
)  # fmt: skip
batch_size_option = click.option(
    "--batch-size", type=int, default=None, help="Events per batch [default: the fanout's, 500]."
)
detector_option = click.option(
    "--detector", "detector_json", metavar="JSON", default=None,
    help='Detector parameters, e.g. \'{"method": "robust"}\' (unset fields: defaults).',
)  # fmt: skip
rerun_option = click.option(
    "--rerun", is_flag=True,
    help="Run the day again on purpose, as a new run. Without it the same day and "
    "parameters find the run already recorded and publish nothing.",
)  # fmt: skip
url_option = click.option(
    "--url", default=None, metavar="URL",
    help="The fanout's URL [default: $MENTIONFLEET_FANOUT_URL]. An https URL is called "
    "with an OIDC identity token from your credentials.",
)  # fmt: skip


def detector_params(raw: str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        parsed = json.loads(raw)
    except ValueError as exc:
        raise click.BadParameter(f"not JSON ({exc})", param_hint="--detector") from None
    if not isinstance(parsed, dict):
        raise click.BadParameter("expected a JSON object", param_hint="--detector")
    return parsed


def describe(result: dict[str, Any]) -> str:
    head = f"run {result['run_id']} (as of {result['as_of']})"
    if result.get("existing") and not result.get("published"):
        return (
            f"{head}: already recorded, state {result['state']}; nothing published\n"
            f"follow it: mentionfleet status {result['run_id']}"
        )
    return (
        f"{head}: {result['published']} of {result['batches']} batches published, "
        f"{result['events']} events, state {result['state']}\n"
        f"follow it: mentionfleet status {result['run_id']}"
    )


@click.command()
@as_of_option
@lookback_option
@batch_size_option
@detector_option
@rerun_option
@url_option
@click.option(
    "--timeout", type=click.FloatRange(min=1), default=600.0, show_default=True,
    help="Seconds to wait for the fanout's answer.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the fanout's answer as JSON.")
def kickoff(
    as_of: datetime | None,
    lookback_days: int | None,
    batch_size: int | None,
    detector_json: str | None,
    rerun: bool,
    url: str | None,
    timeout: float,
    as_json: bool,
) -> None:
    """Kick off a run: POST to the fanout, which records the run and publishes its batches.

    Kicking off the same day with the same parameters again finds the recorded run and
    publishes nothing (safe to repeat); --rerun starts a new run of that day.

    \b
    Examples:
      mentionfleet kickoff --as-of 2026-11-29
      mentionfleet kickoff --as-of 2026-11-29 --rerun --json
      MENTIONFLEET_FANOUT_URL=https://mf-prod-fanout-xyz.a.run.app mentionfleet kickoff
    """
    body = kickoff_body(
        as_of=as_of.date() if as_of else None,
        lookback_days=lookback_days,
        batch_size=batch_size,
        detector=detector_params(detector_json),
        rerun=rerun,
    )
    response = call_fanout(resolve_url(url), body, timeout_s=timeout)
    if as_json:
        click.echo(json.dumps(response.body))
    else:
        click.echo(describe(response.body))

"""`mentionfleet plot`: one event's daily mentions, baseline and spikes as a PNG."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from mentionfleet.analysis.db import reading
from mentionfleet.analysis.views import event_plot
from mentionfleet.cli.spikes import warn
from mentionfleet.config import Settings


@click.command("plot")
@click.argument("event_id", type=click.IntRange(min=0))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True, help="PNG file to write.",
)  # fmt: skip
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day.")
@click.option(
    "--no-details", is_flag=True, help="Do not look up the event's actors and source URL."
)
def plot(
    event_id: int,
    output: Path,
    since: datetime | None,
    until: datetime | None,
    no_details: bool,
) -> None:
    """Plot an event's stored days: mentions as bars, the baseline mean with a ±σ band,
    spike days marked by tier; the title names the event (actors, place) when known.

    \b
    Example:
      mentionfleet plot 1100012345 -o spike.png
    """
    if output.suffix.lower() != ".png":
        raise click.BadParameter(f"{output}: expected a .png file name", param_hint="-o")
    settings = Settings.from_env()
    with reading(settings) as conn:
        png, _ = event_plot(
            conn, None if no_details else settings, event_id, warn=warn,
            start=since.date() if since else None, end=until.date() if until else None,
        )  # fmt: skip
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(png)
    click.echo(f"wrote {output} (event {event_id})")

"""`mentionfleet spikes`: the stored spikes, most severe first, with their events' details."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import click

from mentionfleet.analysis.db import reading
from mentionfleet.analysis.details import EventDetails
from mentionfleet.analysis.spikes import TIER_ORDER, Spike, SpikeFilter
from mentionfleet.analysis.views import spikes_with_details
from mentionfleet.config import Settings
from mentionfleet.spikes.params import Tier

COLUMNS = (
    "EVENT", "DAY", "TIER", "Z", "MENTIONS", "BASELINE", "VELOCITY", "ACTORS", "PLACE", "SOURCE",
)  # fmt: skip
_NUMERIC = {"Z", "MENTIONS", "BASELINE", "VELOCITY"}


def warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


def spike_json(spike: Spike, details: EventDetails | None) -> dict[str, Any]:
    d = details or EventDetails(spike.event_id)
    return {
        "event_id": spike.event_id,
        "day": spike.day.isoformat(),
        "mentions": spike.mentions,
        "baseline_mean": spike.baseline_mean,
        "baseline_std": spike.baseline_std,
        "z": spike.z,
        "velocity": spike.velocity,
        "tier": spike.tier,
        "run_id": spike.run_id,
        "source_url": d.source_url,
        "actor1": d.actor1,
        "actor1_country": d.actor1_country,
        "actor2": d.actor2,
        "actor2_country": d.actor2_country,
        "place": d.place,
        "event_code": d.event_code,
    }


def spike_cells(spike: Spike, details: EventDetails | None) -> tuple[str, ...]:
    baseline = "" if spike.baseline_mean is None else f"{spike.baseline_mean:.1f}"
    if spike.baseline_std is not None:
        baseline += f"±{spike.baseline_std:.1f}"
    velocity = "" if spike.velocity is None else f"{spike.velocity:+d}"
    return (
        str(spike.event_id), spike.day.isoformat(), spike.tier, f"{spike.z:.1f}",
        str(spike.mentions), baseline, velocity,
        details.actors if details else "", (details.place or "") if details else "",
        (details.source_url or "") if details else "",
    )  # fmt: skip


def render_plain(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(COLUMNS)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if name in _NUMERIC else c.ljust(w)
            for c, w, name in zip(cells, widths, COLUMNS, strict=True)
        ).rstrip()

    return "\n".join([line(COLUMNS), *(line(r) for r in rows)])


def _print_rich(rows: Sequence[tuple[str, ...]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    for name in COLUMNS:
        table.add_column(
            name, justify="right" if name in _NUMERIC else "left",
            overflow="fold", no_wrap=name in ("EVENT", "DAY", "TIER"),
        )  # fmt: skip
    for row in rows:
        table.add_row(*row)
    Console().print(table)


def show(spikes: Sequence[Spike], details: Mapping[int, EventDetails]) -> None:
    rows = [spike_cells(s, details.get(s.event_id)) for s in spikes]
    if sys.stdout.isatty():
        _print_rich(rows)
    else:
        click.echo(render_plain(rows))


@click.command("spikes")
@click.option(
    "--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
    help="Only spike days on or after this day.",
)  # fmt: skip
@click.option(
    "--tier", type=click.Choice([t.value for t in TIER_ORDER], case_sensitive=False),
    default=Tier.MEDIUM.value, show_default=True, help="Only spikes of this tier or above.",
)  # fmt: skip
@click.option("--run", "run_id", default=None, help="Only this run's events, in its window.")
@click.option(
    "--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Most rows shown."
)
@click.option(
    "--no-details", is_flag=True,
    help="Do not look up actors, place and source URL in the warehouse.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def spikes(
    since: datetime | None,
    tier: str,
    run_id: str | None,
    limit: int,
    no_details: bool,
    as_json: bool,
) -> None:
    """List spikes from mention_scores: higher tier first, then higher z.

    Each row: event id, day, tier, z, mentions that day, the baseline (mean ± std of the
    days before), velocity (change from the day before) and, when the warehouse is
    reachable, the event's actors, place and first article's URL.

    \b
    Example:
      mentionfleet spikes --since 2026-11-20 --tier HIGH --limit 10
    """
    settings = Settings.from_env()
    spike_filter = SpikeFilter(
        since=since.date() if since else None,
        min_tier=Tier(tier.upper()),
        run_id=run_id,
        limit=limit,
    )
    with reading(settings) as conn:
        found, details = spikes_with_details(
            conn, None if no_details else settings, spike_filter, warn=warn
        )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "since": spike_filter.since.isoformat() if spike_filter.since else None,
                    "tier": spike_filter.min_tier.value,
                    "run_id": run_id,
                    "count": len(found),
                    "spikes": [spike_json(s, details.get(s.event_id)) for s in found],
                }
            )
        )
        return
    if not found:
        click.echo("no spikes match")
        return
    show(found, details)

"""`mentionfleet generate`: GDELT-shaped data into the configured warehouse."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from mentionfleet.config import Settings
from mentionfleet.gdelt.synth import generate as generate_data
from mentionfleet.gdelt.synth import write_truth
from mentionfleet.warehouse.client import make_client
from mentionfleet.warehouse.tables import ensure_tables, load


@click.command()
@click.option("--seed", default=7, show_default=True, help="Generator seed.")
@click.option(
    "--end", type=click.DateTime(["%Y-%m-%d"]), default=None,
    help="Last day generated (inclusive) [default: yesterday UTC].",
)  # fmt: skip
@click.option("--days", type=click.IntRange(min=1), default=30, show_default=True)
@click.option(
    "--events-per-day", type=click.IntRange(min=1), default=700, show_default=True,
    help="Events first seen per day, all countries.",
)  # fmt: skip
@click.option(
    "--ve-share", type=click.FloatRange(0.0, 0.9), default=0.15, show_default=True,
    help="Share of events about Venezuela.",
)  # fmt: skip
@click.option(
    "--truth", type=click.Path(dir_okay=False, writable=True, path_type=Path), default=None,
    help="Also write the ground truth (VE events, spikes, daily counts) to this JSON file.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def generate(
    seed: int,
    end: datetime | None,
    days: int,
    events_per_day: int,
    ve_share: float,
    truth: Path | None,
    as_json: bool,
) -> None:
    """Generate events and mentions and load them, replacing the warehouse tables.

    The same seed and options always give the same data.

    \b
    Example:
      MENTIONFLEET_PROJECT=test-proj MENTIONFLEET_BQ_ENDPOINT=http://127.0.0.1:9050 \\
        mentionfleet generate --end 2026-03-31 --days 45 --events-per-day 2000
    """
    settings = Settings.from_env()
    last: date = end.date() if end else datetime.now(UTC).date() - timedelta(days=1)
    started = time.perf_counter()
    data = generate_data(
        seed, end=last, days=days, events_per_day=events_per_day, ve_share=ve_share
    )
    generated_at = time.perf_counter()
    client = make_client(settings)
    ensure_tables(client, settings.bq_dataset)
    counts = load(client, settings.bq_dataset, data, replace=True)
    loaded_at = time.perf_counter()
    if truth is not None:
        write_truth(data, truth)
    summary: dict[str, Any] = {
        "dataset": settings.bq_dataset,
        "seed": seed,
        "start": data.start.isoformat(),
        "end": data.end.isoformat(),
        "events": counts.events,
        "ve_events": len(data.ve_event_ids),
        "mention_rows": counts.mentions,
        "spikes": len(data.spikes),
        "generate_s": round(generated_at - started, 2),
        "load_s": round(loaded_at - generated_at, 2),
        "seconds": round(time.perf_counter() - started, 2),
    }
    if truth is not None:
        summary["truth"] = str(truth)
    if as_json:
        click.echo(json.dumps(summary))
        return
    width = max(len(k) for k in summary)
    for key, value in summary.items():
        click.echo(f"{key:<{width}}  {value}")

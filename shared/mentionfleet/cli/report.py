"""`mentionfleet report`: one self-contained HTML page for a run."""

from __future__ import annotations

from pathlib import Path

import click

from mentionfleet.analysis.db import reading
from mentionfleet.analysis.report import render_html
from mentionfleet.analysis.runs import latest_run_id
from mentionfleet.analysis.views import build_report
from mentionfleet.cli.spikes import warn
from mentionfleet.config import Settings


@click.command("report")
@click.option("--run", "run_id", default=None, help="Run id [default: the latest run].")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True, help="HTML file to write.",
)  # fmt: skip
@click.option(
    "--top", type=click.IntRange(1, 100), default=10, show_default=True,
    help="Spikes listed; each spiking event among them gets a plot.",
)  # fmt: skip
@click.option("--no-details", is_flag=True, help="Do not look up events in the warehouse.")
def report(run_id: str | None, output: Path, top: int, no_details: bool) -> None:
    """Write a run's report: summary figures, the top spikes with their plots inline,
    and the run's health (batches per state, retries, failed and dead-lettered batches).

    The page has no outside references (plots are embedded), so it can be mailed as is.

    \b
    Example:
      mentionfleet report --run run-20261130-1a2b3c4d -o report.html
    """
    settings = Settings.from_env()
    with reading(settings) as conn:
        run_id = run_id or latest_run_id(conn)
        data = build_report(conn, None if no_details else settings, run_id, top=top, warn=warn)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_html(data), encoding="utf-8")
    click.echo(
        f"wrote {output} (run {run_id}: {len(data.spikes)} spikes, {len(data.plots)} plots, "
        f"{len(data.run.problems)} failed or dead-lettered batches)"
    )

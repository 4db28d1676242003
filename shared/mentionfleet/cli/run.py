"""`mentionfleet run`: the whole fleet locally on generated data."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from mentionfleet.cli.progress import Task, progress_for
from mentionfleet.localrun.session import RunOptions, run_local
from mentionfleet.localrun.summary import RunSummary


@click.command()
@click.option("--seed", default=RunOptions.seed, show_default=True, help="Data generator seed.")
@click.option(
    "--events-per-day", default=RunOptions.events_per_day, show_default=True,
    help="Generated events per day, all countries (about 15% are about Venezuela).",
)  # fmt: skip
@click.option("--lookback-days", default=RunOptions.lookback_days, show_default=True)
@click.option("--batch-size", default=RunOptions.batch_size, show_default=True)
@click.option(
    "--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None,
    help="Last day of the window [default: yesterday UTC].",
)  # fmt: skip
@click.option(
    "--plots", "plots_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Write the top spikes' plots to DIR/top-spike-<rank>.png before stopping.",
)  # fmt: skip
@click.option(
    "--plots-top", type=click.IntRange(1, 50), default=RunOptions.plots_top, show_default=True,
    help="How many spiking events --plots draws.",
)  # fmt: skip
@click.option(
    "--gdelt", "gdelt_paths", multiple=True, type=click.Path(exists=True, path_type=Path),
    help="Score these GDELT 2.0 raw files (or directories of them; repeatable) instead of "
    "generated data. Give --as-of and --lookback-days to match their days.",
)  # fmt: skip
@click.option(
    "--max-bad-lines", type=click.IntRange(min=0), default=0, show_default=True,
    help="With --gdelt: bad lines to skip before the load stops (see load-gdelt).",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def run(
    seed: int,
    events_per_day: int,
    lookback_days: int,
    batch_size: int,
    as_of: date | None,
    plots_dir: Path | None,
    plots_top: int,
    gdelt_paths: tuple[Path, ...],
    max_bad_lines: int,
    as_json: bool,
) -> None:
    """Start the local stack, generate data, run the fleet once, print a summary, stop.

    \b
    Example:
      mentionfleet run --events-per-day 300 --json
      mentionfleet run --as-of 2026-11-30 --plots docs/ --plots-top 1
      mentionfleet run --gdelt ~/gdelt/ --as-of 2026-11-30 --lookback-days 14
    """
    options = RunOptions(
        seed=seed,
        events_per_day=events_per_day,
        lookback_days=lookback_days,
        batch_size=batch_size,
        as_of=as_of.date() if as_of else None,  # type: ignore[attr-defined]
        plots_dir=plots_dir,
        plots_top=plots_top,
        gdelt_paths=gdelt_paths,
        max_bad_lines=max_bad_lines,
    )

    with progress_for(as_json=as_json) as progress:
        scoring: list[Task] = []

        def batches(scored: int, total: int) -> None:
            if not scoring:
                scoring.append(progress.task("batches scored", total=total))
            scoring[0].update(scored, total)

        summary = run_local(options, progress.step, batches)
    if as_json:
        json.dump(summary.as_json(), sys.stdout)
        sys.stdout.write("\n")
    else:
        click.echo(format_summary(summary))
    if summary.batches_scored != summary.batches_total:
        raise SystemExit(1)


def format_summary(s: RunSummary) -> str:
    tiers = ", ".join(f"{k} {v}" for k, v in s.spikes_by_tier.items())
    found = ", ".join(f"{m}: {f}/{t}" for m, (f, t) in s.injected_found_by_magnitude.items())
    lines = [
        f"run        {s.run_id} (as of {s.as_of}, {s.state})",
        f"events     {s.events}",
        f"batches    {s.batches_scored}/{s.batches_total} scored",
        f"rows       {s.rows_written} written, {s.event_days} event-days in the window",
        f"spikes     {tiers}",
        # Generated data knows its injected spikes; real GDELT files have none to check.
        *([f"injected   {s.injected_found}/{s.injected_spikes} found ({found})"] * bool(found)),
        f"seconds    {s.seconds} ({', '.join(f'{k} {v}' for k, v in s.timings.items())})",
        "",
        "top spikes",
        f"  {'event_id':>12}  {'day':10}  {'mentions':>8}  {'baseline':>8}  {'z':>7}  tier",
    ]
    for t in s.top_spikes:
        base = "" if t.baseline_mean is None else f"{t.baseline_mean:.2f}"
        lines.append(
            f"  {t.event_id:>12}  {t.day.isoformat():10}  {t.mentions:>8}  {base:>8}"
            f"  {t.z:>7.2f}  {t.tier}"
        )
    return "\n".join(lines)

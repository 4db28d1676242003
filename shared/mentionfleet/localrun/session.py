"""`mentionfleet run`: the whole fleet on generated data, start to finish, then clean up."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

from mentionfleet.config import Settings
from mentionfleet.gdelt.synth import Generated, Spike, generate
from mentionfleet.kickoff import WEEKDAY_VOLUME_DAYS
from mentionfleet.localrun.fleet import LocalFleet
from mentionfleet.localrun.summary import RunSummary, read_summary
from mentionfleet.localstack import LocalStack
from mentionfleet.warehouse.client import make_client
from mentionfleet.warehouse.rawload import Hooks, load_paths
from mentionfleet.warehouse.tables import ensure_tables, load

Progress = Callable[[str], None]


@dataclass(frozen=True)
class RunOptions:
    seed: int = 7
    events_per_day: int = 5000
    lookback_days: int = 30
    batch_size: int = 500
    as_of: date | None = None
    scorer_workers: int = 2
    scorer_threads: int = 4
    timeout_s: float = 600.0
    plots_dir: Path | None = None
    """Write the top spikes' plots here (top-spike-<rank>.png) before the stack stops."""
    plots_top: int = 3
    gdelt_paths: tuple[Path, ...] = ()
    """Load these GDELT 2.0 raw files (or directories of them) instead of generating data."""
    max_bad_lines: int = 0

    @property
    def end(self) -> date:
        return self.as_of or (datetime.now(UTC).date() - timedelta(days=1))


def load_generated(settings: Settings, options: RunOptions) -> Generated:
    """Generate GDELT-shaped data and load it into the warehouse.

    At least the days the fanout reads to estimate weekday factors, as a real warehouse
    holds far more history than one window.
    """
    data = generate(
        options.seed,
        end=options.end,
        days=max(options.lookback_days, WEEKDAY_VOLUME_DAYS),
        events_per_day=options.events_per_day,
    )
    client = make_client(settings)
    ensure_tables(client, settings.bq_dataset)
    load(client, settings.bq_dataset, data, replace=True)
    return data


def run_local(
    options: RunOptions,
    progress: Progress = lambda _: None,
    batches: Callable[[int, int], None] | None = None,
) -> RunSummary:
    """Run the fleet once; `batches(scored, total)` follows the scoring while it lasts."""
    started = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = round(now - since, 2)
        return now

    progress("starting the local stack (PostgreSQL, Pub/Sub emulator, BigQuery stand-in)")
    with LocalStack() as stack:
        mark = lap("stack_start_s", started)
        settings = Settings.from_env(stack.env())
        truth: tuple[Spike, ...] = ()  # injected spikes; real files have none to check
        if options.gdelt_paths:
            progress(f"loading GDELT raw files from {', '.join(map(str, options.gdelt_paths))}")
            loaded = load_paths(
                settings, options.gdelt_paths, max_bad_lines=options.max_bad_lines,
                replace=True, hooks=Hooks(on_bad=lambda bad: progress(f"skipped {bad}")),
            )  # fmt: skip
            events, mentions = loaded.rows.get("events", 0), loaded.rows.get("eventmentions", 0)
            progress(f"loaded {events} events, {mentions} mentions; {loaded.bad_lines} bad lines")
        else:
            progress(f"generating {options.lookback_days} days of GDELT-shaped data and loading it")
            truth = load_generated(settings, options).spikes
        mark = lap("generate_and_load_s", mark)
        progress("starting the fanout and scorer function servers")
        with LocalFleet(
            stack, scorer_workers=options.scorer_workers, scorer_threads=options.scorer_threads
        ) as fleet:
            mark = lap("functions_start_s", mark)
            progress("kicking off the run (POST to the fanout, as Cloud Scheduler does)")
            response = fleet.kickoff(
                {
                    "as_of": options.end.isoformat(),
                    "lookback_days": options.lookback_days,
                    "batch_size": options.batch_size,
                }
            )
            if response.status != 200:
                raise RuntimeError(f"fanout answered {response.status}: {response.body}")
            run_id = str(response.body["run_id"])
            progress(f"run {run_id}: {response.body['batches']} batches published; scoring")
            fleet.wait_for_run(run_id, timeout_s=options.timeout_s, on_progress=batches)
            lap("run_s", mark)
            with psycopg.connect(fleet.database_url) as conn:
                summary = read_summary(
                    conn, run_id, seconds=time.perf_counter() - started, truth=truth
                )
                if options.plots_dir is not None:
                    # Imported here: plotting (matplotlib) costs nothing when not asked for.
                    from mentionfleet.analysis.views import write_top_plots

                    written = write_top_plots(
                        conn, settings, run_id, options.plots_dir,
                        top=options.plots_top, warn=progress,
                    )  # fmt: skip
                    for path, event_id in written:
                        progress(f"wrote {path} (event {event_id})")
    timings.update(summary.timings)
    return RunSummary(**{**summary.__dict__, "timings": timings})

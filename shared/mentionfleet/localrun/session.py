"""`mentionfleet run`: the whole fleet on generated data, start to finish, then clean up."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import psycopg

from mentionfleet.config import Settings
from mentionfleet.gdelt.synth import Generated, generate
from mentionfleet.localrun.fleet import LocalFleet
from mentionfleet.localrun.summary import RunSummary, read_summary
from mentionfleet.localstack import LocalStack
from mentionfleet.warehouse.client import make_client
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

    @property
    def end(self) -> date:
        return self.as_of or (datetime.now(UTC).date() - timedelta(days=1))


def load_generated(settings: Settings, options: RunOptions) -> Generated:
    """Generate GDELT-shaped data for the look-back window and load it into the warehouse."""
    data = generate(
        options.seed,
        end=options.end,
        days=options.lookback_days,
        events_per_day=options.events_per_day,
    )
    client = make_client(settings)
    ensure_tables(client, settings.bq_dataset)
    load(client, settings.bq_dataset, data, replace=True)
    return data


def run_local(options: RunOptions, progress: Progress = lambda _: None) -> RunSummary:
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
        progress(f"generating {options.lookback_days} days of GDELT-shaped data and loading it")
        data = load_generated(settings, options)
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
            fleet.wait_for_run(run_id, timeout_s=options.timeout_s)
            lap("run_s", mark)
            with psycopg.connect(fleet.database_url) as conn:
                summary = read_summary(
                    conn, run_id, seconds=time.perf_counter() - started, truth=data.spikes
                )
    timings.update(summary.timings)
    return RunSummary(**{**summary.__dict__, "timings": timings})

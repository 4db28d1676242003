"""What the analyst commands show, composed from the reads: spikes with their events'
details, an event's plot, a run's report, the top spikes' plots as files."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg

from mentionfleet.analysis.details import EventDetails, Warn, lookup
from mentionfleet.analysis.plot import render_png
from mentionfleet.analysis.report import ReportData
from mentionfleet.analysis.runs import read_run
from mentionfleet.analysis.series import read_series
from mentionfleet.analysis.spikes import Spike, SpikeFilter, first_days, read_spikes
from mentionfleet.config import Settings


def distinct_events(spikes: Sequence[Spike]) -> list[int]:
    """Event ids in the order they first appear (an event can spike on several days)."""
    return list(dict.fromkeys(s.event_id for s in spikes))


def details_for(
    conn: psycopg.Connection,
    settings: Settings | None,
    event_ids: Sequence[int],
    last_day: date,
    *,
    warn: Warn,
) -> dict[int, EventDetails]:
    """The events' details from the warehouse; {} without settings (details not wanted)."""
    if settings is None or not event_ids:
        return {}
    return lookup(settings, first_days(conn, list(event_ids)), last_day, warn=warn)


def spikes_with_details(
    conn: psycopg.Connection, settings: Settings | None, spike_filter: SpikeFilter, *, warn: Warn
) -> tuple[list[Spike], dict[int, EventDetails]]:
    spikes = read_spikes(conn, spike_filter)
    last = max((s.day for s in spikes), default=date.min)
    return spikes, details_for(conn, settings, distinct_events(spikes), last, warn=warn)


def event_plot(
    conn: psycopg.Connection,
    settings: Settings | None,
    event_id: int,
    *,
    warn: Warn,
    start: date | None = None,
    end: date | None = None,
) -> tuple[bytes, EventDetails | None]:
    """The event's plot (PNG) over its stored days, or start..end."""
    series = read_series(conn, event_id, start=start, end=end)
    details = details_for(conn, settings, [event_id], series[-1].day, warn=warn)
    found = details.get(event_id)
    return render_png(event_id, series, found), found


def build_report(
    conn: psycopg.Connection,
    settings: Settings | None,
    run_id: str,
    *,
    top: int,
    warn: Warn,
    now: datetime | None = None,
) -> ReportData:
    """A run's figures and health, its `top` spikes and a plot per spiking event."""
    run = read_run(conn, run_id)
    spikes = read_spikes(conn, SpikeFilter(run_id=run_id, limit=top))
    events = distinct_events(spikes)
    details = details_for(conn, settings, events, run.as_of, warn=warn)
    plots = {
        event_id: render_png(
            event_id,
            read_series(conn, event_id, start=run.window_start, end=run.as_of),
            details.get(event_id),
        )
        for event_id in events
    }
    return ReportData(run, spikes, details, plots, now or datetime.now(UTC))


def write_top_plots(
    conn: psycopg.Connection,
    settings: Settings | None,
    run_id: str,
    directory: Path,
    *,
    top: int,
    warn: Warn,
) -> list[tuple[Path, int]]:
    """`directory/top-spike-<rank>.png` for the run's `top` most severe spiking events.

    Returns (path, event id) pairs. Names carry the rank, not the id, so a document can
    point at the first one whatever event it turns out to be.
    """
    run = read_run(conn, run_id)
    events: list[int] = []
    limit = top
    # A spike can span days: read more rows until `top` distinct events (or all) are in.
    while True:
        spikes = read_spikes(conn, SpikeFilter(run_id=run_id, limit=limit))
        events = distinct_events(spikes)[:top]
        if len(events) >= top or len(spikes) < limit:
            break
        limit *= 2
    details = details_for(conn, settings, events, run.as_of, warn=warn)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for rank, event_id in enumerate(events, start=1):
        series = read_series(conn, event_id, start=run.window_start, end=run.as_of)
        path = directory / f"top-spike-{rank}.png"
        path.write_bytes(render_png(event_id, series, details.get(event_id)))
        written.append((path, event_id))
    return written

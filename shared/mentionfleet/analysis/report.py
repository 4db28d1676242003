"""A run's report as one self-contained HTML page: figures, top spikes with plots, health.

Pure: everything is passed in. Plots are embedded as base64 PNG data, so the file can be
mailed or attached as it is. Every value that comes from data is HTML-escaped, and only
http(s) source URLs become links.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from urllib.parse import urlsplit

from mentionfleet.analysis.details import EventDetails
from mentionfleet.analysis.plot import TIER_COLORS, title_of
from mentionfleet.analysis.runs import RunOverview
from mentionfleet.analysis.spikes import Spike

_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #222; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { margin-top: 2rem; }
.meta { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { padding: .25rem .6rem; border-bottom: 1px solid #e3e3e3; text-align: left;
         vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.figures td:first-child { color: #555; }
.tier { font-weight: 600; padding: 0 .4rem; border-radius: 3px; color: #fff; }
.ok { color: #1e7b34; } .bad { color: #b03a2e; font-weight: 600; }
pre { white-space: pre-wrap; margin: 0; font-size: 12px; max-width: 60rem; }
figure { margin: 1rem 0 2rem; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 13px; }
.url { word-break: break-all; font-size: 12px; }
"""


@dataclass(frozen=True)
class ReportData:
    run: RunOverview
    spikes: Sequence[Spike]
    """The top spikes, most severe first."""
    details: Mapping[int, EventDetails]
    plots: Mapping[int, bytes]
    """PNG per event id, for the events of `spikes` (in the order they first appear)."""
    generated_at: datetime


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _num(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _link(url: str | None) -> str:
    if not url:
        return ""
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return f'<span class="url">{_e(url)}</span>'
    return f'<a class="url" href="{_e(url)}" rel="noopener noreferrer">{_e(url)}</a>'


def _tier(tier: str) -> str:
    color = TIER_COLORS.get(tier, "#777")
    return f'<span class="tier" style="background:{color}">{_e(tier)}</span>'


def _rows(rows: Iterable[tuple[str, str]]) -> str:
    return "\n".join(f"<tr><td>{k}</td><td class='n'>{v}</td></tr>" for k, v in rows)


def _figures(run: RunOverview) -> str:
    tiers = ", ".join(f"{_e(t)} {n}" for t, n in run.spikes_by_tier.items())
    scored_class = "ok" if run.batches_scored == run.batches_total else "bad"
    rows = [
        ("events", _e(run.events)),
        ("batches scored",
         f'<span class="{scored_class}">{run.batches_scored}/{run.batches_total}</span>'),
        ("rows written", _e(run.rows_written)),
        ("event-days in the window", _e(run.event_days)),
        ("spikes", tiers),
    ]  # fmt: skip
    return f'<table class="figures">{_rows(rows)}</table>'


def _health(run: RunOverview) -> str:
    states = "".join(
        f"<tr><td>{_e(state)}</td><td class='n'>{n}</td></tr>"
        for state, n in run.batches_by_state.items()
    )
    retry_class = "ok" if run.retries == 0 else "bad"
    parts = [
        f"<table><tr><th>batch state</th><th class='n'>batches</th></tr>{states}</table>",
        f"<p>{run.attempts} deliveries recorded; "
        f'<span class="{retry_class}">{run.retries} retries</span> '
        "(deliveries beyond each batch's first).</p>",
    ]
    if not run.problems:
        parts.append('<p class="ok">No failed or dead-lettered batches.</p>')
        return "\n".join(parts)
    rows = "".join(
        f"<tr><td class='n'>{p.batch_index}</td><td class='bad'>{_e(p.state)}</td>"
        f"<td class='n'>{p.attempts}</td><td class='n'>{p.events}</td>"
        f"<td><pre>{_e(p.last_error)}</pre></td></tr>"
        for p in run.problems
    )
    parts.append(
        f"<p class='bad'>{len(run.problems)} batch(es) failed or dead-lettered:</p>"
        "<table><tr><th class='n'>batch</th><th>state</th><th class='n'>attempts</th>"
        f"<th class='n'>events</th><th>last error</th></tr>{rows}</table>"
    )
    return "\n".join(parts)


def _spike_table(spikes: Sequence[Spike], details: Mapping[int, EventDetails]) -> str:
    if not spikes:
        return "<p>No spikes in this run's window.</p>"
    head = (
        "<tr><th class='n'>#</th><th>event</th><th>day</th><th>tier</th><th class='n'>z</th>"
        "<th class='n'>mentions</th><th class='n'>baseline</th><th class='n'>velocity</th>"
        "<th>actors</th><th>place</th><th>source</th></tr>"
    )
    rows = []
    for rank, s in enumerate(spikes, start=1):
        d = details.get(s.event_id)
        baseline = _num(s.baseline_mean)
        if s.baseline_std is not None:
            baseline += f" ± {_num(s.baseline_std)}"
        rows.append(
            f"<tr><td class='n'>{rank}</td><td><a href='#event-{s.event_id}'>{s.event_id}</a>"
            f"</td><td>{s.day.isoformat()}</td><td>{_tier(s.tier)}</td>"
            f"<td class='n'>{_num(s.z)}</td><td class='n'>{s.mentions}</td>"
            f"<td class='n'>{_e(baseline)}</td><td class='n'>{_e(s.velocity)}</td>"
            f"<td>{_e(d.actors if d else '')}</td><td>{_e(d.place if d else '')}</td>"
            f"<td>{_link(d.source_url if d else None)}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def _plots(plots: Mapping[int, bytes], details: Mapping[int, EventDetails]) -> str:
    figures = []
    for event_id, png in plots.items():
        title = title_of(event_id, details.get(event_id))
        data = base64.b64encode(png).decode("ascii")
        figures.append(
            f"<figure id='event-{event_id}'><img alt='{_e(title)}' "
            f"src='data:image/png;base64,{data}'><figcaption>{_e(title)}</figcaption></figure>"
        )
    return "\n".join(figures)


def render_html(data: ReportData) -> str:
    run = data.run
    detector = json.dumps(run.params.get("detector", {}), sort_keys=True)
    finished = run.finished_at.isoformat(" ", "seconds") if run.finished_at else "not yet"
    window = f"{run.window_start.isoformat()} to {run.as_of.isoformat()}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Mention spikes: run {_e(run.run_id)}</title>
<style>{_CSS}</style></head><body>
<h1>Mention spikes: run {_e(run.run_id)}</h1>
<p class="meta">Window {_e(window)} ({run.lookback_days} days) &middot; state {_e(run.state)}
&middot; started {_e(run.started_at.isoformat(" ", "seconds"))} &middot; finished {_e(finished)}
<br>detector {_e(detector)}<br>report made {_e(data.generated_at.isoformat(" ", "seconds"))}</p>
<h2>Summary</h2>
{_figures(run)}
<h2>Run health</h2>
{_health(run)}
<h2>Top spikes</h2>
{_spike_table(data.spikes, data.details)}
{_plots(data.plots, data.details)}
</body></html>
"""

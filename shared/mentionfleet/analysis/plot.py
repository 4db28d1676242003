"""An event's daily mentions as a PNG: bars, its baseline with a ±σ band, spikes marked.

Drawn on a bare Agg canvas (no pyplot): no display needed, no global figure state, safe
to call from any thread.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from mentionfleet.analysis.details import EventDetails
from mentionfleet.analysis.series import ScoredDay
from mentionfleet.analysis.spikes import TIER_ORDER

WIDTH_PX, HEIGHT_PX, DPI = 1000, 500, 100
BAR_COLOR = "#4c78a8"
BASELINE_COLOR = "#262626"
BAND_COLOR = "#a6a6a6"
TIER_COLORS = {"MEDIUM": "#f2b701", "HIGH": "#e8710a", "CRITICAL": "#c0392b"}
URL_CHARS = 110
_LEGEND_ORDER = (
    "mentions (distinct articles)", "baseline mean", "baseline ±1σ",
    *(f"{t.value} spike" for t in TIER_ORDER),
)  # fmt: skip


def title_of(event_id: int, details: EventDetails | None) -> str:
    headline = details.headline if details else ""
    return f"Event {event_id}: {headline}" if headline else f"Event {event_id}"


def render_png(
    event_id: int,
    series: Sequence[ScoredDay],
    details: EventDetails | None = None,
    *,
    width_px: int = WIDTH_PX,
    height_px: int = HEIGHT_PX,
    dpi: int = DPI,
) -> bytes:
    """The event's plot as PNG bytes, exactly width_px x height_px."""
    if not series:
        raise ValueError(f"event {event_id}: no scored days to plot")
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    days = np.array([s.day for s in series], dtype="datetime64[D]")
    mentions = [s.mentions for s in series]
    mean = [math.nan if s.baseline_mean is None else s.baseline_mean for s in series]
    std = [math.nan if s.baseline_std is None else s.baseline_std for s in series]

    # Band behind the bars, baseline line in front: every bar stays readable.
    ax.bar(
        days, mentions, width=0.8, color=BAR_COLOR, zorder=2,
        label="mentions (distinct articles)",
    )  # fmt: skip
    low = [max(m - s, 0.0) for m, s in zip(mean, std, strict=True)]
    high = [m + s for m, s in zip(mean, std, strict=True)]
    ax.fill_between(
        days, low, high, color=BAND_COLOR, alpha=0.45, linewidth=0, step="mid", zorder=1,
        label="baseline ±1σ",
    )  # fmt: skip
    ax.step(
        days, mean, where="mid", color=BASELINE_COLOR, linewidth=1.6, zorder=3,
        label="baseline mean",
    )  # fmt: skip

    top = max(max(mentions), 1)
    for tier in reversed(TIER_ORDER):
        hits = [s for s in series if s.tier == tier.value]
        if not hits:
            continue
        ax.scatter(
            np.array([s.day for s in hits], dtype="datetime64[D]"),
            [s.mentions + 0.04 * top for s in hits],
            marker="v", s=90, color=TIER_COLORS[tier.value], edgecolors="black",
            linewidths=0.6, zorder=5, label=f"{tier.value} spike",
        )  # fmt: skip
        for s in hits:
            ax.annotate(
                f"z {s.z:.1f}" if s.z is not None else "",
                (np.datetime64(s.day, "D"), s.mentions + 0.09 * top),
                ha="center", va="bottom", fontsize=8,
            )  # fmt: skip

    ax.set_ylim(0, top * 1.22)
    ax.margins(x=0.01)
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.set_ylabel("articles per day")
    ax.grid(axis="y", alpha=0.3, zorder=0)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(title_of(event_id, details), loc="left", fontsize=12)
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: _LEGEND_ORDER.index(labels[i]))
    ax.legend(
        [handles[i] for i in order], [labels[i] for i in order],
        loc="upper left", fontsize=8, frameon=False, ncols=3,
    )  # fmt: skip
    if details and details.source_url:
        url = details.source_url
        shown = url if len(url) <= URL_CHARS else url[: URL_CHARS - 1] + "…"
        fig.text(0.01, 0.005, f"source: {shown}", fontsize=7, color="#555555")

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()

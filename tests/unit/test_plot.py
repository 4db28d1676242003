"""An event's plot: a PNG of the promised size whose pixels show bars, baseline and tiers."""

from __future__ import annotations

import io
from datetime import date, timedelta

import numpy as np
import pytest
from PIL import Image

from mentionfleet.analysis.details import EventDetails
from mentionfleet.analysis.plot import (
    BAR_COLOR,
    HEIGHT_PX,
    TIER_COLORS,
    WIDTH_PX,
    render_png,
    title_of,
)
from mentionfleet.analysis.series import ScoredDay

START = date(2026, 11, 1)


def _series(spikes: dict[int, tuple[int, float, str]], days: int = 21) -> list[ScoredDay]:
    """Quiet days of 5 articles, with (mentions, z, tier) on the given day indexes."""
    out = []
    for i in range(days):
        mentions, z, tier = spikes.get(i, (5, 0.0, None))
        out.append(
            ScoredDay(
                START + timedelta(days=i), mentions,
                None if i == 0 else 5.0, None if i < 2 else 1.0, None if i < 4 else z, tier,
            )
        )  # fmt: skip
    return out


def _pixels(png: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return np.asarray(image.convert("RGB"))


def _has_color(pixels: np.ndarray, hex_color: str, least: int = 20) -> bool:
    rgb = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(pixels.astype(int) - rgb).sum(axis=2) <= 6).sum()) >= least


def test_plot_is_the_promised_size_and_not_blank() -> None:
    png = render_png(1100000001, _series({10: (40, 12.0, "CRITICAL")}))
    pixels = _pixels(png)
    assert pixels.shape == (HEIGHT_PX, WIDTH_PX, 3)
    colors = {tuple(p) for p in pixels.reshape(-1, 3)[::7]}
    assert len(colors) > 30, "a drawn chart has many colours (bars, text, antialiasing)"
    assert _has_color(pixels, BAR_COLOR, least=2000), "mention bars"


def test_spike_markers_take_their_tier_colour_and_only_theirs() -> None:
    png = render_png(1, _series({8: (20, 4.0, "MEDIUM"), 15: (60, 9.0, "CRITICAL")}))
    pixels = _pixels(png)
    assert _has_color(pixels, TIER_COLORS["MEDIUM"])
    assert _has_color(pixels, TIER_COLORS["CRITICAL"])
    assert not _has_color(pixels, TIER_COLORS["HIGH"], least=1)


def test_quiet_series_has_no_spike_colours() -> None:
    pixels = _pixels(render_png(1, _series({})))
    assert not any(_has_color(pixels, color, least=1) for color in TIER_COLORS.values())


def test_title_names_the_event_and_what_is_known_of_it() -> None:
    assert title_of(42, None) == "Event 42"
    assert title_of(42, EventDetails(42)) == "Event 42"
    full = EventDetails(42, actor1="VENEZUELA", actor2="UNITED STATES", place="Caracas")
    assert title_of(42, full) == "Event 42: VENEZUELA / UNITED STATES - Caracas"
    assert title_of(42, EventDetails(42, actor2="OPPOSITION")) == "Event 42: OPPOSITION"


def test_an_empty_series_is_an_error_naming_the_event() -> None:
    with pytest.raises(ValueError, match="event 7: no scored days"):
        render_png(7, [])

"""The spike detector: pure, vectorised functions from a batch of daily counts to Scores.

    z[e, d] = (x[e, d] - location) / max(spread, floor)

location and spread come from the `baseline_days` seen days before d (the method decides
which statistics), the floor from `sigma_floor`. No I/O here: the scorer hands in arrays
and the params the batch was published with, and stores what comes back.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mentionfleet.spikes import robust, weekday, zscore
from mentionfleet.spikes.params import DetectorParams
from mentionfleet.spikes.scores import NO_SCORE, FloatArray, Int8Array, IntArray, Scores

RELATIVE_ZERO = 1e-12
"""A weekday-adjusted spread this small relative to the location is rounding, not spread."""


def trailing_window(x: FloatArray, width: int) -> FloatArray:
    """(width, n_events, n_days) array whose slot k of day d holds x[:, d-1-k] (0 before day 0)."""
    n_events, n_days = x.shape
    window = np.zeros((width, n_events, n_days))
    for k in range(min(width, n_days - 1)):
        window[k, :, k + 1 :] = x[:, : n_days - k - 1]
    return window


def sigma_floor(rule: str, location: FloatArray) -> FloatArray:
    """The least σ a day may be scored with, in articles, given its baseline location."""
    if rule == "poisson":
        # A Poisson count has variance equal to its mean; and one article is the
        # resolution of the data, so a σ below 1 only measures luck.
        return np.maximum(np.sqrt(np.maximum(location, 0.0)), 1.0)
    if rule == "one":
        return np.ones_like(location)
    if rule == "none":
        return np.zeros_like(location)
    raise ValueError(f"sigma_floor={rule!r}: expected 'poisson', 'one' or 'none'")


def tiers(z: FloatArray, params: DetectorParams) -> Int8Array:
    """0 below MEDIUM, 1 MEDIUM, 2 HIGH, 3 CRITICAL; -1 where z is NaN."""
    defined = ~np.isnan(z)
    zz = np.where(defined, z, -np.inf)
    code = (zz >= params.medium).astype(np.int8)
    code += zz >= params.high
    code += zz >= params.critical
    return np.where(defined, code, np.int8(NO_SCORE)).astype(np.int8)


def _checked(
    counts: npt.ArrayLike, first_seen: npt.ArrayLike, start_weekday: int
) -> tuple[IntArray, IntArray]:
    c = np.asarray(counts)
    f = np.asarray(first_seen)
    if c.ndim != 2:
        raise ValueError(f"counts is shaped {c.shape}: expected (n_events, n_days)")
    if c.size and not np.issubdtype(c.dtype, np.integer):
        raise ValueError(f"counts has dtype {c.dtype}: expected integers")
    if f.shape != (c.shape[0],):
        raise ValueError(f"first_seen is shaped {f.shape}: expected ({c.shape[0]},)")
    if f.size and not np.issubdtype(f.dtype, np.integer):
        raise ValueError(f"first_seen has dtype {f.dtype}: expected integers")
    if c.size and c.min() < 0:
        raise ValueError("counts holds negative values: expected article counts >= 0")
    if not 0 <= start_weekday <= 6:
        raise ValueError(f"start_weekday={start_weekday}: expected 0 (Monday) to 6 (Sunday)")
    return c.astype(np.int64, copy=False), f.astype(np.int64, copy=False)


def score(
    counts: IntArray, first_seen: IntArray, start_weekday: int, params: DetectorParams
) -> Scores:
    """Score every event-day of a batch.

    counts[e, d] are distinct articles of event e on day d (zero-filled, consecutive days,
    day 0 a `start_weekday`, Monday=0); first_seen[e] is the day event e was first seen,
    negative if before the span, >= n_days if not in it. Counts before first_seen are
    ignored. The baseline of day d is the `baseline_days` seen days before it. Each
    event's scores depend on its own row and `params` only, never on the other rows.
    """
    mentions, first = _checked(counts, first_seen, start_weekday)
    n_days = mentions.shape[1]
    days = np.arange(n_days)
    seen = days[None, :] >= first[:, None]
    start = np.maximum(first, 0)  # the first seen day the span holds
    history = np.clip(days[None, :] - start[:, None], 0, params.baseline_days)
    x = np.where(seen, mentions, 0).astype(np.float64)

    raw = trailing_window(x, params.baseline_days)
    mean, std = zscore.mean_std(raw, history)

    # With the weekday option the baseline is fitted to weekday-adjusted counts and then
    # scaled back to day d's weekday, so z, its floor and the tiers stay in articles.
    # The factors are the run's (params), never estimated here: an event's scores must
    # not depend on which other events share its batch.
    factors = params.weekday_factors if params.weekday else None
    if factors is not None:
        factor = weekday.day_factors(np.asarray(factors), n_days, start_weekday)[None, :]
        window = trailing_window(x / factor, params.baseline_days)
    else:
        factor = np.ones((1, n_days))
        window = raw

    if params.method == "robust":
        location, spread = robust.median_scale(window, history)
    elif factors is not None:
        location, spread = zscore.mean_std(window, history)
        # x / f is inexact: a window that is constant in exact arithmetic can keep a std
        # of a few ulps, which with sigma_floor="none" would become a huge z.
        spread = np.where(spread <= RELATIVE_ZERO * np.abs(location), 0.0, spread)
    else:
        location, spread = mean, std
    location = location * factor
    spread = spread * factor

    with np.errstate(invalid="ignore"):  # NaN spreads only where scored is False
        sigma = np.maximum(spread, sigma_floor(params.sigma_floor, location))
        scored = seen & (history >= params.min_history) & (sigma > 0)
    z = np.divide(x - location, sigma, out=np.full(x.shape, np.nan), where=scored)

    velocity = np.full(x.shape, np.nan)
    both = seen[:, 1:] & seen[:, :-1]
    velocity[:, 1:] = np.where(both, x[:, 1:] - x[:, :-1], np.nan)

    return Scores(
        mentions=mentions,
        seen=seen,
        history=history.astype(np.int64),
        baseline_mean=mean,
        baseline_std=std,
        z=z,
        velocity=velocity,
        tier=tiers(z, params),
    )

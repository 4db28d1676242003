"""Weekday adjustment: GDELT volume is heavier on weekdays (Monday most) than weekends.

The factors are a parameter of the run (`DetectorParams.weekday_factors`), never
estimated inside `detector.score`: an event's scores must depend on its own series and
the run's parameters only, not on which other events share its batch, so that a
republish, an overlapping batch or another batch size recomputes exactly the same rows.
Two estimators, for callers that own a whole data set:

`factors_from_daily_volume` (the fanout, once per run): the mean total volume of each
weekday relative to the mean over the seven weekdays, from daily totals of the window.
Days with no volume or under PARTIAL_DAY of the median day are taken for outages or
partial loads and left out; with fewer than two kept days of any weekday (under two
full weeks) there is no estimate (None: no adjustment).

`estimate_factors` (the evaluation, from labelled series): the factor of a weekday is
the mean count on that weekday relative to the event's own mean, averaged over events
weighted by their articles. Three guards keep spikes and odd events from setting the
profile:
- only event-days with a full baseline behind them are used, which leaves out each
  event's first days (their counts say when events break, not how busy a weekday is);
- each count is capped at 2 * median + 5 of its event's used days, so a spike adds
  little more than an ordinary busy day;
- an event weighs at most as much as an event at the 90th percentile of mean volume,
  so one huge story cannot outvote the rest.
Too few articles or event-days give all factors 1.

Both clip each factor to FACTOR_RANGE; as run parameters (`as_params`) factors are rounded
to FACTOR_DECIMALS, so JSON in a message or the ledger carries them exactly.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mentionfleet.spikes.params import WeekdayFactors
from mentionfleet.spikes.scores import BoolArray, FloatArray, IntArray

MIN_ARTICLES = 500
"""Articles `estimate_factors` needs on the used event-days before its factors are trusted."""
MIN_EVENT_DAYS = 20
"""Used event-days each weekday needs before the factors are trusted."""
CAP_MEDIAN_MULTIPLE = 2.0
CAP_OFFSET = 5.0
"""A count above CAP_MEDIAN_MULTIPLE * median + CAP_OFFSET of its event is capped there."""
WEIGHT_QUANTILE = 0.9
"""Events above this quantile of mean daily articles weigh as much as one at it."""
FACTOR_RANGE = (0.5, 2.0)
"""Clip on each factor, so one odd weekday cannot scale a baseline wildly."""
FACTOR_DECIMALS = 6
PARTIAL_DAY = 0.25
"""A day with less total volume than this fraction of the median day is left out."""
MIN_DAYS_PER_WEEKDAY = 2
"""Days of each weekday the daily volume needs before the factors are trusted."""


def _row_median(values: FloatArray, used: BoolArray) -> FloatArray:
    """Median of each row over its used days (0 for a row with none)."""
    n = used.sum(axis=1)
    ordered = np.sort(np.where(used, values, np.inf), axis=1)
    lo = np.maximum((n - 1) // 2, 0)[:, None]
    hi = np.minimum(n // 2, values.shape[1] - 1)[:, None]
    median = (
        0.5
        * (np.take_along_axis(ordered, lo, axis=1) + np.take_along_axis(ordered, hi, axis=1))[:, 0]
    )
    return np.where(n > 0, median, 0.0)


def estimate_factors(counts: FloatArray, used: BoolArray, start_weekday: int) -> FloatArray:
    """Relative volume per weekday (Monday first, mean 1) from the `used` event-days."""
    weekday = (start_weekday + np.arange(counts.shape[1])) % 7
    onehot = (weekday[:, None] == np.arange(7)[None, :]).astype(np.float64)  # (n_days, 7)
    days = used.astype(np.float64) @ onehot  # (n_events, 7): used days per weekday
    capped = np.minimum(
        counts, CAP_MEDIAN_MULTIPLE * _row_median(counts, used)[:, None] + CAP_OFFSET
    )
    articles = np.where(used, capped, 0.0) @ onehot  # (n_events, 7)
    if articles.sum() < MIN_ARTICLES or np.any(days.sum(axis=0) < MIN_EVENT_DAYS):
        return np.ones(7)
    active = articles.sum(axis=1) > 0
    days, articles = days[active], articles[active]
    mean = articles.sum(axis=1) / days.sum(axis=1)
    # Weighting event e by min(mean_e, cap) / mean_e turns a plain ratio of sums into
    # one where no event counts for more than an event of volume `cap`.
    shrink = np.minimum(1.0, np.quantile(mean, WEIGHT_QUANTILE) / mean)
    observed = (articles * shrink[:, None]).sum(axis=0)
    expected = (days * (mean * shrink)[:, None]).sum(axis=0)
    factors: FloatArray = observed / expected
    lo, hi = FACTOR_RANGE
    clipped: FloatArray = np.clip(factors / factors.mean(), lo, hi)
    return clipped


def series_factors(
    counts: IntArray, first_seen: IntArray, start_weekday: int, baseline_days: int
) -> WeekdayFactors:
    """`estimate_factors` over a whole data set of series, as run parameters.

    counts and first_seen as for `detector.score`; the used event-days are those with a
    full `baseline_days` of seen days behind them.
    """
    days = np.arange(counts.shape[1])
    seen = days[None, :] >= first_seen[:, None]
    since = days[None, :] - np.maximum(first_seen, 0)[:, None]
    x = np.where(seen, counts, 0).astype(np.float64)
    return as_params(estimate_factors(x, seen & (since >= baseline_days), start_weekday))


def factors_from_daily_volume(volumes: npt.ArrayLike, start_weekday: int) -> WeekdayFactors | None:
    """Weekday factors from total volume per day (day 0 a `start_weekday`, Monday=0).

    Each day is divided by the mean of the 7 days centred on it, which removes any trend
    in the window's volume (a growing window would otherwise inflate whichever weekday
    it ends on); the factor of a weekday is the mean of its days' ratios, normalised so
    the seven average 1. Only days whose whole centred week was kept count. None when a
    weekday has fewer than MIN_DAYS_PER_WEEKDAY such days (see the module docstring).
    """
    v = np.asarray(volumes, dtype=np.float64)
    if v.ndim != 1:
        raise ValueError(f"volumes is shaped {v.shape}: expected (n_days,)")
    bad = v[~(np.isfinite(v) & (v >= 0))]
    if bad.size:
        raise ValueError(f"volumes holds {bad[0]}: expected finite counts >= 0")
    if not 0 <= start_weekday <= 6:
        raise ValueError(f"start_weekday={start_weekday}: expected 0 (Monday) to 6 (Sunday)")
    positive = v > 0
    if v.size < 7 or not positive.any():
        return None
    kept = positive & (v >= PARTIAL_DAY * np.median(v[positive]))
    week = np.ones(7)
    centred_mean = np.convolve(v, week / 7, mode="valid")  # day i + 3 at index i
    whole_week = np.convolve(kept.astype(np.float64), week, mode="valid") == 7
    ratio = v[3 : v.size - 3][whole_week] / centred_mean[whole_week]
    weekday = ((start_weekday + np.arange(3, v.size - 3)) % 7)[whole_week]
    days = np.bincount(weekday, minlength=7)
    if days.min() < MIN_DAYS_PER_WEEKDAY:
        return None
    means = np.bincount(weekday, weights=ratio, minlength=7) / days
    lo, hi = FACTOR_RANGE
    return as_params(np.clip(means / means.mean(), lo, hi))


def as_params(factors: FloatArray) -> WeekdayFactors:
    """Seven factors as `DetectorParams.weekday_factors` (rounded, so JSON keeps them exact)."""
    if factors.shape != (7,):
        raise ValueError(f"factors shaped {factors.shape}: expected (7,)")
    r = [round(float(f), FACTOR_DECIMALS) for f in factors]
    return (r[0], r[1], r[2], r[3], r[4], r[5], r[6])


def day_factors(factors: FloatArray, n_days: int, start_weekday: int) -> FloatArray:
    """The factor of each day of a span starting on `start_weekday` (Monday=0)."""
    return factors[(start_weekday + np.arange(n_days)) % 7]

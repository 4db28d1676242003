"""Weekday adjustment: GDELT volume is heavier on weekdays (Monday most) than weekends.

Factors are estimated from the batch itself, since every event in it shares the
calendar: the factor of a weekday is the mean count on that weekday relative to the
event's own mean, averaged over events weighted by their articles. Three guards keep
spikes and odd events from setting the profile for a whole batch:
- only event-days with a full baseline behind them are used, which leaves out each
  event's first days (their counts say when events break, not how busy a weekday is);
- each count is capped at 2 * median + 5 of its event's used days, so a spike adds
  little more than an ordinary busy day;
- an event weighs at most as much as an event at the 90th percentile of mean volume,
  so one huge story cannot outvote the rest.
A batch too small to estimate the factors reliably gets no adjustment (all factors 1).
"""

from __future__ import annotations

import numpy as np

from mentionfleet.spikes.scores import BoolArray, FloatArray

MIN_ARTICLES = 500
"""Articles a batch needs on the used event-days before its factors are trusted."""
MIN_EVENT_DAYS = 20
"""Used event-days each weekday needs before the factors are trusted."""
CAP_MEDIAN_MULTIPLE = 2.0
CAP_OFFSET = 5.0
"""A count above CAP_MEDIAN_MULTIPLE * median + CAP_OFFSET of its event is capped there."""
WEIGHT_QUANTILE = 0.9
"""Events above this quantile of mean daily articles weigh as much as one at it."""
FACTOR_RANGE = (0.5, 2.0)
"""Clip on each factor, so one odd weekday cannot scale a baseline wildly."""


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


def batch_factors(counts: FloatArray, used: BoolArray, start_weekday: int) -> FloatArray:
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


def day_factors(factors: FloatArray, n_days: int, start_weekday: int) -> FloatArray:
    """The factor of each day of a span starting on `start_weekday` (Monday=0)."""
    return factors[(start_weekday + np.arange(n_days)) % 7]

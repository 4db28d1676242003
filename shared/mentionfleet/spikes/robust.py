"""Robust baseline: median and MAD of the trailing window (Iglewicz and Hoaglin).

The modified z-score is 0.6745 (x - median) / MAD, i.e. (x - median) / (MAD / 0.6745):
MAD / 0.6745 estimates σ for normal data. Small integer counts often have MAD = 0 (most
of the window equal to the median); then the scale falls back to 1.253314 * meanAD
(mean absolute deviation from the median, scaled to estimate σ), and the σ floor of
DetectorParams still applies on top, so an all-equal window never divides by 0.
Windows are laid out as in `zscore`.
"""

from __future__ import annotations

import numpy as np

from mentionfleet.spikes.scores import FloatArray, IntArray
from mentionfleet.spikes.zscore import valid_slots

MAD_CONSISTENCY = 0.6745
MEAN_AD_CONSISTENCY = 1.253314


def _masked_median(values: FloatArray, history: IntArray) -> FloatArray:
    """Median of the first history[e, d] slots of each window; NaN where history is 0."""
    valid = valid_slots(history, values.shape[0])
    # Padding sorts last, so the seen values fill the first `history` sorted slots.
    ordered = np.sort(np.where(valid, values, np.inf), axis=0)
    lo = np.maximum((history - 1) // 2, 0)[None]
    hi = (history // 2)[None]
    a = np.take_along_axis(ordered, lo, axis=0)[0]
    b = np.take_along_axis(ordered, hi, axis=0)[0]
    median = 0.5 * (a + b)  # inf where history is 0: replaced below
    return np.where(history > 0, median, np.nan)


def median_scale(window: FloatArray, history: IntArray) -> tuple[FloatArray, FloatArray]:
    """Median (NaN where history is 0) and robust σ estimate (NaN where history < 2)."""
    valid = valid_slots(history, window.shape[0])
    median = _masked_median(window, history)
    deviation = np.where(valid, np.abs(window - np.nan_to_num(median)[None]), 0.0)
    mad = _masked_median(deviation, history)
    h = history.astype(np.float64)
    mean_ad = np.divide(deviation.sum(axis=0), h, out=np.zeros(h.shape), where=history > 0)
    scale = np.where(mad > 0, mad / MAD_CONSISTENCY, MEAN_AD_CONSISTENCY * mean_ad)
    return median, np.where(history > 1, scale, np.nan)

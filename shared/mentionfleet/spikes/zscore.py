"""Classic baseline: mean and sample standard deviation of the trailing window.

A window is shaped (baseline_days, n_events, n_days): slot k of day d holds day d-1-k,
and slots k >= history[e, d] are padding (not seen, or before the span). Slot-major
layout keeps each slot a contiguous 2-D array, which makes the per-slot loops fast.
"""

from __future__ import annotations

import numpy as np

from mentionfleet.spikes.scores import BoolArray, FloatArray, IntArray


def valid_slots(history: IntArray, width: int) -> BoolArray:
    """Which window slots hold a seen day: the first history[e, d] of them."""
    return np.arange(width)[:, None, None] < history[None, :, :]


def mean_std(window: FloatArray, history: IntArray) -> tuple[FloatArray, FloatArray]:
    """Mean (NaN where history is 0) and ddof=1 std (NaN where history < 2) of each window."""
    h = history.astype(np.float64)
    total = np.zeros(history.shape)
    for k in range(window.shape[0]):
        total += np.where(k < history, window[k], 0.0)
    mean = np.divide(total, h, out=np.full(history.shape, np.nan), where=history > 0)
    # Two passes (mean, then squared deviations) keep small-count variances exact enough
    # to match a reference computation to 1e-9; a sum of squares would not.
    centre = np.nan_to_num(mean)
    squares = np.zeros(history.shape)
    for k in range(window.shape[0]):
        deviation = np.where(k < history, window[k] - centre, 0.0)
        squares += deviation * deviation
    var = np.divide(squares, h - 1.0, out=np.full(history.shape, np.nan), where=history > 1)
    return mean, np.sqrt(var)

"""What the detector returns for a batch: one value per event-day, NaN where undefined.

The store writes NaN as NULL, so every "undefined" below becomes a NULL column; nothing
here is ever ±inf.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from mentionfleet.spikes.params import Tier

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
Int8Array = npt.NDArray[np.int8]

NO_SCORE = -1
"""Tier code where z is NaN (not seen yet, or too little history)."""
NO_SPIKE = 0
"""Tier code of a scored day below the MEDIUM threshold."""

_TIERS: dict[int, Tier] = {1: Tier.MEDIUM, 2: Tier.HIGH, 3: Tier.CRITICAL}
_CODES: dict[Tier, int] = {tier: code for code, tier in _TIERS.items()}


def tier_of(code: int) -> Tier | None:
    """The Tier of a tier code; None for NO_SPIKE and NO_SCORE."""
    if code in (NO_SCORE, NO_SPIKE):
        return None
    try:
        return _TIERS[int(code)]
    except KeyError:
        raise ValueError(f"tier code {code}: expected -1, 0, 1, 2 or 3") from None


def tier_name(code: int) -> str | None:
    """The stored tier name of a tier code ("MEDIUM", ...); None (NULL) below MEDIUM."""
    tier = tier_of(code)
    return None if tier is None else tier.value


def tier_code(tier: Tier) -> int:
    """The code of a Tier in Scores.tier (MEDIUM=1, HIGH=2, CRITICAL=3)."""
    return _CODES[tier]


@dataclass(frozen=True)
class Scores:
    """Per event-day results of `detector.score`; every array is shaped (n_events, n_days).

    baseline_mean and baseline_std describe the trailing window of seen days as plain
    sample statistics of the raw counts (std with ddof=1, before any σ floor), whatever
    the method; z is the method's score (see docs/spike-detection.md).
    """

    mentions: IntArray
    """The input counts (int64)."""
    seen: BoolArray
    """day >= first_seen."""
    history: IntArray
    """Seen days in the trailing baseline window used for that day."""
    baseline_mean: FloatArray
    """Mean of the window; NaN where history is 0."""
    baseline_std: FloatArray
    """Sample std (ddof=1) of the window, before any floor; NaN where history < 2."""
    z: FloatArray
    """NaN where not seen or history < min_history."""
    velocity: FloatArray
    """x[d] - x[d-1]; NaN on the first seen day (or the first day of the span) and before."""
    tier: Int8Array
    """0 no spike, 1 MEDIUM, 2 HIGH, 3 CRITICAL, -1 where z is NaN."""

    def __post_init__(self) -> None:
        shape = self.mentions.shape
        for f in fields(self):
            array = getattr(self, f.name)
            if array.shape != shape:
                raise ValueError(f"Scores.{f.name} is shaped {array.shape}: expected {shape}")

    @property
    def n_events(self) -> int:
        return int(self.mentions.shape[0])

    @property
    def n_days(self) -> int:
        return int(self.mentions.shape[1])

    @property
    def flagged(self) -> BoolArray:
        """Days at MEDIUM or above."""
        return self.tier >= 1

"""A model of GDELT daily article counts per event, with spikes injected where we choose.

Both the table generator (which expands these counts into mention rows) and the detector
evaluation use it, so the detector is judged on the same shape of data the fleet runs on.

The shape it reproduces:
- most events are "flash" events: mentioned on the day they are first seen, perhaps
  the next, and then never again;
- a minority are ongoing stories with a steady, heavy-tailed base rate;
- GDELT volume is heavier on weekdays (Monday most) than at weekends;
- no mentions before the day an event is first seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

# Relative volume by weekday, Monday first (date.weekday() order); mean 1.0.
WEEKDAY_PROFILE: FloatArray = np.array([1.30, 1.15, 1.10, 1.05, 1.00, 0.70, 0.70])


class BaseRate(StrEnum):
    """Classes of an ongoing event's mean daily articles, for evaluation tables."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def bounds(self) -> tuple[float, float]:
        return {
            BaseRate.LOW: (0.3, 2.0),
            BaseRate.MEDIUM: (2.0, 10.0),
            BaseRate.HIGH: (10.0, 60.0),
        }[self]


@dataclass(frozen=True)
class Series:
    """Daily counts for a set of events over consecutive days starting on `start_weekday`.

    `counts[e, d]` is the number of distinct articles mentioning event e on day d;
    `first_seen[e]` is the index of the day event e was first seen (counts before it are 0);
    `rate[e, d]` is the expected count the generator used, before any spike;
    `spike[e, d]` is the injected multiple of that rate (0 where nothing was injected).
    """

    counts: IntArray
    first_seen: IntArray
    rate: FloatArray
    spike: FloatArray
    start_weekday: int

    @property
    def n_events(self) -> int:
        return int(self.counts.shape[0])

    @property
    def n_days(self) -> int:
        return int(self.counts.shape[1])


def weekday_factors(n_days: int, start_weekday: int, amplitude: float) -> FloatArray:
    """Per-day volume multipliers; amplitude 0 is flat, 1 is the full weekday profile."""
    if not 0 <= start_weekday <= 6:
        raise ValueError(f"start_weekday={start_weekday}: expected 0 (Monday) to 6 (Sunday)")
    profile = 1.0 + amplitude * (WEEKDAY_PROFILE - 1.0)
    return profile[(start_weekday + np.arange(n_days)) % 7]


def ongoing_rates(
    rng: np.random.Generator, n: int, low: float = 0.3, high: float = 60.0
) -> FloatArray:
    """Heavy-tailed base rates: log-uniform between low and high."""
    return np.exp(rng.uniform(np.log(low), np.log(high), size=n))


def flash_rates(rng: np.random.Generator, n: int) -> FloatArray:
    """First-day articles of a flash event: mostly 1-3, a long tail of big stories."""
    return 1.0 + rng.pareto(1.6, size=n) * 1.5


def simulate(
    rng: np.random.Generator,
    *,
    base_rate: FloatArray,
    first_seen: IntArray,
    n_days: int,
    ongoing: npt.NDArray[np.bool_],
    start_weekday: int = 0,
    weekday_amplitude: float = 1.0,
    spike_at: IntArray | None = None,
    spike_magnitude: FloatArray | None = None,
) -> Series:
    """Draw Poisson counts for each event.

    Ongoing events keep `base_rate` (shaped by weekday) every day from `first_seen`;
    flash events get `base_rate` on their first day, a tenth of it the next day, then 0.
    `spike_at[e] >= 0` injects a spike of `spike_magnitude[e]` times the day's expected
    rate on that day (at least 1 article above it, so a spike is never invisible).
    """
    n = base_rate.shape[0]
    if first_seen.shape != (n,) or ongoing.shape != (n,):
        raise ValueError("base_rate, first_seen and ongoing must have one entry per event")
    days = np.arange(n_days)
    since = days[None, :] - first_seen[:, None]
    shape = weekday_factors(n_days, start_weekday, weekday_amplitude)[None, :]
    flash_profile = np.where(since == 0, 1.0, np.where(since == 1, 0.1, 0.0))
    profile = np.where(ongoing[:, None], (since >= 0) * shape, flash_profile)
    rate = base_rate[:, None] * profile

    spike = np.zeros((n, n_days))
    expected = rate.copy()
    if spike_at is not None:
        if spike_magnitude is None or spike_magnitude.shape != (n,) or spike_at.shape != (n,):
            raise ValueError("spike_at and spike_magnitude must have one entry per event")
        rows = np.flatnonzero(spike_at >= 0)
        cols = spike_at[rows]
        if np.any(cols >= n_days) or np.any(cols < first_seen[rows]):
            raise ValueError("a spike day lies outside its event's seen days")
        spike[rows, cols] = spike_magnitude[rows]
        expected[rows, cols] = np.maximum(
            rate[rows, cols] * spike_magnitude[rows], rate[rows, cols] + 1.0
        )
    counts = rng.poisson(expected).astype(np.int64)
    # A spike is deterministic-ish: never let Poisson noise erase most of it.
    if spike_at is not None:
        rows = np.flatnonzero(spike_at >= 0)
        cols = spike_at[rows]
        counts[rows, cols] = np.maximum(counts[rows, cols], np.rint(expected[rows, cols]))
    return Series(
        counts=counts,
        first_seen=first_seen.astype(np.int64),
        rate=rate,
        spike=spike,
        start_weekday=start_weekday,
    )


def labelled(
    rng: np.random.Generator,
    *,
    n_events: int,
    n_days: int,
    base_rate: BaseRate,
    magnitude: float | None,
    weekday_amplitude: float,
    history_days: int,
) -> Series:
    """Ongoing series of one base-rate class for evaluation.

    Each event is first seen at day 0; with `magnitude`, each gets one spike at a random
    day after `history_days` of quiet history (None gives quiet series only).
    """
    if n_days <= history_days:
        raise ValueError(f"n_days={n_days}: expected more than history_days={history_days}")
    low, high = base_rate.bounds
    rates = ongoing_rates(rng, n_events, low, high)
    first_seen = np.zeros(n_events, dtype=np.int64)
    spike_at = None
    spike_magnitude = None
    if magnitude is not None:
        spike_at = rng.integers(history_days, n_days, size=n_events).astype(np.int64)
        spike_magnitude = np.full(n_events, float(magnitude))
    return simulate(
        rng,
        base_rate=rates,
        first_seen=first_seen,
        n_days=n_days,
        ongoing=np.ones(n_events, dtype=bool),
        start_weekday=int(rng.integers(0, 7)),
        weekday_amplitude=weekday_amplitude,
        spike_at=spike_at,
        spike_magnitude=spike_magnitude,
    )

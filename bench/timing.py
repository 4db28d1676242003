"""Timing on a shared, noisy machine: interleaved rounds, medians, ratios within a round.

Every contender runs once per round, in a rotated order, so a burst of load from
elsewhere hits all of them alike; a ratio is taken inside each round and the median of
those ratios reported, which is steadier than a ratio of two medians.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Timings:
    seconds: Mapping[str, tuple[float, ...]]
    """Per contender, one measurement per round."""

    def median(self, name: str) -> float:
        return statistics.median(self.seconds[name])

    def spread(self, name: str) -> tuple[float, float]:
        values = self.seconds[name]
        return min(values), max(values)

    def ratio(self, name: str, reference: str) -> float:
        """Median over rounds of reference time / this time (throughput relative to it)."""
        pairs = zip(self.seconds[reference], self.seconds[name], strict=True)
        return statistics.median(ref / own for ref, own in pairs)

    def best_ratio(self, name: str, reference: str) -> float:
        """Fastest reference / fastest own: load from elsewhere only ever adds time."""
        return min(self.seconds[reference]) / min(self.seconds[name])


def interleaved(contenders: Mapping[str, Callable[[], float]], rounds: int) -> Timings:
    """Run each contender once per round; each returns the seconds of its timed part."""
    names = list(contenders)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            seconds[name].append(contenders[name]())
    return Timings({name: tuple(v) for name, v in seconds.items()})


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def repeat_median(fn: Callable[[], object], *, min_seconds: float, min_runs: int = 3) -> float:
    """Median seconds of `fn` over at least `min_runs` runs and `min_seconds` in all."""
    runs: list[float] = []
    began = time.perf_counter()
    while len(runs) < min_runs or time.perf_counter() - began < min_seconds:
        runs.append(timed(fn))
    return statistics.median(runs)


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}"


def fmt_s(value: float) -> str:
    return f"{value:.3f}"


def fmt_ratio(value: float) -> str:
    return f"{value:.2f}x"


def spread_text(values: Sequence[float], digits: int = 2) -> str:
    return f"{min(values):.{digits}f}–{max(values):.{digits}f}"

"""How good is a detector: recall, false positives and tier precision on labelled series.

Pure: the series come from `mentionfleet.gdelt.series` (the model the data generator
uses), seeded, so the same setup always gives the same numbers. Every detector is run
on the same series, so differences between them are not sampling noise of the data.

Definitions used throughout:
- a *spike day* is a day the generator injected a spike on; every other day is quiet;
- a day is *flagged* when its tier is MEDIUM or above; a spike day without a z (too
  little history) counts as missed;
- recall of a cell: flagged spike days / spike days;
- false-positive rate (FPR): flagged days / scored days (days with a z) over the quiet
  series of ongoing events (no spike at all, so nothing but noise and weekday shape);
  flash events are reported on their own line, since almost all their days are zeros;
- precision of a tier: spike days among the days at exactly that tier, over every
  series of the evaluation (spiked, quiet and flash alike);
- weekday factors: unless the params give them, estimated once per cell from all of its
  series (a cell stands for a run), then every series is scored with them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mentionfleet.gdelt.series import BaseRate, Series, flash_rates, labelled, simulate
from mentionfleet.spikes import weekday
from mentionfleet.spikes.detector import score
from mentionfleet.spikes.params import DetectorParams, Tier
from mentionfleet.spikes.scores import tier_code

MAGNITUDES: tuple[float, ...] = (2.0, 3.0, 5.0, 10.0)
"""Injected spike sizes, as multiples of the day's expected count."""
GOAL_MAGNITUDE = 5.0
GOAL_RATES: tuple[BaseRate, ...] = (BaseRate.MEDIUM, BaseRate.HIGH)
GOAL_RECALL = 0.95
GOAL_FPR = 0.01
FLASH = "flash"


@dataclass(frozen=True)
class Setup:
    """What to generate. Each (base rate, seasonality, magnitude) cell has `events` series."""

    seed: int = 2024
    events: int = 500
    n_days: int = 35
    history_days: int = 7
    """Quiet days before the earliest possible spike (spikes fall on later days)."""
    magnitudes: tuple[float, ...] = MAGNITUDES
    weekday_amplitudes: tuple[float, ...] = (0.0, 1.0)
    """0 is flat, 1 the full GDELT weekday profile."""

    def __post_init__(self) -> None:
        if self.events < 1:
            raise ValueError(f"events={self.events}: expected at least 1")
        if self.n_days <= self.history_days:
            raise ValueError(
                f"n_days={self.n_days}: expected more than history_days={self.history_days}"
            )


@dataclass(frozen=True)
class Cell:
    """One batch of labelled series: `magnitude` None means quiet (no spikes)."""

    base_rate: str
    """A BaseRate value, or "flash" for quiet flash events."""
    weekday_amplitude: float
    magnitude: float | None
    series: Series


@dataclass(frozen=True)
class RecallCell:
    base_rate: str
    weekday: bool
    magnitude: float
    spikes: int
    detected: int
    """Spike days at MEDIUM or above."""
    critical: int
    """Spike days at CRITICAL."""
    unscored: int
    """Spike days without a z (history below min_history)."""

    @property
    def recall(self) -> float:
        return self.detected / self.spikes if self.spikes else float("nan")


@dataclass(frozen=True)
class QuietCell:
    base_rate: str
    weekday: bool
    seen_days: int
    scored_days: int
    flagged: int
    """Scored days at MEDIUM or above."""
    critical: int

    @property
    def fpr(self) -> float:
        return self.flagged / self.scored_days if self.scored_days else float("nan")

    @property
    def fpr_critical(self) -> float:
        return self.critical / self.scored_days if self.scored_days else float("nan")

    @property
    def coverage(self) -> float:
        """Fraction of seen days that got a z."""
        return self.scored_days / self.seen_days if self.seen_days else float("nan")


@dataclass(frozen=True)
class TierCount:
    tier: Tier
    flagged: int
    """Days at exactly this tier."""
    true: int
    """Of which spike days."""

    @property
    def precision(self) -> float:
        return self.true / self.flagged if self.flagged else float("nan")


@dataclass(frozen=True)
class HistoryCount:
    """False positives of the quiet ongoing series by the history the day was scored with."""

    history: int
    scored_days: int
    flagged: int

    @property
    def fpr(self) -> float:
        return self.flagged / self.scored_days if self.scored_days else float("nan")


@dataclass(frozen=True)
class DetectorResult:
    name: str
    params: DetectorParams
    recall: tuple[RecallCell, ...]
    quiet: tuple[QuietCell, ...]
    tiers: tuple[TierCount, ...]
    by_history: tuple[HistoryCount, ...]

    def _ongoing_quiet(self) -> list[QuietCell]:
        return [q for q in self.quiet if q.base_rate != FLASH]

    @property
    def fpr(self) -> float:
        """Flagged / scored days over all quiet ongoing series."""
        cells = self._ongoing_quiet()
        scored = sum(q.scored_days for q in cells)
        return sum(q.flagged for q in cells) / scored if scored else float("nan")

    @property
    def fpr_critical(self) -> float:
        cells = self._ongoing_quiet()
        scored = sum(q.scored_days for q in cells)
        return sum(q.critical for q in cells) / scored if scored else float("nan")

    def min_recall(self, magnitude: float, at_least: bool = False) -> float:
        """Lowest recall over the medium/high base-rate cells of `magnitude` (or more)."""
        values = [
            r.recall
            for r in self.recall
            if (r.magnitude >= magnitude if at_least else r.magnitude == magnitude)
            and r.base_rate in {b.value for b in GOAL_RATES}
        ]
        return min(values) if values else float("nan")

    @property
    def goal_recall(self) -> float:
        """Lowest recall over the cells the goal covers (magnitude >= 5, medium/high rate)."""
        return self.min_recall(GOAL_MAGNITUDE, at_least=True)

    @property
    def meets_goals(self) -> bool:
        return self.goal_recall >= GOAL_RECALL and self.fpr <= GOAL_FPR

    def recall_of(self, base_rate: str, weekday: bool, magnitude: float) -> RecallCell:
        for r in self.recall:
            if (r.base_rate, r.weekday, r.magnitude) == (base_rate, weekday, magnitude):
                return r
        raise KeyError((base_rate, weekday, magnitude))

    def quiet_of(self, base_rate: str, weekday: bool) -> QuietCell:
        for q in self.quiet:
            if (q.base_rate, q.weekday) == (base_rate, weekday):
                return q
        raise KeyError((base_rate, weekday))

    def tier(self, tier: Tier) -> TierCount:
        return next(t for t in self.tiers if t.tier is tier)


@dataclass(frozen=True)
class Evaluation:
    setup: Setup
    results: tuple[DetectorResult, ...] = field(default_factory=tuple)

    def result(self, name: str) -> DetectorResult:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)


def _vary(**changes: Any) -> DetectorParams:
    # model_copy(update=...) would skip validation; a variation must be a valid message.
    return DetectorParams.model_validate({**DetectorParams().model_dump(), **changes})


def detectors() -> dict[str, DetectorParams]:
    """The detectors `mentionfleet evaluate` reports on: the default and its alternatives."""
    return {
        "default": DetectorParams(),
        "no-weekday": _vary(weekday=False),
        "robust": _vary(method="robust"),
        "robust no-weekday": _vary(method="robust", weekday=False),
    }


def candidates() -> dict[str, DetectorParams]:
    """The default and one-change-at-a-time variations of it: the evidence for each choice."""
    old_tiers = {"medium": 2.0, "high": 2.5, "critical": 3.0}
    changes: dict[str, dict[str, Any]] = {
        "default": {},
        "weekday off": {"weekday": False},
        "floor one": {"sigma_floor": "one"},
        "floor none": {"sigma_floor": "none"},
        "tiers 2/2.5/3": old_tiers,
        "tiers 2/2.5/3, floor none, weekday off": {
            **old_tiers,
            "sigma_floor": "none",
            "weekday": False,
        },
        "tiers 3/4/6": {"medium": 3.0, "high": 4.0, "critical": 6.0},
        "tiers 4/5/7": {"medium": 4.0},
        "min history 2": {"min_history": 2},
        "min history 3": {"min_history": 3},
        "min history 7": {"min_history": 7},
        "baseline 14 days": {"baseline_days": 14},
        "robust": {"method": "robust"},
    }
    return {name: _vary(**update) for name, update in changes.items()}


def _rng(seed: int, *key: int) -> np.random.Generator:
    # One stream per cell, keyed on its place in the grid: a cell's series do not depend
    # on how many random numbers the cells before it drew.
    return np.random.default_rng([seed, *key])


def build_cells(setup: Setup) -> list[Cell]:
    """The labelled batches: spiked and quiet ongoing series per class, plus flash events."""
    cells: list[Cell] = []
    magnitudes: list[float | None] = [None, *setup.magnitudes]
    for i, rate in enumerate(BaseRate):
        for j, amplitude in enumerate(setup.weekday_amplitudes):
            for k, magnitude in enumerate(magnitudes):
                series = labelled(
                    _rng(setup.seed, i, j, k),
                    n_events=setup.events,
                    n_days=setup.n_days,
                    base_rate=rate,
                    magnitude=magnitude,
                    weekday_amplitude=amplitude,
                    history_days=setup.history_days,
                )
                cells.append(Cell(rate.value, amplitude, magnitude, series))
    rng = _rng(setup.seed, len(BaseRate), 0, 0)
    flash = simulate(
        rng,
        base_rate=flash_rates(rng, setup.events),
        first_seen=rng.integers(-2, setup.n_days, size=setup.events).astype(np.int64),
        n_days=setup.n_days,
        ongoing=np.zeros(setup.events, dtype=bool),
        start_weekday=int(rng.integers(0, 7)),
        weekday_amplitude=0.0,  # the generator gives flash events no weekday shape
    )
    cells.append(Cell(FLASH, 0.0, None, flash))
    return cells


def cell_params(params: DetectorParams, cell: Cell) -> DetectorParams:
    """`params` with weekday factors estimated from the whole cell, unless given.

    A cell stands for one run: its factors come from all of its series at once, as the
    fanout's come from the whole window, so no series is scored with a batch's estimate.
    """
    if not params.weekday or params.weekday_factors is not None:
        return params
    s = cell.series
    factors = weekday.series_factors(s.counts, s.first_seen, s.start_weekday, params.baseline_days)
    return DetectorParams.model_validate({**params.model_dump(), "weekday_factors": factors})


def evaluate_one(name: str, params: DetectorParams, cells: Sequence[Cell]) -> DetectorResult:
    """Score every cell with `params` and count what it found."""
    recall: list[RecallCell] = []
    quiet: list[QuietCell] = []
    tier_flagged = dict.fromkeys(Tier, 0)
    tier_true = dict.fromkeys(Tier, 0)
    max_history = params.baseline_days
    hist_scored = np.zeros(max_history + 1, dtype=np.int64)
    hist_flagged = np.zeros(max_history + 1, dtype=np.int64)

    for cell in cells:
        s = cell.series
        scores = score(s.counts, s.first_seen, s.start_weekday, cell_params(params, cell))
        is_spike = s.spike > 0
        scored = ~np.isnan(scores.z)
        flagged = scores.tier >= tier_code(Tier.MEDIUM)
        critical = scores.tier >= tier_code(Tier.CRITICAL)
        weekly = cell.weekday_amplitude > 0
        for tier in Tier:
            at = scores.tier == tier_code(tier)
            tier_flagged[tier] += int(at.sum())
            tier_true[tier] += int((at & is_spike).sum())
        if cell.magnitude is None:
            quiet.append(
                QuietCell(
                    base_rate=cell.base_rate,
                    weekday=weekly,
                    seen_days=int(scores.seen.sum()),
                    scored_days=int(scored.sum()),
                    flagged=int(flagged.sum()),
                    critical=int(critical.sum()),
                )
            )
            if cell.base_rate != FLASH:
                h = scores.history[scored]
                hist_scored += np.bincount(h, minlength=max_history + 1)
                hist_flagged += np.bincount(scores.history[flagged], minlength=max_history + 1)
        else:
            recall.append(
                RecallCell(
                    base_rate=cell.base_rate,
                    weekday=weekly,
                    magnitude=cell.magnitude,
                    spikes=int(is_spike.sum()),
                    detected=int((flagged & is_spike).sum()),
                    critical=int((critical & is_spike).sum()),
                    unscored=int((~scored & is_spike).sum()),
                )
            )

    return DetectorResult(
        name=name,
        params=params,
        recall=tuple(recall),
        quiet=tuple(quiet),
        tiers=tuple(TierCount(t, tier_flagged[t], tier_true[t]) for t in Tier),
        by_history=tuple(
            HistoryCount(h, int(hist_scored[h]), int(hist_flagged[h]))
            for h in range(max_history + 1)
            if hist_scored[h]
        ),
    )


def evaluate(setup: Setup, detectors: Mapping[str, DetectorParams]) -> Evaluation:
    """Run each named detector on the same labelled series."""
    cells = build_cells(setup)
    return Evaluation(
        setup=setup,
        results=tuple(evaluate_one(name, p, cells) for name, p in detectors.items()),
    )


def _number(value: float) -> float | None:
    # JSON has no NaN: an undefined rate (nothing to divide by) is null.
    return None if np.isnan(value) else round(value, 6)


def to_json(evaluation: Evaluation) -> dict[str, Any]:
    """A plain dict of the evaluation, ready for json.dumps."""
    s = evaluation.setup
    return {
        "setup": {
            "seed": s.seed,
            "events_per_cell": s.events,
            "n_days": s.n_days,
            "history_days": s.history_days,
            "magnitudes": list(s.magnitudes),
            "weekday_amplitudes": list(s.weekday_amplitudes),
        },
        "goals": {
            "recall": GOAL_RECALL,
            "recall_min_magnitude": GOAL_MAGNITUDE,
            "recall_base_rates": [b.value for b in GOAL_RATES],
            "fpr": GOAL_FPR,
        },
        "detectors": [
            {
                "name": r.name,
                "params": r.params.model_dump(mode="json"),
                "meets_goals": r.meets_goals,
                "goal_recall": _number(r.goal_recall),
                "min_recall_by_magnitude": {
                    f"{m:g}": _number(r.min_recall(m)) for m in evaluation.setup.magnitudes
                },
                "fpr": _number(r.fpr),
                "fpr_critical": _number(r.fpr_critical),
                "recall": [
                    {
                        "base_rate": c.base_rate,
                        "weekday": c.weekday,
                        "magnitude": c.magnitude,
                        "spikes": c.spikes,
                        "detected": c.detected,
                        "critical": c.critical,
                        "unscored": c.unscored,
                        "recall": _number(c.recall),
                    }
                    for c in r.recall
                ],
                "quiet": [
                    {
                        "base_rate": q.base_rate,
                        "weekday": q.weekday,
                        "seen_days": q.seen_days,
                        "scored_days": q.scored_days,
                        "flagged": q.flagged,
                        "critical": q.critical,
                        "fpr": _number(q.fpr),
                        "coverage": _number(q.coverage),
                    }
                    for q in r.quiet
                ],
                "tiers": [
                    {
                        "tier": t.tier.value,
                        "flagged": t.flagged,
                        "true": t.true,
                        "precision": _number(t.precision),
                    }
                    for t in r.tiers
                ],
                "fpr_by_history": [
                    {
                        "history": h.history,
                        "scored_days": h.scored_days,
                        "flagged": h.flagged,
                        "fpr": _number(h.fpr),
                    }
                    for h in r.by_history
                ],
            }
            for r in evaluation.results
        ],
    }

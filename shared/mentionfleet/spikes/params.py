"""Detector parameters: one object, carried in every batch message.

A batch is scored with the parameters it was published with, so reprocessing an old
batch reproduces its old scores even after the defaults change. The defaults were chosen
with `mentionfleet evaluate`; docs/spike-detection.md has the figures.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WeekdayFactors = tuple[float, float, float, float, float, float, float]
"""Relative volume per weekday, Monday first."""
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FACTOR_LIMITS = (0.2, 5.0)
"""Least and greatest factor a run may carry: beyond them the profile is not a weekday
rhythm but broken data (a missing day, a partial load)."""


class Tier(StrEnum):
    """Confidence tier of a spike, from the z-score thresholds in DetectorParams."""

    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class DetectorParams(BaseModel):
    """How a daily series is scored; see docs/spike-detection.md for the formula.

    z = (x - location) / max(spread, floor) over the trailing `baseline_days` seen days:
    location/spread are mean/std ("zscore") or median/scaled MAD ("robust"); the
    floor is max(√location, 1) ("poisson"), 1 ("one") or nothing ("none", then z is
    NULL where the spread is 0). `weekday` fits the baseline to counts divided by
    `weekday_factors`; those are part of the run's parameters (estimated once per run,
    never from a batch), so an event's scores do not depend on which batch it is in.
    A day gets a z and a tier only with at least `min_history` seen days in its window.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: Literal["zscore", "robust"] = "zscore"
    baseline_days: int = Field(default=7, ge=2, le=60, description="trailing days in the baseline")
    min_history: int = Field(
        default=4, ge=2, le=60, description="seen days before a day gets a z-score and a tier"
    )
    sigma_floor: Literal["poisson", "one", "none"] = "poisson"
    weekday: bool = Field(
        default=True,
        description="adjust for weekday volume using weekday_factors, "
        "which the fanout estimates once per run",
    )
    weekday_factors: WeekdayFactors | None = Field(
        default=None,
        description="relative GDELT volume per weekday, Monday first, mean 1 "
        "(only ratios matter); None means no adjustment",
    )
    medium: float = Field(default=3.5, gt=0, description="least z of a MEDIUM spike")
    high: float = Field(default=5.0, gt=0, description="least z of a HIGH spike")
    critical: float = Field(default=7.0, gt=0, description="least z of a CRITICAL spike")

    @field_validator("weekday_factors")
    @classmethod
    def _sane_factors(cls, value: WeekdayFactors | None) -> WeekdayFactors | None:
        if value is None:
            return None
        lo, hi = FACTOR_LIMITS
        for day, factor in zip(WEEKDAYS, value, strict=True):
            if not (math.isfinite(factor) and lo <= factor <= hi):
                raise ValueError(
                    f"weekday_factors: {day} is {factor}: expected a finite value "
                    f"from {lo} to {hi} (relative volume, mean 1)"
                )
        return value

    @model_validator(mode="after")
    def _ordered(self) -> DetectorParams:
        if not self.medium <= self.high <= self.critical:
            raise ValueError(
                f"tier thresholds medium={self.medium}, high={self.high}, "
                f"critical={self.critical}: expected medium <= high <= critical"
            )
        if self.min_history > self.baseline_days:
            raise ValueError(
                f"min_history={self.min_history}: expected at most "
                f"baseline_days={self.baseline_days}"
            )
        return self

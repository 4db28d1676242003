"""Detector parameters: one object, carried in every batch message.

A batch is scored with the parameters it was published with, so reprocessing an old
batch reproduces its old scores even after the defaults change. The defaults were chosen
with `mentionfleet evaluate`; docs/spike-detection.md has the figures.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


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
    NULL where the spread is 0). `weekday` fits the baseline to weekday-adjusted counts.
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
        default=True, description="adjust for weekday volume, estimated per batch"
    )
    medium: float = Field(default=3.5, gt=0, description="least z of a MEDIUM spike")
    high: float = Field(default=5.0, gt=0, description="least z of a HIGH spike")
    critical: float = Field(default=7.0, gt=0, description="least z of a CRITICAL spike")

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

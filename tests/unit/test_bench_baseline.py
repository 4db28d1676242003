"""The benchmark's single-process baseline computes exactly what the fleet's detector does.

`make bench` compares the two architectures; that is only fair while the per-event loops
in `bench.baseline_old` give the vectorised detector's values, float for float.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest

from bench.baseline_old import fold, score_event
from mentionfleet.spikes.detector import score
from mentionfleet.spikes.params import DetectorParams
from mentionfleet.warehouse.queries import Window
from mentionfleet.warehouse.reads import to_daily_counts

FACTORS = (1.2, 1.1, 1.0, 1.0, 0.95, 0.8, 0.7)


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.mark.parametrize(
    "params",
    [
        DetectorParams(),
        DetectorParams(weekday_factors=FACTORS),
        DetectorParams(weekday=False, sigma_floor="none", min_history=2),
        DetectorParams(sigma_floor="one", baseline_days=14, weekday_factors=FACTORS),
    ],
    ids=["default", "weekday", "no-floor", "one-floor-14d"],
)
def test_per_event_loops_equal_the_vectorised_detector(params: DetectorParams) -> None:
    rng = np.random.default_rng(4)
    n, days, start_weekday = 200, 30, 3
    counts = rng.poisson(rng.lognormal(0.5, 1.2, n)[:, None], (n, days)).astype(np.int64)
    counts[:5] = 2  # constant series: zero spread, where rounding could differ
    first = rng.integers(0, days + 1, n).astype(np.int64)
    expected = score(counts, first, start_weekday, params)
    compared = 0
    for e in range(n):
        for d, mentions, h, mean, std, z, velocity, tier in score_event(
            counts[e].tolist(), int(first[e]), start_weekday, params
        ):
            compared += 1
            assert (mentions, h, tier) == (
                expected.mentions[e, d],
                expected.history[e, d],
                expected.tier[e, d],
            )
            for got, want in (
                (mean, expected.baseline_mean[e, d]),
                (std, expected.baseline_std[e, d]),
                (z, expected.z[e, d]),
                (velocity, expected.velocity[e, d]),
            ):
                assert _same(got, float(want)), (e, d, got, want)
    assert compared == int(expected.seen.sum())


def test_fold_matches_the_scorers_zero_filled_counts() -> None:
    window = Window(as_of=date(2026, 11, 30), days=10)
    start = window.start
    rows: list[tuple[int, date | None, date | None, int]] = [
        (7, start + timedelta(2), start + timedelta(2), 3),
        (7, start + timedelta(2), start + timedelta(5), 1),
        (8, start - timedelta(4), start + timedelta(1), 2),  # added before the window
        (9, start + timedelta(6), None, 0),  # no mentions in the window
    ]
    series = fold(window, rows)
    reference = to_daily_counts(window, (7, 8, 9), rows)
    for i, event_id in enumerate((7, 8, 9)):
        assert series[event_id].counts == reference.counts[i].tolist()
        assert series[event_id].first_seen == reference.first_seen[i]

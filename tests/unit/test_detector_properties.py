"""Properties of the detector's maths, on random batches (hypothesis).

The reference computations are deliberately plain (a loop with the statistics module,
and pandas rolling windows), so they share no code with the vectorised detector.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from mentionfleet.spikes import weekday
from mentionfleet.spikes.detector import score
from mentionfleet.spikes.params import DetectorParams, WeekdayFactors
from mentionfleet.spikes.scores import FloatArray, IntArray, Scores

SETTINGS = settings(max_examples=150, deadline=None)


@st.composite
def batches(draw: st.DrawFn, max_count: int = 500) -> tuple[IntArray, IntArray, int]:
    """Small batches: counts zero before first_seen, first_seen anywhere around the span."""
    n_events = draw(st.integers(1, 5))
    n_days = draw(st.integers(1, 25))
    top = draw(st.sampled_from([1, 3, 20, max_count]))  # mostly-zero series are common
    counts = np.array(
        draw(st.lists(st.integers(0, top), min_size=n_events * n_days, max_size=n_events * n_days)),
        dtype=np.int64,
    ).reshape(n_events, n_days)
    first = np.array(
        draw(st.lists(st.integers(-4, n_days + 1), min_size=n_events, max_size=n_events)),
        dtype=np.int64,
    )
    counts[np.arange(n_days)[None, :] < first[:, None]] = 0
    return counts, first, draw(st.integers(0, 6))


FACTORS = st.tuples(*[st.floats(0.5, 2.0)] * 7)
"""Run weekday factors, as the fanout's estimator could give them."""


FLAT_FACTORS = st.floats(0.5, 2.0).map(lambda f: (f,) * 7)
"""Factors of a run without a weekday rhythm: only their ratios matter, so no adjustment
(x / f is inexact, so this also checks that rounding never passes for spread)."""


@st.composite
def params(
    draw: st.DrawFn,
    weekday_: bool | None = None,
    factors: st.SearchStrategy[WeekdayFactors] = FACTORS,
) -> DetectorParams:
    baseline = draw(st.integers(2, 10))
    medium = draw(st.floats(0.5, 4.0))
    high = medium + draw(st.floats(0.0, 2.0))
    critical = high + draw(st.floats(0.0, 3.0))
    return DetectorParams(
        method=draw(st.sampled_from(["zscore", "robust"])),
        baseline_days=baseline,
        min_history=draw(st.integers(2, baseline)),
        sigma_floor=draw(st.sampled_from(["poisson", "one", "none"])),
        weekday=draw(st.booleans()) if weekday_ is None else weekday_,
        weekday_factors=draw(st.none() | factors),
        medium=medium,
        high=high,
        critical=critical,
    )


def reference(
    counts: IntArray, first: IntArray, start_weekday: int, p: DetectorParams
) -> dict[str, FloatArray]:
    """The documented formula, one event-day at a time."""
    n_events, n_days = counts.shape
    out = {k: np.full((n_events, n_days), math.nan) for k in ("mean", "std", "z", "vel", "h")}
    factors = np.ones(n_days)
    if p.weekday and p.weekday_factors is not None:
        # The run's factors, Monday first; day j is weekday (start_weekday + j) % 7.
        factors = np.array([p.weekday_factors[(start_weekday + j) % 7] for j in range(n_days)])
    for e in range(n_events):
        for d in range(n_days):
            seen = d >= first[e]
            days = [j for j in range(max(0, d - p.baseline_days), d) if j >= first[e]]
            raw = [float(counts[e, j]) for j in days]
            out["h"][e, d] = len(days)
            if raw:
                out["mean"][e, d] = statistics.fmean(raw)
            if len(raw) >= 2:
                out["std"][e, d] = statistics.stdev(raw)
            if d >= 1 and seen and d - 1 >= first[e]:
                out["vel"][e, d] = float(counts[e, d] - counts[e, d - 1])
            if not seen or len(days) < p.min_history:
                continue
            adjusted = [counts[e, j] / factors[j] for j in days]
            if p.method == "zscore":
                location = statistics.fmean(adjusted)
                spread = statistics.stdev(adjusted)
            else:
                location = statistics.median(adjusted)
                deviations = [abs(v - location) for v in adjusted]
                mad = statistics.median(deviations)
                spread = mad / 0.6745 if mad > 0 else 1.253314 * statistics.fmean(deviations)
            location *= factors[d]
            spread *= factors[d]
            floor = {
                "poisson": max(math.sqrt(location), 1.0),
                "one": 1.0,
                "none": 0.0,
            }[p.sigma_floor]
            sigma = max(spread, floor)
            if sigma > 0:
                out["z"][e, d] = (counts[e, d] - location) / sigma
    return out


def assert_close(actual: FloatArray, expected: FloatArray) -> None:
    assert np.array_equal(np.isnan(actual), np.isnan(expected))
    np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=1e-9, equal_nan=True)


def assert_well_formed(s: Scores, p: DetectorParams) -> None:
    for a in (s.baseline_mean, s.baseline_std, s.z, s.velocity):
        assert not np.isinf(a).any()
    defined = ~np.isnan(s.z)
    assert np.array_equal(s.tier == -1, ~defined)
    assert not (defined & (~s.seen | (s.history < p.min_history))).any()
    z = s.z[defined]
    expected = (z >= p.medium).astype(int) + (z >= p.high) + (z >= p.critical)
    assert np.array_equal(s.tier[defined], expected)


@SETTINGS
@given(batches(), params())
def test_matches_the_reference_loop(
    batch: tuple[IntArray, IntArray, int], p: DetectorParams
) -> None:
    counts, first, start = batch
    s = score(counts, first, start, p)
    ref = reference(counts, first, start, p)
    assert np.array_equal(s.history, ref["h"].astype(np.int64))
    assert_close(s.baseline_mean, ref["mean"])
    assert_close(s.baseline_std, ref["std"])
    assert_close(s.velocity, ref["vel"])
    assert_close(s.z, ref["z"])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), params(weekday_=True))
def test_matches_the_reference_with_estimated_weekday_factors(seed: int, p: DetectorParams) -> None:
    """Factors estimated from weekly series, as a run's would be, given to both."""
    rng = np.random.default_rng(seed)
    n_days = 3 * p.baseline_days + 3
    profile = weekday.day_factors(np.array([1.3, 1.15, 1.1, 1.05, 1.0, 0.7, 0.7]), n_days, 2)
    counts = rng.poisson(rng.uniform(1, 30, size=(60, 1)) * profile).astype(np.int64)
    first = rng.integers(-3, 5, size=60)
    counts[np.arange(n_days)[None, :] < first[:, None]] = 0
    factors = weekday.series_factors(counts, first, 2, p.baseline_days)
    assert factors[0] > factors[6]  # Mondays busier than Sundays: a real profile
    p = DetectorParams.model_validate({**p.model_dump(), "weekday_factors": factors})
    s = score(counts, first, 2, p)
    ref = reference(counts, first, 2, p)
    assert_close(s.z, ref["z"])


@SETTINGS
@given(batches(), params(), st.data())
def test_an_events_scores_do_not_depend_on_its_batch(
    batch: tuple[IntArray, IntArray, int], p: DetectorParams, data: st.DataObject
) -> None:
    """Any subset of a batch, in any order, scores its events bit for bit as the batch."""
    counts, first, start = batch
    n = counts.shape[0]
    rows = np.array(data.draw(st.permutations(range(n)))[: data.draw(st.integers(1, n))])
    whole = score(counts, first, start, p)
    part = score(counts[rows], first[rows], start, p)
    for name in Scores.__dataclass_fields__:
        a, b = getattr(part, name), getattr(whole, name)[rows]
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), name


@SETTINGS
@given(batches(), params())
def test_scores_are_finite_or_null_and_tiers_follow_z(
    batch: tuple[IntArray, IntArray, int], p: DetectorParams
) -> None:
    counts, first, start = batch
    assert_well_formed(score(counts, first, start, p), p)


@settings(max_examples=60, deadline=None)
@given(batches(max_count=2**40), params())
def test_huge_counts_stay_finite(batch: tuple[IntArray, IntArray, int], p: DetectorParams) -> None:
    counts, first, start = batch
    assert_well_formed(score(counts, first, start, p), p)


def _floor(p: DetectorParams, mean: FloatArray) -> FloatArray:
    if p.sigma_floor == "poisson":
        return np.maximum(np.sqrt(mean), 1.0)
    return np.full(mean.shape, 1.0 if p.sigma_floor == "one" else 0.0)


@SETTINGS
@given(batches(), params(weekday_=False), st.integers(1, 1000))
def test_shifting_counts_leaves_z_unchanged_above_the_floor(
    batch: tuple[IntArray, IntArray, int], p: DetectorParams, shift: int
) -> None:
    counts, first, start = batch
    seen = np.arange(counts.shape[1])[None, :] >= first[:, None]
    shifted = np.where(seen, counts + shift, 0)
    a = score(counts, first, start, p)
    b = score(shifted, first, start, p)
    if p.method == "zscore":
        above = (a.baseline_std > _floor(p, a.baseline_mean)) & (
            b.baseline_std > _floor(p, b.baseline_mean)
        )
    else:
        # The robust spread is not stored; without a floor it is the whole σ, and both the
        # median and the MAD move with the counts exactly as the mean and std do.
        p = p.model_copy(update={"sigma_floor": "none"})
        a = score(counts, first, start, p)
        b = score(shifted, first, start, p)
        above = ~np.isnan(a.z)
    above &= ~np.isnan(a.z)
    np.testing.assert_allclose(b.z[above], a.z[above], rtol=1e-9, atol=1e-9)
    # The std itself is shift-invariant everywhere.
    np.testing.assert_allclose(b.baseline_std, a.baseline_std, rtol=1e-9, atol=1e-9)


@SETTINGS
@given(
    st.integers(1, 6),
    st.integers(1, 30),
    st.integers(0, 10_000),
    st.integers(-3, 31),
    st.integers(0, 6),
    params(factors=FLAT_FACTORS),
)
def test_a_constant_series_never_spikes(
    n_events: int, n_days: int, level: int, first_seen: int, start: int, p: DetectorParams
) -> None:
    first = np.full(n_events, first_seen, dtype=np.int64)
    seen = np.arange(n_days)[None, :] >= first[:, None]
    counts = np.where(seen, level, 0).astype(np.int64)
    s = score(counts, first, start, p)
    defined = ~np.isnan(s.z)
    assert np.allclose(s.z[defined], 0.0, atol=1e-9)
    assert (s.tier[defined] == 0).all()
    assert np.allclose(s.baseline_std[~np.isnan(s.baseline_std)], 0.0)


@SETTINGS
@given(
    st.lists(st.integers(0, 2), min_size=4, max_size=20),
    st.integers(0, 2),
    st.sampled_from(["zscore", "robust"]),
    st.none() | FACTORS,
    st.integers(0, 6),
)
def test_a_jump_to_two_articles_or_fewer_is_never_critical(
    history: list[int], x: int, method: str, factors: WeekdayFactors | None, start: int
) -> None:
    """After a quiet history of at least min_history days, 0→1 or 1→2 is never CRITICAL."""
    p = DetectorParams(method=method, weekday_factors=factors)
    s = score(np.array([[*history, x]], dtype=np.int64), np.zeros(1, np.int64), start, p)
    assert s.tier[0, -1] in (0, 1, 2)


@SETTINGS
@given(
    st.integers(4, 20),
    st.integers(50, 10_000),
    st.sampled_from(["zscore", "robust"]),
    st.none() | FACTORS,
    st.integers(0, 6),
)
def test_zero_to_fifty_or_more_is_critical(
    quiet_days: int, x: int, method: str, factors: WeekdayFactors | None, start: int
) -> None:
    p = DetectorParams(method=method, weekday_factors=factors)
    s = score(np.array([[0] * quiet_days + [x]], dtype=np.int64), np.zeros(1, np.int64), start, p)
    assert s.tier[0, -1] == 3


def test_pandas_rolling_agrees() -> None:
    """Mean, std and z against pandas rolling windows on a random batch."""
    rng = np.random.default_rng(2024)
    n_events, n_days = 40, 30
    counts = rng.poisson(rng.uniform(0.2, 40, size=(n_events, 1)), size=(n_events, n_days))
    first = rng.integers(-5, 25, size=n_events)
    counts[np.arange(n_days)[None, :] < first[:, None]] = 0
    p = DetectorParams(weekday=False)
    s = score(counts, first, 0, p)
    frame = pd.DataFrame(counts.T.astype(float)).mask(np.arange(n_days)[:, None] < first[None, :])
    rolling = frame.rolling(p.baseline_days, min_periods=1)
    mean = np.array(rolling.mean().shift(1).to_numpy().T)
    std = rolling.std(ddof=1).shift(1).to_numpy().T
    history = rolling.count().shift(1).fillna(0).to_numpy().T
    mean[history == 0] = np.nan
    sigma = np.maximum(std, np.maximum(np.sqrt(mean), 1.0))
    z = np.where(
        (history >= p.min_history) & ~np.isnan(frame.to_numpy().T), (counts - mean) / sigma, np.nan
    )
    assert np.array_equal(s.history, history.astype(np.int64))
    assert_close(s.baseline_mean, mean)
    assert_close(s.baseline_std, std)
    assert_close(s.z, z)

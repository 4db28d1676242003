"""The spike detector on hand-checked cases: the awkward shapes real GDELT series have."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from pydantic import ValidationError

from mentionfleet.gdelt.series import WEEKDAY_PROFILE, ongoing_rates, simulate
from mentionfleet.spikes import robust, weekday
from mentionfleet.spikes.detector import score
from mentionfleet.spikes.params import DetectorParams, Tier, WeekdayFactors
from mentionfleet.spikes.scores import (
    NO_SCORE,
    NO_SPIKE,
    FloatArray,
    IntArray,
    Scores,
    tier_code,
    tier_name,
    tier_of,
)

DEFAULT = DetectorParams()
PROFILE = weekday.as_params(WEEKDAY_PROFILE / WEEKDAY_PROFILE.mean())
"""The generator's weekday profile as run factors (Monday 1.3 / mean ... Sunday 0.7 / mean)."""
ALL_PARAMS = [
    DetectorParams(method=m, weekday=w, weekday_factors=PROFILE if w else None)
    for m in ("zscore", "robust")
    for w in (False, True)
]


def _ids(p: DetectorParams) -> str:
    return f"{p.method}-weekday={p.weekday}"


def with_factors(p: DetectorParams, factors: WeekdayFactors) -> DetectorParams:
    return DetectorParams.model_validate({**p.model_dump(), "weekday_factors": factors})


def one(row: list[int], first_seen: int = 0, params: DetectorParams = DEFAULT) -> Scores:
    """Score a single event whose span starts on a Monday."""
    return score(np.array([row], dtype=np.int64), np.array([first_seen]), 0, params)


def weekly_batch(n_events: int = 400, n_days: int = 35, start_weekday: int = 0) -> IntArray:
    """Ongoing events with the full weekday profile: enough for the weekday factors."""
    rng = np.random.default_rng(11)
    s = simulate(
        rng,
        base_rate=ongoing_rates(rng, n_events, 2.0, 60.0),
        first_seen=np.zeros(n_events, dtype=np.int64),
        n_days=n_days,
        ongoing=np.ones(n_events, dtype=bool),
        start_weekday=start_weekday,
        weekday_amplitude=1.0,
    )
    return s.counts


# --- tiers and params ---------------------------------------------------------------


def test_tier_codes_map_to_tiers() -> None:
    assert [tier_name(c) for c in (-1, 0, 1, 2, 3)] == [None, None, "MEDIUM", "HIGH", "CRITICAL"]
    assert tier_of(3) is Tier.CRITICAL
    assert [tier_code(t) for t in Tier] == [1, 2, 3]
    with pytest.raises(ValueError, match="tier code 7"):
        tier_name(7)


def test_params_are_frozen_strict_and_round_trip() -> None:
    p = DetectorParams(method="robust", medium=3.5, high=5, critical=7)
    assert DetectorParams.model_validate_json(p.model_dump_json()) == p
    assert json.loads(p.model_dump_json())["method"] == "robust"
    with pytest.raises(ValidationError):
        DetectorParams.model_validate({"bogus": 1})
    with pytest.raises(ValidationError):
        p.medium = 1.0  # type: ignore[misc]
    with pytest.raises(ValidationError, match="medium <= high <= critical"):
        DetectorParams(medium=5, high=4)
    with pytest.raises(ValidationError, match="min_history=8"):
        DetectorParams(min_history=8, baseline_days=7)


def test_defaults_are_the_documented_ones() -> None:
    assert DEFAULT.model_dump() == {
        "method": "zscore",
        "baseline_days": 7,
        "min_history": 4,
        "sigma_floor": "poisson",
        "weekday": True,
        "weekday_factors": None,
        "medium": 3.5,
        "high": 5.0,
        "critical": 7.0,
    }


def test_weekday_factors_are_seven_sane_values_named_when_bad() -> None:
    p = DetectorParams(weekday_factors=PROFILE)
    assert DetectorParams.model_validate_json(p.model_dump_json()) == p
    assert json.loads(p.model_dump_json())["weekday_factors"] == list(PROFILE)
    with pytest.raises(ValidationError, match=r"Saturday is 0\.1: expected a finite value"):
        DetectorParams(weekday_factors=(1.0, 1.0, 1.0, 1.0, 1.0, 0.1, 1.0))
    with pytest.raises(ValidationError, match="Monday is nan"):
        DetectorParams.model_validate({"weekday_factors": [float("nan"), *[1.0] * 6]})
    with pytest.raises(ValidationError, match="Sunday is inf"):
        DetectorParams.model_validate({"weekday_factors": [*[1.0] * 6, float("inf")]})
    with pytest.raises(ValidationError, match="weekday_factors"):
        DetectorParams.model_validate({"weekday_factors": [1.0] * 6})
    with pytest.raises(ValidationError, match="weekday_factors"):
        DetectorParams.model_validate({"weekday_factors": [1.0] * 8})


# --- seen days, history, baseline -----------------------------------------------------


def test_history_counts_only_seen_days_in_the_span() -> None:
    counts = np.zeros((3, 10), dtype=np.int64)
    s = score(counts, np.array([3, -5, 12]), 2, DEFAULT)
    assert s.seen[0].tolist() == [False] * 3 + [True] * 7
    assert s.history[0].tolist() == [0, 0, 0, 0, 1, 2, 3, 4, 5, 6]
    # Seen before the span: the baseline holds only the days the span has.
    assert s.seen[1].all()
    assert s.history[1].tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 7, 7]
    # Never seen in the span: nothing is defined.
    assert not s.seen[2].any()
    assert (s.history[2] == 0).all()
    assert np.isnan(s.z[2]).all() and (s.tier[2] == NO_SCORE).all()
    assert np.isnan(s.baseline_mean[2]).all() and np.isnan(s.velocity[2]).all()


def test_baseline_mean_and_std_are_plain_sample_statistics() -> None:
    s = one([0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9], first_seen=2, params=DEFAULT)
    # Day 6: window = days 2..5 = [1, 2, 3, 4].
    assert s.history[0, 6] == 4
    assert s.baseline_mean[0, 6] == pytest.approx(2.5)
    assert s.baseline_std[0, 6] == pytest.approx(np.std([1, 2, 3, 4], ddof=1))
    # Day 10: window = days 3..9 (7 days).
    assert s.baseline_mean[0, 10] == pytest.approx(np.mean([2, 3, 4, 5, 6, 7, 8]))
    # One seen day: a mean but no std.
    assert s.baseline_mean[0, 3] == 1.0 and np.isnan(s.baseline_std[0, 3])
    # First seen day: nothing before it.
    assert np.isnan(s.baseline_mean[0, 2])


def test_no_z_before_min_history() -> None:
    s = one([5, 0, 0, 0, 100, 0, 0, 0], params=DetectorParams(weekday=False))
    assert np.isnan(s.z[0, :4]).all()
    assert (s.tier[0, :4] == NO_SCORE).all()
    assert not np.isnan(s.z[0, 4:]).any()


def test_z_with_poisson_floor() -> None:
    # Window [10]*7: std 0, floor √10 → z = 10/√10.
    s = one([10] * 7 + [20], params=DetectorParams(weekday=False))
    assert s.z[0, 7] == pytest.approx(10 / np.sqrt(10))
    # Above the floor, z is the classic (x - mean) / std.
    row = [1, 9, 2, 8, 3, 7, 4, 30]
    s = one(row, params=DetectorParams(weekday=False))
    mean, std = np.mean(row[:7]), np.std(row[:7], ddof=1)
    assert std > np.sqrt(mean)
    assert s.z[0, 7] == pytest.approx((30 - mean) / std)


def test_velocity_is_nan_on_first_seen_day_and_span_start() -> None:
    s = one([0, 0, 4, 6, 1], first_seen=2)
    assert np.isnan(s.velocity[0, :3]).all()
    assert s.velocity[0, 3:].tolist() == [2.0, -5.0]
    s = one([4, 6, 1], first_seen=-3)
    assert np.isnan(s.velocity[0, 0]) and s.velocity[0, 1:].tolist() == [2.0, -5.0]


# --- the awkward cases -----------------------------------------------------------------


@pytest.mark.parametrize("params", ALL_PARAMS, ids=_ids)
def test_zero_baseline_then_mentions(params: DetectorParams) -> None:
    s = one([0] * 7 + [1], params=params)
    assert s.z[0, 7] == pytest.approx(1.0)  # σ = 0 floored to 1, not z = 0
    assert s.tier[0, 7] == NO_SPIKE
    s = one([0] * 7 + [50], params=params)
    assert s.tier[0, 7] == tier_code(Tier.CRITICAL)


@pytest.mark.parametrize("params", ALL_PARAMS, ids=_ids)
def test_one_to_two_is_not_critical(params: DetectorParams) -> None:
    s = one([1] * 7 + [2], params=params)
    assert s.tier[0, 7] < tier_code(Tier.CRITICAL)
    assert s.tier[0, 7] == NO_SPIKE


@pytest.mark.parametrize("params", ALL_PARAMS, ids=_ids)
def test_small_jumps_and_big_jumps_inside_a_weekly_batch(params: DetectorParams) -> None:
    """Same cases among weekly series, with factors estimated from those series."""
    batch = weekly_batch()
    n_days = batch.shape[1]
    rows = np.zeros((4, n_days), dtype=np.int64)
    rows[1, :] = 1
    # Day 0 is a Monday: day 26 is a Saturday, day 28 a Monday.
    rows[0, 26] = 1  # 0 -> 1 on a Saturday
    rows[1, 26] = 2  # 1 -> 2 on a Saturday
    rows[2, 26] = 50  # 0 -> 50 on a Saturday
    rows[3, 28] = 50  # 0 -> 50 on a Monday
    counts = np.vstack([batch, rows])
    first = np.zeros(counts.shape[0], dtype=np.int64)
    if params.weekday:
        factors = weekday.series_factors(batch, first[: len(batch)], 0, params.baseline_days)
        assert factors != (1.0,) * 7
        params = with_factors(params, factors)
    s = score(counts, first, 0, params)
    tiers = s.tier[-4:]
    assert tiers[0, 26] == NO_SPIKE
    assert tiers[1, 26] < tier_code(Tier.CRITICAL)
    assert tiers[2, 26] == tier_code(Tier.CRITICAL)
    assert tiers[3, 28] == tier_code(Tier.CRITICAL)


def test_flash_event_never_spikes() -> None:
    # Mentioned on its first days, then never again.
    s = one([0, 0, 40, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], first_seen=2)
    assert (s.tier[0] <= NO_SPIKE).all()
    assert (s.tier[0, :6] == NO_SCORE).all()


def test_sigma_floor_none_gives_null_not_inf() -> None:
    s = one([0] * 7 + [5], params=DetectorParams(sigma_floor="none", weekday=False))
    assert np.isnan(s.z[0, 7]) and s.tier[0, 7] == NO_SCORE


def test_weekday_option_removes_the_monday_effect() -> None:
    batch = weekly_batch()
    first = np.zeros(batch.shape[0], dtype=np.int64)
    off = score(batch, first, 0, DetectorParams(weekday=False))
    on = score(batch, first, 0, DetectorParams(weekday=True, weekday_factors=PROFILE))
    mondays = np.arange(7, batch.shape[1], 7)
    # Without adjustment, Mondays sit well above a baseline of the week before.
    assert np.nanmean(off.z[:, mondays]) > 0.5
    assert abs(np.nanmean(on.z[:, mondays])) < 0.25


# --- the robust method -----------------------------------------------------------------


def test_robust_uses_mad() -> None:
    p = DetectorParams(method="robust", sigma_floor="one", weekday=False)
    s = one([1, 2, 3, 4, 5, 6, 7, 20], params=p)
    # median 4, MAD 2: 0.6745 * 16 / 2
    assert s.z[0, 7] == pytest.approx(0.6745 * 16 / 2)


def test_robust_falls_back_to_mean_absolute_deviation_when_mad_is_zero() -> None:
    p = DetectorParams(method="robust", sigma_floor="one", weekday=False)
    s = one([10, 10, 10, 10, 10, 10, 24, 30], params=p)
    # median 10, MAD 0, meanAD 2 → σ = 1.253314 * 2
    assert s.z[0, 7] == pytest.approx(20 / (robust.MEAN_AD_CONSISTENCY * 2))


# --- weekday factors -------------------------------------------------------------------


def _fields(s: Scores, rows: IntArray) -> dict[str, np.ndarray]:
    return {f: getattr(s, f)[rows] for f in Scores.__dataclass_fields__}


def _assert_same_rows(a: Scores, a_rows: IntArray, b: Scores, b_rows: IntArray) -> None:
    for name, values in _fields(a, a_rows).items():
        other = getattr(b, name)[b_rows]
        assert np.array_equal(values, other, equal_nan=values.dtype.kind == "f"), name


@pytest.mark.parametrize("method", ["zscore", "robust"])
def test_an_events_scores_do_not_depend_on_its_batch(method: str) -> None:
    """The same event scores bit for bit the same alone, in a bigger batch, in another
    order and in another split: reprocessing by event ids or with another batch size
    recomputes exactly the same rows."""
    rng = np.random.default_rng(21)
    batch = weekly_batch(n_events=120, start_weekday=3)
    first = rng.integers(-3, 20, size=len(batch))
    counts = np.where(np.arange(batch.shape[1])[None, :] >= first[:, None], batch, 0)
    counts[5, 30] += 400  # a spike in A
    p = DetectorParams(method=method, weekday_factors=PROFILE)
    a = np.arange(12)  # events A; the rest are B
    alone = score(counts[a], first[a], 3, p)
    together = score(counts, first, 3, p)
    _assert_same_rows(alone, np.arange(len(a)), together, a)
    order = rng.permutation(len(batch))
    shuffled = score(counts[order], first[order], 3, p)
    position = np.argsort(order)  # where each original row landed
    _assert_same_rows(alone, np.arange(len(a)), shuffled, position[a])
    for split in np.array_split(order, 7):
        part = score(counts[split], first[split], 3, p)
        mine = np.isin(split, a)
        _assert_same_rows(part, np.flatnonzero(mine), together, split[mine])
    assert alone.tier[5, 30] == tier_code(Tier.CRITICAL)
    assert not np.array_equal(alone.z, score(counts[a], first[a], 3, DetectorParams(
        method=method, weekday=False)).z)  # fmt: skip


def test_weekday_on_without_factors_is_no_adjustment() -> None:
    batch = weekly_batch()
    first = np.zeros(batch.shape[0], dtype=np.int64)
    on = score(batch, first, 0, DetectorParams(weekday=True))
    off = score(batch, first, 0, DetectorParams(weekday=False))
    assert np.array_equal(on.z, off.z, equal_nan=True)
    assert np.array_equal(on.tier, off.tier)


def test_rounding_in_adjusted_counts_is_not_spread() -> None:
    # 3 / 0.9 is inexact; the window is still constant, so with no floor there is no z.
    p = DetectorParams(sigma_floor="none", weekday_factors=(0.9,) * 7)
    s = one([3] * 10, params=p)
    assert np.isnan(s.z[0]).all() and (s.tier[0] == NO_SCORE).all()
    assert one([3] * 10, params=p.model_copy(update={"sigma_floor": "one"})).z[0, 9] == (
        pytest.approx(0.0, abs=1e-12)
    )


def test_only_the_ratios_of_the_factors_matter() -> None:
    batch = weekly_batch(n_events=50)
    first = np.zeros(batch.shape[0], dtype=np.int64)
    doubled = tuple(2 * f for f in PROFILE)
    a = score(batch, first, 0, DetectorParams(weekday_factors=PROFILE))
    b = score(batch, first, 0, DetectorParams.model_validate({"weekday_factors": doubled}))
    np.testing.assert_allclose(a.z, b.z, rtol=1e-12, atol=1e-12)


def test_estimated_factors_recover_the_profile() -> None:
    for start in (0, 3, 6):
        batch = weekly_batch(start_weekday=start).astype(np.float64)
        used = np.ones(batch.shape, dtype=bool)
        factors = weekday.estimate_factors(batch, used, start)
        expected = WEEKDAY_PROFILE / WEEKDAY_PROFILE.mean()
        assert np.allclose(factors, expected, atol=0.05)


def test_estimated_factors_ignore_a_huge_spiking_story() -> None:
    batch = weekly_batch().astype(np.float64)
    batch[0] = 5000.0 * weekday.day_factors(WEEKDAY_PROFILE, batch.shape[1], 0)
    batch[0, 19] *= 30  # a Saturday
    factors = weekday.estimate_factors(batch, np.ones(batch.shape, dtype=bool), 0)
    assert np.allclose(factors, WEEKDAY_PROFILE / WEEKDAY_PROFILE.mean(), atol=0.06)


def test_too_little_data_gives_factors_of_one() -> None:
    counts = np.array([[3, 5, 2, 9, 1, 0, 0, 4, 6, 3]], dtype=np.float64)
    used = np.ones(counts.shape, dtype=bool)
    assert (weekday.estimate_factors(counts, used, 0) == 1.0).all()
    assert (
        weekday.series_factors(counts.astype(np.int64), np.zeros(1, np.int64), 0, 7) == (1.0,) * 7
    )


def test_series_factors_use_only_days_with_a_full_baseline() -> None:
    batch = weekly_batch(start_weekday=2)
    first = np.zeros(batch.shape[0], dtype=np.int64)
    # A burst on every event's first week (before a full baseline) must not count.
    burst = batch.copy()
    burst[:, :7] *= 50
    assert weekday.series_factors(burst, first, 2, 7) == weekday.series_factors(batch, first, 2, 7)
    factors = np.array(weekday.series_factors(batch, first, 2, 7))
    assert np.allclose(factors, WEEKDAY_PROFILE / WEEKDAY_PROFILE.mean(), atol=0.05)
    DetectorParams(weekday_factors=tuple(factors))  # valid run parameters


def _volume(n_days: int, start: int, level: float = 250_000.0) -> FloatArray:
    return level * weekday.day_factors(WEEKDAY_PROFILE, n_days, start)


@pytest.mark.parametrize("start", [0, 2, 6])
@pytest.mark.parametrize("n_days", [21, 30, 41])
def test_factors_from_daily_volume_recover_the_profile(start: int, n_days: int) -> None:
    factors = weekday.factors_from_daily_volume(_volume(n_days, start), start)
    assert factors is not None
    # Exact whatever the window's mix of weekdays (30 days hold 5 of some, 4 of others).
    np.testing.assert_allclose(factors, WEEKDAY_PROFILE / WEEKDAY_PROFILE.mean(), atol=1e-6)
    assert sum(factors) / 7 == pytest.approx(1.0, abs=1e-6)
    assert DetectorParams(weekday_factors=factors).weekday_factors == factors


def test_factors_from_daily_volume_ignore_a_trend_in_volume() -> None:
    # The window's volume triples over 5 weeks (say, a story building up): a plain mean
    # per weekday would favour the weekdays late in the window.
    n_days = 35
    trend = np.linspace(1.0, 3.0, n_days)
    factors = weekday.factors_from_daily_volume(_volume(n_days, 2) * trend, 2)
    assert factors is not None
    np.testing.assert_allclose(factors, WEEKDAY_PROFILE / WEEKDAY_PROFILE.mean(), atol=0.02)


def test_factors_from_daily_volume_need_two_ratios_per_weekday() -> None:
    # A day's ratio needs its whole centred week: 20 days give each weekday two.
    assert weekday.factors_from_daily_volume(_volume(19, 0), 0) is None
    assert weekday.factors_from_daily_volume(_volume(20, 0), 0) is not None
    assert weekday.factors_from_daily_volume(np.zeros(28), 0) is None
    assert weekday.factors_from_daily_volume(np.zeros(0), 0) is None
    # A missing day (an outage) takes out the seven centred weeks around it.
    volume = _volume(21, 0)
    volume[10] = 0.0
    assert weekday.factors_from_daily_volume(volume, 0) is None


def test_factors_from_daily_volume_leave_out_outages_and_partial_days() -> None:
    volume = _volume(42, 4)
    volume[:5] = 0.0  # before the data begins
    volume[-1] *= 0.1  # today's partition, still loading
    volume[10] *= 0.2  # an outage for most of a day
    factors = weekday.factors_from_daily_volume(volume, 4)
    assert factors is not None
    np.testing.assert_allclose(factors, WEEKDAY_PROFILE / WEEKDAY_PROFILE.mean(), atol=1e-6)


def test_factors_from_daily_volume_are_clipped_and_exact_in_json() -> None:
    volume = _volume(28, 0)
    volume[0::7] *= 4  # Mondays at over three times the mean: clipped to 2
    factors = weekday.factors_from_daily_volume(volume, 0)
    assert factors is not None and factors[0] == weekday.FACTOR_RANGE[1]
    assert min(factors) >= weekday.FACTOR_RANGE[0]
    p = DetectorParams(weekday_factors=factors)
    assert DetectorParams.model_validate_json(p.model_dump_json()).weekday_factors == factors


@pytest.mark.parametrize(
    ("volumes", "start", "message"),
    [
        (np.ones((2, 14)), 0, "shaped"),
        (np.r_[np.ones(13), -1.0], 0, "-1.0"),
        (np.r_[np.ones(13), np.nan], 0, "nan"),
        (np.ones(14), 7, "start_weekday=7"),
    ],
)
def test_factors_from_daily_volume_refuse_bad_input(
    volumes: FloatArray, start: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        weekday.factors_from_daily_volume(volumes, start)


# --- contract --------------------------------------------------------------------------


def test_outputs_have_the_contract_shapes_and_dtypes() -> None:
    rng = np.random.default_rng(3)
    counts = rng.poisson(4, size=(6, 12)).astype(np.int64)
    s = score(counts, rng.integers(-3, 14, size=6), 4, DEFAULT)
    assert s.mentions.dtype == np.int64 and (s.mentions == counts).all()
    assert s.seen.dtype == np.bool_ and s.history.dtype == np.int64
    assert s.tier.dtype == np.int8
    for a in (s.baseline_mean, s.baseline_std, s.z, s.velocity):
        assert a.dtype == np.float64 and a.shape == counts.shape
        assert not np.isinf(a).any()


def test_empty_batch() -> None:
    s = score(np.zeros((0, 10), dtype=np.int64), np.zeros(0, dtype=np.int64), 0, DEFAULT)
    assert s.z.shape == (0, 10)


@pytest.mark.parametrize(
    ("counts", "first_seen", "weekday_", "message"),
    [
        (np.zeros(5, dtype=np.int64), np.zeros(1, dtype=np.int64), 0, "n_events, n_days"),
        (np.zeros((2, 5)), np.zeros(2, dtype=np.int64), 0, "integers"),
        (-np.ones((2, 5), dtype=np.int64), np.zeros(2, dtype=np.int64), 0, "negative"),
        (np.zeros((2, 5), dtype=np.int64), np.zeros(3, dtype=np.int64), 0, "first_seen"),
        (np.zeros((2, 5), dtype=np.int64), np.zeros(2, dtype=np.int64), 7, "start_weekday"),
    ],
)
def test_bad_input_is_refused(
    counts: IntArray, first_seen: IntArray, weekday_: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        score(counts, first_seen, weekday_, DEFAULT)


def test_a_batch_scores_in_a_few_milliseconds() -> None:
    rng = np.random.default_rng(5)
    counts = rng.poisson(3, size=(500, 40)).astype(np.int64)
    first = rng.integers(-10, 40, size=500)
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        score(counts, first, 2, DEFAULT)
        best = min(best, time.perf_counter() - t)
    assert best < 0.025, f"500 x 40 batch took {1000 * best:.1f} ms"

"""The evaluation: the default detector meets its goals on labelled series, and the
`mentionfleet evaluate` command reports it."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from mentionfleet.cli.evaluate import evaluate
from mentionfleet.gdelt.series import WEEKDAY_PROFILE
from mentionfleet.spikes import evaluation as ev
from mentionfleet.spikes.params import DetectorParams, Tier

SETUP = ev.Setup(seed=7, events=200)


@pytest.fixture(scope="module")
def result() -> ev.Evaluation:
    return ev.evaluate(
        SETUP,
        {
            "default": DetectorParams(),
            "no floor": DetectorParams(sigma_floor="none"),
            "old tiers": DetectorParams(medium=2.0, high=2.5, critical=3.0, weekday=False),
        },
    )


def test_default_meets_the_recall_goal(result: ev.Evaluation) -> None:
    r = result.result("default")
    for rate in ("medium", "high"):
        for weekly in (False, True):
            for magnitude in (5.0, 10.0):
                cell = r.recall_of(rate, weekly, magnitude)
                assert cell.spikes == SETUP.events
                assert cell.recall >= 0.95, (rate, weekly, magnitude, cell.recall)
    assert r.goal_recall >= 0.95


def test_default_meets_the_false_positive_goal(result: ev.Evaluation) -> None:
    r = result.result("default")
    assert r.fpr <= 0.01
    assert r.fpr_critical <= 0.001
    # Flash events (one or two days of mentions) never raise a flag.
    assert r.quiet_of(ev.FLASH, False).flagged == 0
    assert r.meets_goals


def test_tiers_are_ordered_by_precision(result: ev.Evaluation) -> None:
    r = result.result("default")
    precision = [r.tier(t).precision for t in Tier]
    assert precision == sorted(precision)
    assert r.tier(Tier.CRITICAL).precision >= 0.98


def test_recall_grows_with_magnitude(result: ev.Evaluation) -> None:
    r = result.result("default")
    for rate in ("low", "medium", "high"):
        recalls = [r.recall_of(rate, True, m).recall for m in SETUP.magnitudes]
        assert recalls == sorted(recalls)


def test_the_floor_and_the_tiers_are_what_keeps_false_positives_down(
    result: ev.Evaluation,
) -> None:
    default = result.result("default")
    assert result.result("no floor").fpr > 2 * default.fpr
    assert result.result("old tiers").fpr > 2 * default.fpr
    assert not result.result("old tiers").meets_goals


def test_min_history_is_where_false_positives_level_off() -> None:
    """Days scored with fewer seen days than the default minimum raise more false flags."""
    quiet_only = ev.Setup(seed=7, events=1500, magnitudes=())
    r = ev.evaluate(quiet_only, {"h2": DetectorParams(min_history=2)}).result("h2")
    fpr = {h.history: h.fpr for h in r.by_history}
    minimum = DetectorParams().min_history
    assert fpr[2] > 2 * fpr[minimum]
    assert fpr[minimum] <= 0.005
    assert fpr[minimum] < 2 * fpr[7]


def test_each_cell_is_scored_with_factors_of_the_whole_cell() -> None:
    """A cell stands for a run: one set of factors, estimated from all of its series."""
    cells = ev.build_cells(ev.Setup(seed=5, events=300, magnitudes=(5.0,)))
    profile = WEEKDAY_PROFILE / WEEKDAY_PROFILE.mean()
    for cell in cells:
        factors = ev.cell_params(DetectorParams(), cell).weekday_factors
        assert factors is not None
        if cell.base_rate == "high":
            expected = profile if cell.weekday_amplitude else np.ones(7)
            np.testing.assert_allclose(factors, expected, atol=0.05)
    cell = cells[-2]
    given = DetectorParams(weekday_factors=(2.0, 1, 1, 1, 1, 1, 1))
    assert ev.cell_params(given, cell) == given
    assert ev.cell_params(DetectorParams(weekday=False), cell).weekday_factors is None


def test_the_evaluation_is_deterministic() -> None:
    small = ev.Setup(seed=3, events=20, n_days=20)
    one = ev.to_json(ev.evaluate(small, ev.detectors()))
    two = ev.to_json(ev.evaluate(small, ev.detectors()))
    assert one == two
    other = ev.to_json(ev.evaluate(ev.Setup(seed=4, events=20, n_days=20), ev.detectors()))
    assert other != one


def test_json_is_strict_json(result: ev.Evaluation) -> None:
    text = json.dumps(ev.to_json(result), allow_nan=False)
    data = json.loads(text)
    assert [d["name"] for d in data["detectors"]] == ["default", "no floor", "old tiers"]
    assert data["detectors"][0]["params"] == DetectorParams().model_dump(mode="json")


def test_setup_is_validated() -> None:
    with pytest.raises(ValueError, match="events=0"):
        ev.Setup(events=0)
    with pytest.raises(ValueError, match="n_days=7"):
        ev.Setup(n_days=7, history_days=7)


def test_command_prints_tables() -> None:
    out = CliRunner().invoke(evaluate, ["--events", "30", "--seed", "1"])
    assert out.exit_code == 0, out.output
    assert "Detectors (goal:" in out.output
    assert "default: recall of injected spikes" in out.output
    assert "precision per tier" in out.output
    for name in ev.detectors():
        assert f"\n{name} " in out.output


def test_command_json_method_and_params() -> None:
    out = CliRunner().invoke(
        evaluate,
        ["--events", "30", "--json", "--method", "zscore", "--params", '{"min_history": 2}'],
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    names = [d["name"] for d in data["detectors"]]
    assert names == ["default", "no-weekday", "custom"]
    assert data["detectors"][2]["params"]["min_history"] == 2
    assert data["setup"]["events_per_cell"] == 30


def test_command_compare_adds_the_variations() -> None:
    out = CliRunner().invoke(evaluate, ["--events", "20", "--compare", "--json"])
    assert out.exit_code == 0, out.output
    names = [d["name"] for d in json.loads(out.output)["detectors"]]
    assert "vary: floor none" in names
    assert "vary: default" not in names  # the same as "default"


def test_command_refuses_bad_params() -> None:
    out = CliRunner().invoke(evaluate, ["--params", '{"medium": 9}'])
    assert out.exit_code == 2
    assert "medium <= high <= critical" in out.output


def test_command_check_passes_for_the_default() -> None:
    out = CliRunner().invoke(evaluate, ["--events", "200", "--seed", "11", "--check"])
    assert out.exit_code == 0, out.output

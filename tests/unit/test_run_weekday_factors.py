"""The run's weekday factors: the daily-volume query, its fold, and the fanout's fill step."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import numpy as np
import pytest
from google.cloud import bigquery

from mentionfleet import kickoff
from mentionfleet.config import Settings
from mentionfleet.gdelt.series import WEEKDAY_PROFILE
from mentionfleet.spikes import weekday
from mentionfleet.spikes.params import DetectorParams
from mentionfleet.warehouse.queries import Window, daily_volume
from mentionfleet.warehouse.reads import to_daily_volume

SETTINGS = Settings.from_env({"MENTIONFLEET_PROJECT": "p", "MENTIONFLEET_BQ_DATASET": "p.gdelt"})
AS_OF = date(2026, 11, 30)  # a Monday
CLIENT = cast(bigquery.Client, object())  # never called: the fetch is replaced


def test_daily_volume_reads_the_window_by_partition() -> None:
    query = daily_volume("p.gdelt.eventmentions", Window(AS_OF, 28))
    assert "FROM `p.gdelt.eventmentions`" in query.sql
    assert "WHERE MentionDay BETWEEN @start AND @end" in query.sql
    scalars = [q for q in query.params if isinstance(q, bigquery.ScalarQueryParameter)]
    assert {q.name: q.value for q in scalars} == {
        "start": date(2026, 11, 3),
        "end": AS_OF,
    }
    with pytest.raises(ValueError, match=r"project\.dataset\.table"):
        daily_volume("eventmentions`; DROP", Window(AS_OF, 28))


def test_days_without_mentions_are_zero_in_the_daily_volume() -> None:
    window = Window(date(2026, 12, 5), 5)  # Dec 1 .. Dec 5
    rows = [(date(2026, 12, 2), 40), (date(2026, 12, 5), 7), (date(2026, 11, 1), 99)]
    assert to_daily_volume(window, rows).tolist() == [0, 40, 0, 0, 7]


def _fake_volume(calls: list[Window]) -> Any:
    def fetch(client: object, table: str, window: Window, *, max_bytes_billed: int) -> Any:
        assert table == SETTINGS.mentions_table
        assert max_bytes_billed == SETTINGS.max_bytes_billed
        calls.append(window)
        start = window.start.weekday()
        return np.rint(1000 * weekday.day_factors(WEEKDAY_PROFILE, window.days, start))

    return fetch


def test_the_run_gets_factors_from_at_least_four_weeks_of_volume(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[Window] = []
    monkeypatch.setattr(kickoff, "fetch_daily_volume", _fake_volume(calls))
    filled = kickoff.with_weekday_factors(DetectorParams(), CLIENT, SETTINGS, Window(AS_OF, 7))
    assert calls == [Window(AS_OF, kickoff.WEEKDAY_VOLUME_DAYS)]
    assert filled.weekday_factors is not None
    np.testing.assert_allclose(
        filled.weekday_factors, WEEKDAY_PROFILE / WEEKDAY_PROFILE.mean(), atol=1e-3
    )
    # Everything else is the request's.
    assert filled.model_dump(exclude={"weekday_factors"}) == DetectorParams().model_dump(
        exclude={"weekday_factors"}
    )
    kickoff.with_weekday_factors(DetectorParams(), CLIENT, SETTINGS, Window(AS_OF, 45))
    assert calls[-1] == Window(AS_OF, 45)


@pytest.mark.parametrize(
    "detector",
    [DetectorParams(weekday=False), DetectorParams(weekday_factors=(1.2, 1, 1, 1, 1, 1, 0.8))],
)
def test_given_factors_or_weekday_off_query_nothing(
    monkeypatch: pytest.MonkeyPatch, detector: DetectorParams
) -> None:
    calls: list[Window] = []
    monkeypatch.setattr(kickoff, "fetch_daily_volume", _fake_volume(calls))
    assert kickoff.with_weekday_factors(detector, CLIENT, SETTINGS, Window(AS_OF, 30)) is detector
    assert calls == []


def test_too_little_volume_records_no_factors(monkeypatch: pytest.MonkeyPatch) -> None:
    def fetch(client: object, table: str, window: Window, *, max_bytes_billed: int) -> Any:
        volume = np.zeros(window.days)
        volume[-10:] = 500.0  # ten days of data only
        return volume

    monkeypatch.setattr(kickoff, "fetch_daily_volume", fetch)
    filled = kickoff.with_weekday_factors(DetectorParams(), CLIENT, SETTINGS, Window(AS_OF, 30))
    assert filled == DetectorParams()


def test_factors_given_in_the_request_make_another_run() -> None:
    given = kickoff.KickoffRequest(detector=DetectorParams(weekday_factors=(1.0,) * 7))
    assert kickoff.run_id_for(given, AS_OF) != kickoff.run_id_for(kickoff.KickoffRequest(), AS_OF)

"""Folding BigQuery rows into the zero-filled matrix the detector scores."""

from __future__ import annotations

from datetime import date

import numpy as np

from mentionfleet.warehouse.queries import Window
from mentionfleet.warehouse.reads import to_daily_counts

WINDOW = Window(as_of=date(2026, 12, 5), days=5)  # Dec 1 .. Dec 5


def test_days_without_mentions_are_zero_and_first_seen_comes_from_events() -> None:
    rows = [
        (10, date(2026, 12, 2), date(2026, 12, 2), 4),
        (10, date(2026, 12, 2), date(2026, 12, 5), 1),
        (20, date(2026, 12, 3), None, 0),  # in events, never mentioned in the window
    ]
    counts = to_daily_counts(WINDOW, (10, 20, 30), rows)
    np.testing.assert_array_equal(
        counts.counts, [[0, 4, 0, 0, 1], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]
    )
    np.testing.assert_array_equal(counts.first_seen, [1, 2, 5])  # 30: never seen


def test_event_added_before_the_window_is_seen_from_its_first_day() -> None:
    rows = [(10, date(2026, 11, 1), date(2026, 12, 4), 2)]
    counts = to_daily_counts(WINDOW, (10,), rows)
    assert counts.first_seen.tolist() == [0]


def test_unknown_first_seen_falls_back_to_the_first_mention() -> None:
    rows = [(10, None, date(2026, 12, 3), 2), (10, None, date(2026, 12, 4), 1)]
    counts = to_daily_counts(WINDOW, (10,), rows)
    assert counts.first_seen.tolist() == [2]
    assert counts.counts.tolist() == [[0, 0, 2, 1, 0]]


def test_rows_for_other_events_or_days_are_ignored() -> None:
    rows = [(99, date(2026, 12, 1), date(2026, 12, 1), 7), (10, None, date(2026, 11, 1), 3)]
    counts = to_daily_counts(WINDOW, (10,), rows)
    assert counts.counts.sum() == 0

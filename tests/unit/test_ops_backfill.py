"""Backfill scheduling: bounded runs in flight, and every day gets an outcome."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import pytest

from mentionfleet.ops.backfill import (
    COMPLETE,
    KICKOFF_FAILED,
    STUCK,
    TIMED_OUT,
    DayOutcome,
    Progress,
    days_between,
    run_backfill,
)

D = date(2026, 11, 1)


def test_days_between_includes_both_ends() -> None:
    assert days_between(D, D + timedelta(days=2)) == [D, D + timedelta(1), D + timedelta(2)]
    assert days_between(D, D) == [D]


def test_days_between_refuses_a_reversed_or_huge_range() -> None:
    with pytest.raises(ValueError, match="before --from"):
        days_between(D, D - timedelta(days=1))
    with pytest.raises(ValueError, match="at most 366"):
        days_between(D, D + timedelta(days=400))


class FakeFleet:
    """Runs that complete after `polls_to_finish` looks at the ledger; a fake clock."""

    def __init__(
        self,
        polls_to_finish: Mapping[date, int | None],
        *,
        refuse: Sequence[date] = (),
        dead: Sequence[date] = (),
    ) -> None:
        self.polls_to_finish = polls_to_finish
        self.refuse = set(refuse)
        self.dead = set(dead)
        self.polls: dict[str, int] = {}
        self.kicked: list[date] = []
        self.max_in_flight_seen = 0
        self.now = 0.0

    def kick(self, day: date) -> str:
        self.kicked.append(day)
        if day in self.refuse:
            raise RuntimeError(f"fanout answered 500 for {day}")
        run_id = f"run-{day:%Y%m%d}"
        self.polls[run_id] = 0
        return run_id

    def poll(self, run_ids: Sequence[str]) -> dict[str, Progress]:
        self.max_in_flight_seen = max(self.max_in_flight_seen, len(run_ids))
        out = {}
        for run_id in run_ids:
            self.polls[run_id] += 1
            day = date(int(run_id[4:8]), int(run_id[8:10]), int(run_id[10:12]))
            needed = self.polls_to_finish[day]
            done = needed is not None and self.polls[run_id] >= needed
            out[run_id] = Progress(
                "complete" if done else "running", 4 if done else 1, 4, int(day in self.dead)
            )
        return out

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _run(fleet: FakeFleet, days: list[date], *, n: int, timeout: float = 100.0) -> list[DayOutcome]:
    return run_backfill(
        days, fleet.kick, fleet.poll, max_in_flight=n, timeout_s=timeout, interval_s=1.0,
        clock=lambda: fleet.now, sleep=fleet.sleep,
    )  # fmt: skip


def test_never_more_runs_in_flight_than_allowed_and_all_complete() -> None:
    days = days_between(D, D + timedelta(days=6))
    fleet = FakeFleet({d: 1 + i % 3 for i, d in enumerate(days)})
    outcomes = _run(fleet, days, n=2)
    assert fleet.max_in_flight_seen == 2
    assert fleet.kicked == days, "days are kicked off in order"
    assert [o.as_of for o in outcomes] == days
    assert {o.outcome for o in outcomes} == {COMPLETE}
    assert all(o.batches_scored == o.batches_total == 4 for o in outcomes)


def test_with_one_in_flight_each_day_waits_for_the_previous() -> None:
    days = days_between(D, D + timedelta(days=2))
    fleet = FakeFleet(dict.fromkeys(days, 2))
    _run(fleet, days, n=1)
    assert fleet.max_in_flight_seen == 1
    assert fleet.polls == {f"run-{d:%Y%m%d}": 2 for d in days}


def test_a_run_that_never_completes_is_reported_timed_out_not_dropped() -> None:
    days = days_between(D, D + timedelta(days=2))
    fleet = FakeFleet({days[0]: 1, days[1]: None, days[2]: 1})
    outcomes = _run(fleet, days, n=3, timeout=10.0)
    by_day = {o.as_of: o for o in outcomes}
    assert by_day[days[1]].outcome == TIMED_OUT
    assert by_day[days[1]].run_id == f"run-{days[1]:%Y%m%d}"
    assert "not complete after 10 s (running, 1/4 scored)" in (by_day[days[1]].error or "")
    assert by_day[days[1]].seconds >= 10
    assert by_day[days[0]].outcome == by_day[days[2]].outcome == COMPLETE


def test_a_refused_kickoff_is_reported_and_the_other_days_still_run() -> None:
    days = days_between(D, D + timedelta(days=2))
    fleet = FakeFleet(dict.fromkeys(days, 1), refuse=[days[1]])
    outcomes = _run(fleet, days, n=2)
    assert [o.outcome for o in outcomes] == [COMPLETE, KICKOFF_FAILED, COMPLETE]
    assert outcomes[1].run_id is None and "500" in (outcomes[1].error or "")


def test_a_run_with_dead_lettered_batches_is_stuck_and_frees_its_slot() -> None:
    days = days_between(D, D + timedelta(days=1))
    fleet = FakeFleet({days[0]: None, days[1]: 1}, dead=[days[0]])
    outcomes = _run(fleet, days, n=1, timeout=1000.0)
    assert [o.outcome for o in outcomes] == [STUCK, COMPLETE]
    assert "dead-letters list" in (outcomes[0].error or "")
    assert fleet.now < 1000.0, "a stuck run must not hold its slot until the timeout"


def test_max_in_flight_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_in_flight=0"):
        _run(FakeFleet({}), [D], n=0)

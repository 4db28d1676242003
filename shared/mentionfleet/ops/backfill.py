"""Backfill: one run per day over a range, at most N runs in flight at once.

The scheduling is pure (kick, poll, clock and sleep are passed in) so it can be tested
without a fleet; `ledger_poll` is the real poll. Every day ends with an outcome: a run
that does not complete in time is reported as such, never dropped.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

import psycopg

from mentionfleet.ops.status import run_status

MAX_DAYS = 366
COMPLETE = "complete"
STUCK = "stuck"
"""Some batch is dead-lettered: the run cannot complete without an operator."""
TIMED_OUT = "timed_out"
KICKOFF_FAILED = "kickoff_failed"


@dataclass(frozen=True)
class Progress:
    state: str
    batches_scored: int
    batches_total: int
    batches_dead_lettered: int


@dataclass(frozen=True)
class DayOutcome:
    as_of: date
    run_id: str | None
    outcome: str
    """complete, stuck, timed_out or kickoff_failed."""
    batches_scored: int
    batches_total: int
    seconds: float
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "as_of": self.as_of.isoformat()}


Kick = Callable[[date], str]
"""Kick off the day's run and return its run id; raise if the fanout refused."""
Poll = Callable[[Sequence[str]], Mapping[str, Progress]]


def days_between(first: date, last: date) -> list[date]:
    """Every day from first to last, both included."""
    if last < first:
        raise ValueError(f"--to {last} is before --from {first}")
    count = (last - first).days + 1
    if count > MAX_DAYS:
        raise ValueError(f"{first}..{last} is {count} days; expected at most {MAX_DAYS}")
    return [first + timedelta(days=i) for i in range(count)]


def run_backfill(
    days: Sequence[date],
    kick: Kick,
    poll: Poll,
    *,
    max_in_flight: int,
    timeout_s: float,
    interval_s: float = 2.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    on_outcome: Callable[[DayOutcome], None] = lambda _: None,
) -> list[DayOutcome]:
    """Kick off each day in order, keeping at most max_in_flight runs unfinished."""
    if max_in_flight < 1:
        raise ValueError(f"max_in_flight={max_in_flight}: expected at least 1")
    waiting = deque(days)
    in_flight: dict[str, tuple[date, float]] = {}
    outcomes: list[DayOutcome] = []

    def finish(outcome: DayOutcome) -> None:
        outcomes.append(outcome)
        on_outcome(outcome)

    while waiting or in_flight:
        while waiting and len(in_flight) < max_in_flight:
            day = waiting.popleft()
            started = clock()
            try:
                run_id = kick(day)
            except (RuntimeError, OSError, ValueError) as exc:
                finish(DayOutcome(day, None, KICKOFF_FAILED, 0, 0, 0.0, str(exc)))
                continue
            in_flight[run_id] = (day, started)
        if not in_flight:
            continue
        progress = poll(list(in_flight))
        now = clock()
        finished = 0
        for run_id, (day, started) in list(in_flight.items()):
            p = progress.get(run_id)
            if p is not None and p.state == COMPLETE:
                outcome = COMPLETE
            elif p is not None and p.batches_dead_lettered > 0:
                outcome = STUCK
            elif now - started >= timeout_s:
                outcome = TIMED_OUT
            else:
                continue
            del in_flight[run_id]
            finished += 1
            finish(DayOutcome(
                day, run_id, outcome, p.batches_scored if p else 0,
                p.batches_total if p else 0, round(now - started, 1),
                None if outcome == COMPLETE else _why(outcome, p, timeout_s),
            ))  # fmt: skip
        if in_flight and not finished:
            sleep(interval_s)
    return sorted(outcomes, key=lambda o: o.as_of)


def _why(outcome: str, p: Progress | None, timeout_s: float) -> str:
    if outcome == STUCK and p is not None:
        return (
            f"{p.batches_dead_lettered} batch(es) dead-lettered; "
            "see `mentionfleet dead-letters list`"
        )
    state = f"{p.state}, {p.batches_scored}/{p.batches_total} scored" if p else "not recorded"
    return f"not complete after {timeout_s:.0f} s ({state})"


def ledger_poll(conn: psycopg.Connection) -> Poll:
    def poll(run_ids: Sequence[str]) -> dict[str, Progress]:
        found = {}
        for run_id in run_ids:
            s = run_status(conn, run_id)
            if s is not None:
                found[run_id] = Progress(
                    s.state, s.batches_scored, s.batches_total, s.batches_dead_lettered
                )
        return found

    return poll

"""Benchmark 2: the scorer's maths, event-days scored per second for a batch.

`detector.score` on a batch of 30-day series (Poisson counts around log-normal means,
first-seen days spread over the window, the run's weekday factors on), then
`score_rows` turning the result into rows for PostgreSQL. The same batch scored event
by event by the baseline's plain loops shows what vectorising buys.
"""

from __future__ import annotations

from datetime import date
from functools import partial

import numpy as np

from bench.baseline_old import score_event
from bench.context import BenchContext
from bench.report import Result, Table
from bench.timing import fmt_rate, repeat_median
from mentionfleet.scoring.rows import score_rows
from mentionfleet.spikes.detector import score
from mentionfleet.spikes.params import DetectorParams
from mentionfleet.warehouse.queries import Window
from mentionfleet.warehouse.reads import DailyCounts

DAYS = 30
SIZES = (100, 500, 2000)
DEFAULT_SIZE = 500
# A typical GDELT profile (weekdays busier), as the fanout records it with a run.
PARAMS = DetectorParams(weekday_factors=(1.12, 1.1, 1.08, 1.05, 1.0, 0.8, 0.85))
WINDOW = Window(as_of=date(2026, 11, 29), days=DAYS)


def batch(n: int, seed: int = 5) -> DailyCounts:
    rng = np.random.default_rng(seed)
    rates = rng.lognormal(0.5, 1.2, size=n)
    counts = rng.poisson(rates[:, None], size=(n, DAYS)).astype(np.int64)
    first_seen = rng.integers(0, DAYS, size=n).astype(np.int64)
    return DailyCounts(WINDOW, tuple(range(1, n + 1)), counts, first_seen)


def run(ctx: BenchContext) -> Result:
    del ctx  # pure CPU: no services
    weekday = WINDOW.start.weekday()
    rows = []
    data = {}
    for n in SIZES:
        b = batch(n)
        scores = score(b.counts, b.first_seen, weekday, PARAMS)
        seen = int(scores.seen.sum())
        t_score = repeat_median(
            partial(score, b.counts, b.first_seen, weekday, PARAMS), min_seconds=1.0
        )
        t_rows = repeat_median(partial(score_rows, b, scores, "bench", 0), min_seconds=0.5)
        rows.append(
            (
                f"{n:,}",
                f"{n * DAYS:,}",
                f"{1000 * t_score:.2f}",
                fmt_rate(n * DAYS / t_score),
                f"{1000 * t_rows:.2f}",
                fmt_rate(seen / t_rows),
                fmt_rate(n * DAYS / (t_score + t_rows)),
            )
        )
        data[n] = {
            "event_days": n * DAYS,
            "seen_event_days": seen,
            "score_s": t_score,
            "rows_s": t_rows,
            "event_days_per_s": n * DAYS / t_score,
        }

    b = batch(DEFAULT_SIZE)
    series = [(list(map(int, b.counts[i])), int(b.first_seen[i])) for i in range(DEFAULT_SIZE)]
    t_loop = repeat_median(
        lambda: [score_event(c, f, weekday, PARAMS) for c, f in series], min_seconds=1.0
    )
    vectorised = data[DEFAULT_SIZE]["score_s"]
    loop_rate = DEFAULT_SIZE * DAYS / t_loop
    table = Table(
        (
            "batch (events)",
            "event-days",
            "score ms",
            "event-days/s",
            "rows ms",
            "rows/s",
            "score+rows event-days/s",
        ),
        tuple(rows),
    )
    compare = Table(
        ("batch of 500, 30 days", "ms", "event-days/s", "vs loop"),
        (
            ("detector.score (vectorised)", f"{1000 * vectorised:.2f}",
             fmt_rate(DEFAULT_SIZE * DAYS / vectorised), f"{t_loop / vectorised:.0f}x"),
            ("baseline per-event loop", f"{1000 * t_loop:.2f}", fmt_rate(loop_rate), "1x"),
        ),
    )  # fmt: skip
    return Result(
        name="scorer",
        title="2. Scorer maths: event-days scored per second",
        tables=(table, compare),
        data={
            "days": DAYS,
            "sizes": data,
            "loop_event_days_per_s": loop_rate,
            "vectorised_vs_loop": t_loop / vectorised,
        },
        notes=(
            "One process, one thread; median of repeated runs (at least 1 s of them). "
            "`rows` is `scoring.rows.score_rows` (one tuple per seen event-day, ready for "
            "COPY). The loop is the baseline's per-event detector, which gives identical "
            "floats.",
        ),
    )

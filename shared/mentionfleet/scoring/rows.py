"""Pure: turn a batch's counts and scores into rows for `mention_scores`."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np

from mentionfleet.spikes.scores import Scores, tier_name
from mentionfleet.store.scores import ScoreRow
from mentionfleet.warehouse.reads import DailyCounts


def _opt(value: float) -> float | None:
    return None if math.isnan(value) else value


def score_rows(
    counts: DailyCounts, scores: Scores, run_id: str, batch_index: int
) -> list[ScoreRow]:
    """One row per (event, day) from the event's first-seen day to the end of the window."""
    events, days = np.nonzero(scores.seen)
    ids = np.asarray(counts.event_ids, dtype=np.int64)[events].tolist()
    dates = [counts.window.start + timedelta(days=d) for d in range(counts.window.days)]
    mentions = scores.mentions[events, days].tolist()
    history = scores.history[events, days].tolist()
    mean = scores.baseline_mean[events, days].tolist()
    std = scores.baseline_std[events, days].tolist()
    z = scores.z[events, days].tolist()
    velocity = scores.velocity[events, days].tolist()
    tier = scores.tier[events, days].tolist()
    return [
        (
            ids[i],
            dates[d],
            mentions[i],
            history[i],
            _opt(mean[i]),
            _opt(std[i]),
            _opt(z[i]),
            None if math.isnan(velocity[i]) else int(velocity[i]),
            tier_name(tier[i]),
            run_id,
            batch_index,
        )
        for i, d in enumerate(days.tolist())
    ]

"""Cutting a run's event ids into batches.

Batches are contiguous ranges of the sorted ids: each batch's BigQuery query can then
add `GLOBALEVENTID BETWEEN lo AND hi`, which lets clustering on GLOBALEVENTID prune
storage blocks, so a run's batches together scan about one copy of the look-back
partitions instead of one copy each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

INT64_MAX = 2**63 - 1
MAX_BATCH_SIZE = 5000


@dataclass(frozen=True)
class Batch:
    index: int
    event_ids: tuple[int, ...]

    @property
    def id_range(self) -> tuple[int, int]:
        return self.event_ids[0], self.event_ids[-1]


def plan_batches(event_ids: Iterable[int], batch_size: int) -> list[Batch]:
    """Sorted, de-duplicated ids cut into consecutive batches of at most batch_size."""
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise ValueError(f"batch_size={batch_size}: expected 1 to {MAX_BATCH_SIZE}")
    ids = sorted(set(event_ids))
    for event_id in (ids[:1] + ids[-1:]):
        if not 1 <= event_id <= INT64_MAX:
            raise ValueError(f"event id {event_id}: expected a positive INT64")
    return [
        Batch(index=i, event_ids=tuple(ids[start : start + batch_size]))
        for i, start in enumerate(range(0, len(ids), batch_size))
    ]

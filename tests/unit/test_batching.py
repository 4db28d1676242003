from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mentionfleet.batching import INT64_MAX, MAX_BATCH_SIZE, plan_batches


def test_batches_are_sorted_contiguous_and_unique() -> None:
    batches = plan_batches([9, 3, 3, 7, 1, 12, 5], batch_size=3)
    assert [b.event_ids for b in batches] == [(1, 3, 5), (7, 9, 12)]
    assert [b.index for b in batches] == [0, 1]
    assert batches[1].id_range == (7, 12)


def test_no_ids_no_batches() -> None:
    assert plan_batches([], batch_size=10) == []


@pytest.mark.parametrize("size", [0, -1, MAX_BATCH_SIZE + 1])
def test_batch_size_out_of_range(size: int) -> None:
    with pytest.raises(ValueError, match=f"batch_size={size}"):
        plan_batches([1], batch_size=size)


@pytest.mark.parametrize("bad", [0, -3, INT64_MAX + 1])
def test_ids_must_be_positive_int64(bad: int) -> None:
    with pytest.raises(ValueError, match=str(bad)):
        plan_batches([5, bad], batch_size=10)


@given(ids=st.lists(st.integers(1, 10**12)), size=st.integers(1, 50))
def test_every_id_in_exactly_one_batch_and_ranges_do_not_overlap(ids: list[int], size: int) -> None:
    batches = plan_batches(ids, size)
    flat = [i for b in batches for i in b.event_ids]
    assert flat == sorted(set(ids))
    assert all(len(b.event_ids) <= size for b in batches)
    assert all(a.id_range[1] < b.id_range[0] for a, b in itertools.pairwise(batches))

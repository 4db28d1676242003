"""The BigQuery cost model (pure), its statistics helpers, and the query guard."""

from __future__ import annotations

import ast
import itertools
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentionfleet.gdelt.schema import EVENTS, MENTIONS
from mentionfleet.warehouse import cost, reads, stats
from mentionfleet.warehouse.cost import MIB, Partition, RunShape, TableRead
from mentionfleet.warehouse.queries import CountryCodes, Window, daily_counts, event_ids

DAY = date(2026, 11, 1)
SHARED = Path(__file__).resolve().parents[2] / "shared" / "mentionfleet"


def uniform(rows: int, lo: int, hi: int, day: date = DAY) -> Partition:
    return Partition(day, rows, tuple(np.linspace(lo, hi, 11).round().astype(int).tolist()))


def read(parts: tuple[Partition, ...], width: float = 8.0, row: float = 8.0) -> TableRead:
    return TableRead("p.d.t", parts, width, row)


# --- billing -----------------------------------------------------------------------------


def test_a_small_query_is_billed_the_10_mib_minimum_per_table_and_per_query() -> None:
    assert cost.billed([1]) == 10 * MIB
    assert cost.billed([1, 1]) == 20 * MIB
    assert cost.billed([]) == 10 * MIB


def test_each_table_has_its_own_minimum_and_the_total_rounds_up_to_a_mib() -> None:
    assert cost.billed([1, 50 * MIB]) == 60 * MIB
    assert cost.billed([30 * MIB + 1]) == 31 * MIB


def test_a_dry_run_total_is_billed_at_least_the_per_table_minimums() -> None:
    assert cost.billed_at_least(0, 2) == 20 * MIB
    assert cost.billed_at_least(25 * MIB + 5, 2) == 26 * MIB


# --- pruning -----------------------------------------------------------------------------


def test_a_partition_of_one_block_is_read_whole_by_any_range_that_meets_it() -> None:
    r = read((uniform(1000, 100, 1099),))  # 8 KB: far below one block
    assert cost.pruned_bytes(r, 100, 100, 64 * MIB) == 8000
    assert cost.pruned_bytes(r, 1099, 5000, 64 * MIB) == 8000
    assert cost.pruned_bytes(r, 1100, 5000, 64 * MIB) == 0
    assert cost.pruned_bytes(r, 0, 99, 64 * MIB) == 0


def test_a_range_reads_only_the_blocks_its_ids_fall_in() -> None:
    # 10 blocks of 100 rows, ids 0..999 spread evenly: block j holds ids 100j..100(j+1).
    r = read((uniform(1000, 0, 1000),))
    assert cost.blocks(8000, 800) == 10
    assert cost.pruned_bytes(r, 210, 280, 800) == 800  # inside block 2
    assert cost.pruned_bytes(r, 250, 450, 800) == 3 * 800  # blocks 2, 3, 4
    assert cost.pruned_bytes(r, 0, 1000, 800) == 8000


def test_blocks_are_filled_by_whole_rows_but_billed_for_the_columns_read() -> None:
    # 1000 rows of 80 bytes make 10 blocks of 8 KB; the query reads 8 bytes a row.
    r = read((uniform(1000, 0, 1000),), width=8.0, row=80.0)
    assert cost.pruned_bytes(r, 210, 280, 8000) == pytest.approx(800)


def test_skewed_ids_put_more_blocks_where_the_ids_are_dense() -> None:
    # Half the rows have ids 0..10, the rest 10..1000: the first half fills 5 of 10 blocks.
    skewed = Partition(DAY, 1000, (0, 2, 4, 6, 8, 10, 208, 406, 604, 802, 1000))
    r = read((skewed,))
    assert cost.pruned_bytes(r, 0, 9, 800) == 5 * 800
    assert cost.pruned_bytes(r, 500, 600, 800) == 800


@given(
    lo=st.integers(1, 10_000),
    span=st.integers(10, 100_000),
    n=st.integers(1, 60),
)
def test_uniform_ranges_tile_the_span(lo: int, span: int, n: int) -> None:
    hi = lo + max(span, n)
    ranges = cost.uniform_ranges(lo, hi, n)
    assert len(ranges) == n
    assert ranges[0][0] == lo and ranges[-1][1] == hi
    for (_, a_hi), (b_lo, _) in itertools.pairwise(ranges):
        assert b_lo == a_hi + 1


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.integers(1, 200_000), min_size=1, max_size=8),
    block_kib=st.integers(1, 4096),
    n=st.integers(1, 40),
)
def test_tiling_ranges_read_at_least_one_scan_and_at_most_two_extra_blocks_each(
    rows: list[int], block_kib: int, n: int
) -> None:
    parts = tuple(
        uniform(r, 1000 * i, 1000 * i + 5000, DAY + timedelta(i)) for i, r in enumerate(rows)
    )
    r = read(parts)
    block = block_kib * 1024
    ranges = cost.uniform_ranges(0, 1000 * len(rows) + 5000, n)
    scanned = sum(cost.pruned_bytes(r, lo, hi, block) for lo, hi in ranges)
    slack = sum(
        p.rows * r.bytes_per_row / cost.blocks(p.rows * r.row_bytes, block) * 2 * n for p in parts
    )
    assert r.bytes - 1e-6 <= scanned <= r.bytes + slack + 1e-6


def test_uniform_ranges_refuse_more_ranges_than_ids() -> None:
    with pytest.raises(ValueError, match=r"expected 1 <= n <= 3"):
        cost.uniform_ranges(5, 7, 4)


# --- whole-run estimates ---------------------------------------------------------------


def shape(rows_per_day: int, days: int = 30) -> RunShape:
    """Event ids grow by day; mention partitions hold ids from the window start to that day."""
    per_day = 10_000
    events = tuple(
        uniform(rows_per_day // 10, d * per_day, (d + 1) * per_day - 1, DAY + timedelta(d))
        for d in range(days)
    )
    mentions = tuple(
        uniform(rows_per_day, 0, (d + 1) * per_day - 1, DAY + timedelta(d)) for d in range(days)
    )
    return RunShape(
        fanout=((read(events, 40, 400),), (read(mentions, 8, 300),)),
        batch=(read(events, 16, 400), read(mentions, 113, 300)),
        old_bytes=(1e12, 1e13),
        window_days=days,
    )


def test_with_fine_blocks_the_ranged_design_costs_about_one_scan() -> None:
    s = shape(rows_per_day=600_000)
    ranges = cost.uniform_ranges(0, 30 * 10_000 - 1, 45)
    e = cost.estimate(s, ranges, events=22_000, block_bytes=1 * MIB)
    assert e.batches == 45
    assert e.design("ranged").queries == 2 + 45
    ranged, one_scan = e.design("ranged"), e.design("one scan")
    # Each batch meeting a partition re-reads at most the blocks at its range's two ends:
    # partition d (172 blocks) is met by ~1.5 (d + 1) of the 45 ranges, ~12% in all.
    assert 1.0 <= ranged.scanned / one_scan.scanned < 1.15
    # Billed on top: those re-reads, the events table's 10 MiB minimum in every batch
    # query (its share of a batch is ~0.6 MB) and rounding up to the MiB.
    extra = ranged.scanned - one_scan.scanned
    assert extra < ranged.billed - one_scan.billed <= extra + 45 * (10 + 1) * MIB
    assert e.design("unpruned").billed > 30 * e.design("one scan").billed


def test_with_partitions_of_one_block_every_batch_rereads_what_its_range_meets() -> None:
    s = shape(rows_per_day=1_000)
    ranges = cost.uniform_ranges(0, 30 * 10_000 - 1, 30)
    e = cost.estimate(s, ranges, events=22_000, block_bytes=1024 * MIB)
    # Batch i's ids were first seen on day i, and appear in mention partitions i..29.
    mentions = s.batch[1]
    per_partition = mentions.partitions[0].rows * mentions.bytes_per_row
    expected = sum((30 - i) * per_partition for i in range(30))
    events = s.batch[0].bytes
    assert e.design("ranged").scanned - sum(t.bytes for q in s.fanout for t in q) == (
        pytest.approx(expected + events)
    )
    # Tiny queries: each batch is billed the 10 MiB minimum of both tables.
    fanout = sum(cost.billed(t.bytes for t in q) for q in s.fanout)
    assert e.design("ranged").billed == fanout + 30 * 20 * MIB


def test_the_fleet_as_built_pays_one_scan_plus_a_minimum_per_batch() -> None:
    s = shape(rows_per_day=600_000)
    e = cost.estimate(s, cost.uniform_ranges(0, 299_999, 45), events=22_000, block_bytes=64 * MIB)
    one_scan = e.design("one scan").billed
    # The staging DELETE (no rows yet: the minimum) and 45 slices of ~0.9 MB: the minimum.
    assert e.design("staged").billed == one_scan + 10 * MIB + 45 * 10 * MIB
    assert e.design("staged").queries == 2 + 2 + 45
    # A 2 GiB look-back: the 46 minimums are a fifth of it (at GDELT scale, a sliver).
    assert e.as_built_vs_one_scan == e.design("staged").billed / one_scan < 1.25
    # With 64 MiB blocks, per-batch direct counts re-read the look-back several times.
    assert e.ranged_vs_one_scan > 5 * e.as_built_vs_one_scan
    # The guard must let the staging scan of the look-back through.
    assert e.largest_query_billed == cost.billed(t.bytes for t in s.batch)
    assert e.largest_direct_billed <= e.largest_query_billed


def test_estimate_refuses_a_block_size_below_one_byte() -> None:
    with pytest.raises(ValueError, match="block_bytes=0"):
        cost.estimate(shape(1000), [(0, 1)], events=1, block_bytes=0)


def test_partition_quantiles_must_ascend() -> None:
    with pytest.raises(ValueError, match="not ascending"):
        Partition(DAY, 10, (5, 3))


# --- statistics helpers ------------------------------------------------------------------


def test_column_widths_are_exact_for_fixed_types_and_share_the_rest() -> None:
    schema = {"id": "INTEGER", "day": "DATE", "url": "STRING", "name": "STRING", "ok": "BOOLEAN"}
    widths = stats.column_widths(schema, num_rows=10, num_bytes=10 * (8 + 8 + 1 + 100))
    assert widths == {"id": 8.0, "day": 8.0, "ok": 1.0, "url": 50.0, "name": 50.0}
    # An empty STRING still takes 2 bytes.
    assert stats.column_widths({"s": "STRING"}, num_rows=10, num_bytes=0) == {"s": 2.0}


def test_columns_read_are_found_in_the_fleets_own_sql() -> None:
    window = Window(as_of=DAY, days=30)
    counts = daily_counts("p.d.events", "p.d.eventmentions", window, (1, 2)).sql
    assert set(stats.columns_read(counts, EVENTS)) == {"GLOBALEVENTID", "DateAddedDay"}
    assert set(stats.columns_read(counts, MENTIONS)) == {
        "GLOBALEVENTID",
        "MentionDay",
        "MentionIdentifier",
    }
    fanout = event_ids("p.d.events", window, CountryCodes()).sql
    assert set(stats.columns_read(fanout, EVENTS)) == {
        "GLOBALEVENTID",
        "DateAddedDay",
        "ActionGeo_CountryCode",
        "Actor1CountryCode",
        "Actor2CountryCode",
    }


# --- the maximum_bytes_billed guard --------------------------------------------------------


class _Job:
    total_bytes_processed = 123

    def result(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []


class _Client:
    def __init__(self) -> None:
        self.configs: list[Any] = []

    def query(self, sql: str, job_config: Any = None, **kwargs: Any) -> _Job:
        self.configs.append(job_config)
        return _Job()


GUARD = 12_345_678


def test_every_query_path_sets_maximum_bytes_billed_from_its_argument() -> None:
    client: Any = _Client()
    window = Window(as_of=DAY, days=30)
    reads.fetch_event_ids(client, "p.d.e", window, CountryCodes(), max_bytes_billed=GUARD)
    reads.fetch_daily_counts(client, "p.d.e", "p.d.m", window, (1, 2), max_bytes_billed=GUARD)
    reads.fetch_daily_volume(client, "p.d.m", window, max_bytes_billed=GUARD)
    reads.fetch_event_details(
        client, "p.d.e", (1, 2), DAY, DAY, max_bytes_billed=GUARD, timeout_s=5
    )
    stats.partitions(client, "p.d.m", MENTIONS, window, max_bytes_billed=GUARD)
    assert stats.dry_run_bytes(client, event_ids("p.d.e", window, CountryCodes()), GUARD) == 123
    assert len(client.configs) == 6
    assert [c.maximum_bytes_billed for c in client.configs] == [GUARD] * 6
    assert client.configs[-1].dry_run is True


def _enclosing_functions(tree: ast.AST) -> dict[ast.Call, ast.FunctionDef]:
    found: dict[ast.Call, ast.FunctionDef] = {}
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef):
            for node in ast.walk(fn):
                if isinstance(node, ast.Call):
                    found.setdefault(node, fn)
    return found


def test_no_module_runs_a_bigquery_query_without_the_guard() -> None:
    """Any `<client>.query(sql, ...)` in the package sits in a function that sets the guard."""
    unguarded, guarded = [], 0
    for path in sorted(SHARED.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        for call, fn in _enclosing_functions(tree).items():
            func = call.func
            if not (isinstance(func, ast.Attribute) and func.attr == "query" and call.args):
                continue
            body = ast.get_source_segment(source, fn) or ""
            if "maximum_bytes_billed" in body:
                guarded += 1
            else:
                unguarded.append(f"{path.relative_to(SHARED)}:{call.lineno} in {fn.name}")
    assert unguarded == []
    assert guarded >= 3  # reads._run, reads.fetch_event_details, stats.dry_run_bytes

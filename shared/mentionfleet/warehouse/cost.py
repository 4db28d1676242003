"""What one run costs in BigQuery on-demand billing: a pure model fed by table statistics.

A run, as built ("staged"), is the fanout's queries (the window's event ids; the daily
volume behind the weekday factors; one script staging the daily counts of all the run's
events in `run_daily_counts`) and one query per batch reading its slice of those.
On-demand billing charges the bytes of the columns a query reads in the partitions it
reads, rounded up to the MiB, with at least 10 MiB per table referenced and 10 MiB per
query.

Cluster pruning, as modelled: inside a partition, rows are stored sorted by GLOBALEVENTID
in blocks of about B bytes (of whole rows: a block holds every column), so a partition of
R rows of W bytes has k = max(1, ceil(R W / B)) blocks of equal row counts, block j
holding the ids between the j/k and (j+1)/k quantiles q_p of the partition's ids. A
query with `GLOBALEVENTID BETWEEN lo AND hi` reads only the blocks whose id range meets
[lo, hi], and is billed for the columns it reads (w bytes per row, S_p = R w) in them:

    scanned(batch, table) = Σ_p S_p / k_p × #{j : [q_p(j/k_p), q_p((j+1)/k_p)] meets [lo, hi]}
    billed(query)         = ceil_MiB(max(10 MiB, Σ_tables max(10 MiB, scanned(table))))
    run                   = Σ_fanout queries billed(query) + Σ_batches billed(batch)

Designs compared (same fanout queries in all but `old`):
- staged: the fleet as built: the staging script (a DELETE of the run's staged rows,
  none on a first kickoff: 10 MiB, and one scan of the look-back) and each batch
  reading its range of the small staging table (clustered by run and event id: the 10 MiB minimum);
- one scan: the floor, both tables' look-back partitions read once;
- ranged: each batch counts directly, pruned to its contiguous id range (the fleet's
  fallback when a batch has no staged rows; the design before staging);
- unpruned: one query per batch, each reading the whole look-back partitions;
- old: one query over every partition of both tables (the unpartitioned original).

BigQuery does not document its block size ("adaptively sized"); pruning can only help
where a partition spans several blocks, so the estimate is only as good as `block_bytes`.
A dry run cannot settle it either: its estimate ignores cluster pruning (an upper bound).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt

MIB = 1024**2
MIN_BILLED_PER_TABLE = 10 * MIB
MIN_BILLED_PER_QUERY = 10 * MIB
DEFAULT_BLOCK_BYTES = 64 * MIB
"""Assumed storage block: BigQuery's docs say partitions under 64 MB gain little from
clustering, i.e. they are about one block."""
STAGED_ROW_BYTES = 63
"""A staged row: run_id (2 + 21 bytes) and five 8-byte columns (as_of, event_id,
first_seen, day, articles), all of which a batch's read references."""


@dataclass(frozen=True)
class Partition:
    """One day partition: its row count and sampled quantiles of its GLOBALEVENTIDs."""

    day: date
    rows: int
    id_quantiles: tuple[int, ...]
    """Ascending; the first is the least id, the last the greatest (one value: a single id)."""

    def __post_init__(self) -> None:
        if self.rows < 0:
            raise ValueError(f"Partition.rows={self.rows}: expected >= 0")
        if not self.id_quantiles:
            raise ValueError("Partition.id_quantiles is empty: expected at least the min id")
        if any(b < a for a, b in itertools.pairwise(self.id_quantiles)):
            raise ValueError(f"Partition.id_quantiles {self.id_quantiles[:5]}...: not ascending")


@dataclass(frozen=True)
class TableRead:
    """One table as a query reads it: its partitions in the window, bytes per row read."""

    table: str
    partitions: tuple[Partition, ...]
    bytes_per_row: float
    """Bytes per row of the columns the query reads (INT64/DATE: 8, STRING: 2 + length)."""
    row_bytes: float
    """Bytes per row of all columns: what fills a storage block."""

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.partitions)

    @property
    def bytes(self) -> float:
        return self.rows * self.bytes_per_row


@dataclass(frozen=True)
class RunShape:
    """What a run's queries read, from table statistics."""

    fanout: tuple[tuple[TableRead, ...], ...]
    """The tables of each fanout query: whole partitions, no id filter."""
    batch: tuple[TableRead, ...]
    """Each batch query's tables over the look-back partitions, before pruning."""
    old_bytes: tuple[float, ...]
    """Bytes of the columns the old single query read, over every row of each table."""
    window_days: int


@dataclass(frozen=True)
class Design:
    name: str
    queries: int
    scanned: float
    billed: int


@dataclass(frozen=True)
class CostEstimate:
    batches: int
    events: int
    block_bytes: int
    designs: tuple[Design, ...]
    largest_query_billed: int
    """The most any one query of the staged design (as built) is estimated to bill, the
    staging scan included: what `maximum_bytes_billed` must allow."""
    largest_direct_billed: int
    """The most one batch counting directly (the fallback, `ranged`) would bill."""
    per_batch_scanned: tuple[float, ...] = field(repr=False)

    def design(self, name: str) -> Design:
        for d in self.designs:
            if d.name == name:
                return d
        raise LookupError(f"no design {name!r}: expected one of {[d.name for d in self.designs]}")

    @property
    def as_built_vs_one_scan(self) -> float:
        """Billed bytes of the fleet's (staged) run over the floor of one scan (1.0 is ideal)."""
        return self.design("staged").billed / self.design("one scan").billed

    @property
    def ranged_vs_one_scan(self) -> float:
        """The same for per-batch direct counts (the design before staging)."""
        return self.design("ranged").billed / self.design("one scan").billed


def ceil_mib(n: float) -> int:
    return math.ceil(n / MIB) * MIB


def billed(per_table: Iterable[float]) -> int:
    """On-demand bytes billed for one query reading these bytes from each table it names."""
    tables = [max(float(MIN_BILLED_PER_TABLE), b) for b in per_table]
    return ceil_mib(max(float(MIN_BILLED_PER_QUERY), sum(tables)))


def billed_at_least(total: float, tables: int) -> int:
    """Least billing of a query that processed `total` bytes from `tables` tables.

    A dry run reports one total, not bytes per table, so the per-table minimum can only
    be applied as a floor: the real bill lies between this and `billed` of the split.
    """
    return ceil_mib(max(float(MIN_BILLED_PER_QUERY), tables * float(MIN_BILLED_PER_TABLE), total))


def blocks(partition_bytes: float, block_bytes: int) -> int:
    """Storage blocks of a partition holding this many bytes of whole rows."""
    return max(1, math.ceil(partition_bytes / block_bytes))


def block_edges(partition: Partition, k: int) -> npt.NDArray[np.float64]:
    """Id at each of the k + 1 block boundaries, interpolated between sampled quantiles."""
    q = np.asarray(partition.id_quantiles, dtype=np.float64)
    if q.size == 1:
        return np.full(k + 1, q[0])
    return np.interp(np.arange(k + 1) / k, np.linspace(0.0, 1.0, q.size), q)


def pruned_bytes(read: TableRead, lo: int, hi: int, block_bytes: int) -> float:
    """Bytes a query with `GLOBALEVENTID BETWEEN lo AND hi` reads from this table."""
    total = 0.0
    for p in read.partitions:
        if p.rows == 0 or hi < p.id_quantiles[0] or lo > p.id_quantiles[-1]:
            continue
        k = blocks(p.rows * read.row_bytes, block_bytes)
        edges = block_edges(p, k)
        met = int(np.count_nonzero((edges[:-1] <= hi) & (edges[1:] >= lo)))
        total += p.rows * read.bytes_per_row / k * met
    return total


def uniform_ranges(lo: int, hi: int, n: int) -> list[tuple[int, int]]:
    """n contiguous id ranges splitting [lo, hi] evenly (batches of ids spread evenly)."""
    if not 1 <= n <= hi - lo + 1:
        raise ValueError(
            f"uniform_ranges({lo}, {hi}, {n}): expected 1 <= n <= {hi - lo + 1} (the ids in it)"
        )
    cuts = [lo + (hi - lo + 1) * i // n for i in range(n + 1)]
    return [(cuts[i], cuts[i + 1] - 1) for i in range(n)]


def estimate(
    shape: RunShape,
    ranges: Sequence[tuple[int, int]],
    *,
    events: int,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
) -> CostEstimate:
    """Scanned and billed bytes of one run, per design, for batches with these id ranges."""
    if block_bytes < 1:
        raise ValueError(f"block_bytes={block_bytes}: expected >= 1")
    n = len(ranges)
    fanout = sum(billed(t.bytes for t in query) for query in shape.fanout)
    fanout_scanned = sum(t.bytes for query in shape.fanout for t in query)
    f = len(shape.fanout)

    per_batch = [[pruned_bytes(t, lo, hi, block_bytes) for t in shape.batch] for lo, hi in ranges]
    ranged_billed = [billed(b) for b in per_batch]
    window = [t.bytes for t in shape.batch]

    # An upper bound: a row per event and day (days without mentions have none).
    staged_rows = events * shape.window_days
    staged_table = staged_rows * STAGED_ROW_BYTES
    # Each batch reads its share of the staged table (clustered by event id), at least 10 MiB.
    staged_batch = billed([staged_table / n]) if n else 0
    # The DELETE reads the run's staged rows (pruned by the run_id cluster): none on a
    # first kickoff, so the 10 MiB minimum; a retried kickoff pays the staged table again.
    stage_delete, stage_insert = billed([0.0]), billed(window)

    designs = (
        Design("staged", f + 2 + n, fanout_scanned + sum(window) + staged_table,
               fanout + stage_delete + stage_insert + n * staged_batch),
        Design("one scan", f + 1, fanout_scanned + sum(window), fanout + billed(window)),
        Design("ranged", f + n, fanout_scanned + sum(map(sum, per_batch)),
               fanout + sum(ranged_billed)),
        Design("unpruned", f + n, fanout_scanned + n * sum(window),
               fanout + n * billed(window) if n else fanout),
        Design("old", 1, sum(shape.old_bytes), billed(shape.old_bytes)),
    )  # fmt: skip
    return CostEstimate(
        batches=n,
        events=events,
        block_bytes=block_bytes,
        designs=designs,
        largest_query_billed=max(
            [
                *(billed(t.bytes for t in query) for query in shape.fanout),
                stage_insert,
                stage_delete,
                staged_batch,
            ]
        ),
        largest_direct_billed=max(ranged_billed, default=0),
        per_batch_scanned=tuple(sum(b) for b in per_batch),
    )

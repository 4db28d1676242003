"""`mentionfleet cost`: the BigQuery bytes one run scans and bills, per design.

Reads table statistics from the configured warehouse (metadata plus one small
partition query per table) and applies the model in `mentionfleet.warehouse.cost`;
with `--dry-run` it also dry-runs the fleet's real queries (free) and sums BigQuery's
own estimates, which ignore cluster pruning and so bound the fleet's bill from above.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import click

from mentionfleet.batching import MAX_BATCH_SIZE, plan_batches
from mentionfleet.config import Settings, current
from mentionfleet.message import MAX_LOOKBACK_DAYS
from mentionfleet.warehouse import cost
from mentionfleet.warehouse.client import make_client
from mentionfleet.warehouse.queries import (
    CountryCodes,
    Window,
    daily_counts,
    daily_volume,
    event_ids,
)
from mentionfleet.warehouse.reads import fetch_event_ids
from mentionfleet.warehouse.stats import Shape, dry_run_bytes, run_shape, volume_window


@dataclass(frozen=True)
class DryRun:
    queries: int
    processed: int
    billed_at_least: int


@dataclass(frozen=True)
class CostReport:
    as_of: date
    lookback_days: int
    batch_size: int
    events_source: str
    max_bytes_billed: int
    shape: Shape
    estimate: cost.CostEstimate
    dry_run: DryRun | None = field(default=None)

    def as_json(self) -> dict[str, Any]:
        e = self.estimate
        reads = [t for query in self.shape.run.fanout for t in query] + list(self.shape.run.batch)
        return {
            "as_of": self.as_of.isoformat(),
            "lookback_days": self.lookback_days,
            "batch_size": self.batch_size,
            "events": e.events,
            "events_source": self.events_source,
            "batches": e.batches,
            "block_bytes": e.block_bytes,
            "max_bytes_billed": self.max_bytes_billed,
            "largest_query_billed": e.largest_query_billed,
            "largest_direct_billed": e.largest_direct_billed,
            "tables": {
                name: {"rows": s.num_rows, "bytes": s.num_bytes}
                for name, s in (("events", self.shape.events), ("mentions", self.shape.mentions))
            },
            "columns_read": dict(self.shape.columns),
            "reads": [
                {
                    "table": r.table,
                    "partitions": len(r.partitions),
                    "rows": r.rows,
                    "bytes_per_row": r.bytes_per_row,
                    "bytes": r.bytes,
                }
                for r in reads
            ],
            "designs": {
                d.name: {"queries": d.queries, "scanned": round(d.scanned), "billed": d.billed}
                for d in e.designs
            },
            "as_built_vs_one_scan": round(e.as_built_vs_one_scan, 3),
            "ranged_vs_one_scan": round(e.ranged_vs_one_scan, 3),
            "dry_run": None if self.dry_run is None else self.dry_run.__dict__,
        }


def gather(
    settings: Settings,
    *,
    as_of: date,
    lookback_days: int,
    batch_size: int,
    events: int | None,
    block_bytes: int,
    dry_run: bool,
) -> CostReport:
    client = make_client(settings)
    guard = settings.max_bytes_billed
    window = Window(as_of=as_of, days=lookback_days)
    shape = run_shape(
        client, settings.events_table, settings.mentions_table, window, max_bytes_billed=guard
    )
    batch_ids: list[tuple[int, ...]]
    if events is None:
        ids = fetch_event_ids(
            client, settings.events_table, window, CountryCodes(), max_bytes_billed=guard
        )
        batch_ids = [b.event_ids for b in plan_batches(ids, batch_size)]
        ranges = [(b[0], b[-1]) for b in batch_ids]
        n_events, source = len(ids), "the fanout query"
    else:
        parts = shape.run.batch[0].partitions
        n_batches = math.ceil(events / batch_size)
        ranges = []
        if parts and n_batches:
            lo = min(p.id_quantiles[0] for p in parts)
            hi = max(p.id_quantiles[-1] for p in parts)
            if n_batches > hi - lo + 1:
                raise ValueError(
                    f"--events {events}: {n_batches} batches of {batch_size} need as many "
                    f"ids, but the window's event ids span only {hi - lo + 1}"
                )
            ranges = cost.uniform_ranges(lo, hi, n_batches)
        batch_ids = [(lo, hi) if hi > lo else (lo,) for lo, hi in ranges]
        n_events, source = events, "--events, spread evenly over the window's ids"
    estimate = cost.estimate(shape.run, ranges, events=n_events, block_bytes=block_bytes)
    dry = None
    if dry_run:
        # (query, tables it reads): the per-table minimum applies to each.
        jobs = [
            (event_ids(settings.events_table, window, CountryCodes()), 1),
            (daily_volume(settings.mentions_table, volume_window(window)), 1),
        ] + [
            (daily_counts(settings.events_table, settings.mentions_table, window, ids), 2)
            for ids in batch_ids
        ]
        processed = [(dry_run_bytes(client, query, guard), tables) for query, tables in jobs]
        dry = DryRun(
            queries=len(jobs),
            processed=sum(b for b, _ in processed),
            billed_at_least=sum(cost.billed_at_least(b, tables) for b, tables in processed),
        )
    return CostReport(as_of, lookback_days, batch_size, source, guard, shape, estimate, dry)


def _size(n: float) -> str:
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if abs(n) >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n:,.0f} B"


FANOUT_QUERIES = ("event_ids", "daily_volume")
"""The fanout's queries, in the order `stats.run_shape` lists them."""
_LABELS = {
    "staged": "fleet as built: counts staged once, read per batch",
    "one scan": "one scan: look-back partitions read once",
    "ranged": "per-batch direct counts, pruned to id ranges",
    "unpruned": "per-batch queries without cluster pruning",
    "old": "old single query over whole tables",
}


def format_report(r: CostReport) -> str:
    e = r.estimate
    floor = e.design("one scan").billed
    lines = [
        f"BigQuery cost of one run: as of {r.as_of}, {r.lookback_days} look-back days, "
        f"batch size {r.batch_size}",
        f"  events {e.events:,} ({r.events_source}); batches {e.batches:,}; "
        f"block size {_size(e.block_bytes)} (assumed)",
        "",
        f"  {'table read':<34} {'partitions':>10} {'rows':>12} {'bytes/row':>9} {'bytes':>11}",
    ]
    reads = [
        ("fanout", q, t)
        for q, query in zip(FANOUT_QUERIES, r.shape.run.fanout, strict=True)
        for t in query
    ]
    reads += [("batch", "daily_counts", t) for t in r.shape.run.batch]
    for who, query, read in reads:
        label = f"{who} {query}: {read.table.rsplit('.', 1)[-1]}"
        lines.append(
            f"  {label:<34} {len(read.partitions):>10} {read.rows:>12,} "
            f"{read.bytes_per_row:>9.1f} {_size(read.bytes):>11}"
        )
    lines += [
        "",
        f"  {'design':<50} {'queries':>7} {'scanned':>11} {'billed':>11} {'x 1 scan':>8}",
    ]
    for d in e.designs:
        lines.append(
            f"  {_LABELS[d.name]:<50} {d.queries:>7,} {_size(d.scanned):>11} "
            f"{_size(d.billed):>11} {d.billed / floor:>8.2f}"
        )
    if r.dry_run is not None:
        lines += [
            "",
            f"  dry run of the direct queries ({r.dry_run.queries} jobs, no cluster pruning): "
            f"{_size(r.dry_run.processed)} processed, billed at least "
            f"{_size(r.dry_run.billed_at_least)}",
        ]
    verdict = "within" if e.largest_query_billed <= r.max_bytes_billed else "OVER"
    lines += [
        "",
        f"  largest single query {_size(e.largest_query_billed)}: {verdict} the "
        f"maximum_bytes_billed guard of {_size(r.max_bytes_billed)} every query carries",
        f"  (the staging scan included; a batch counting directly, the fallback, bills "
        f"up to {_size(e.largest_direct_billed)})",
    ]
    return "\n".join(lines)


def _yesterday() -> date:
    return datetime.now(UTC).date() - timedelta(days=1)


@click.command()
@click.option(
    "--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None,
    help="Last day of the window [default: yesterday UTC].",
)  # fmt: skip
@click.option("--lookback-days", type=click.IntRange(1, MAX_LOOKBACK_DAYS), default=30,
              show_default=True)  # fmt: skip
@click.option("--batch-size", type=click.IntRange(1, MAX_BATCH_SIZE), default=500,
              show_default=True)  # fmt: skip
@click.option(
    "--events", type=click.IntRange(0), default=None,
    help="Assume this many events, spread evenly over the window's ids "
    "[default: run the fanout's query and use the real ids].",
)  # fmt: skip
@click.option(
    "--block-mb", type=click.FloatRange(min=0.001), default=cost.DEFAULT_BLOCK_BYTES / cost.MIB,
    show_default=True, help="Assumed BigQuery storage block size in MiB (undocumented).",
)  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Also dry-run every real query (free).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def cost_command(
    as_of: datetime | None,
    lookback_days: int,
    batch_size: int,
    events: int | None,
    block_mb: float,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Estimate the BigQuery bytes one run scans and bills, per design.

    \b
    Examples:
      mentionfleet cost --batch-size 500 --lookback-days 30
      mentionfleet cost --events 20000 --block-mb 16 --json
      mentionfleet cost --dry-run      # against real BigQuery, with credentials
    """
    report = gather(
        current(),
        as_of=as_of.date() if as_of else _yesterday(),
        lookback_days=lookback_days,
        batch_size=batch_size,
        events=events,
        block_bytes=max(1, round(block_mb * cost.MIB)),
        dry_run=dry_run,
    )
    if as_json:
        json.dump(report.as_json(), sys.stdout)
        sys.stdout.write("\n")
    else:
        click.echo(format_report(report))

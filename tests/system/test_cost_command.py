"""`mentionfleet cost` against the BigQuery stand-in holding the session's generated data."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from mentionfleet.gdelt.synth import Generated
from mentionfleet.warehouse.cost import MIB
from tests.system.helpers import AS_OF, LOOKBACK

pytestmark = pytest.mark.system

MENTIONFLEET = Path(sys.executable).with_name("mentionfleet")
START = AS_OF - timedelta(days=LOOKBACK - 1)


def _cost(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MENTIONFLEET), "cost", "--as-of", AS_OF.isoformat(),
         "--lookback-days", str(LOOKBACK), *args],
        capture_output=True, text=True, timeout=300, env=env, check=False,
    )  # fmt: skip


def _json(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = _cost(env, *args, "--json")
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _in_window(stamps: list[int]) -> int:
    days = [date(s // 10**10, s // 10**8 % 100, s // 10**6 % 100) for s in stamps]
    return sum(START <= d <= AS_OF for d in days)


@pytest.fixture(scope="module")
def env(fleet_env: dict[str, str], generated: Generated) -> dict[str, str]:
    return {**os.environ, **fleet_env}


def test_cost_counts_the_runs_events_batches_and_rows_from_the_warehouse(
    env: dict[str, str], generated: Generated
) -> None:
    report = _json(env, "--batch-size", "40")
    added = generated.events["DATEADDED"].to_pylist()
    ids = generated.events["GLOBALEVENTID"].to_pylist()
    expected_events = {
        i for i, s in zip(ids, added, strict=True) if _in_window([s])
    } & generated.ve_event_ids
    assert report["events"] == len(expected_events)
    assert report["batches"] == math.ceil(len(expected_events) / 40)
    reads = {(r["table"].rsplit(".", 1)[-1], r["bytes_per_row"]): r for r in report["reads"]}
    mention_reads = [r for (t, _), r in reads.items() if t == "eventmentions"]
    event_reads = [r for (t, _), r in reads.items() if t == "events"]
    batch_mentions = max(mention_reads, key=lambda r: r["bytes_per_row"])
    assert batch_mentions["rows"] == _in_window(generated.mentions["MentionTimeDate"].to_pylist())
    assert all(r["rows"] == _in_window(added) for r in event_reads)
    assert report["columns_read"]["daily_counts:eventmentions"] == [
        "GLOBALEVENTID",
        "MentionIdentifier",
        "MentionDay",
    ]


def test_cost_orders_the_designs_and_bills_every_batch_at_least_the_minimum(
    env: dict[str, str],
) -> None:
    report = _json(env, "--batch-size", "40")
    designs = report["designs"]
    batches = report["batches"]
    assert designs["ranged"]["queries"] == 2 + batches
    fanout_floor = 2 * 10 * MIB  # two fanout queries, one table each
    assert designs["ranged"]["billed"] >= fanout_floor + batches * 20 * MIB
    assert designs["one scan"]["billed"] <= designs["ranged"]["billed"]
    assert designs["ranged"]["billed"] <= designs["unpruned"]["billed"]
    assert designs["ranged"]["scanned"] <= designs["unpruned"]["scanned"]
    assert report["largest_query_billed"] <= report["max_bytes_billed"]
    assert report["ranged_vs_one_scan"] == pytest.approx(
        designs["ranged"]["billed"] / designs["one scan"]["billed"], abs=1e-3
    )
    # As built: the fanout's two queries, the staging script's DELETE (nothing staged
    # yet: the minimum) and one scan, then the 10 MiB minimum per batch read.
    staged = designs["staged"]
    assert staged["queries"] == 2 + 2 + batches
    assert staged["billed"] == designs["one scan"]["billed"] + 10 * MIB + batches * 10 * MIB
    assert report["as_built_vs_one_scan"] == pytest.approx(
        staged["billed"] / designs["one scan"]["billed"], abs=1e-3
    )
    assert report["largest_query_billed"] >= report["largest_direct_billed"]


def test_cost_with_assumed_events_and_a_dry_run(env: dict[str, str]) -> None:
    report = _json(env, "--events", "1000", "--batch-size", "100", "--dry-run")
    assert report["events"] == 1000 and report["batches"] == 10
    assert "--events" in report["events_source"]
    dry = report["dry_run"]
    # The stand-in reports 0 bytes for a dry run: only the queries and minimums show.
    assert dry["queries"] == 2 + 10
    assert dry["billed_at_least"] == 2 * 10 * MIB + 10 * 20 * MIB


def test_cost_prints_a_readable_report_and_rejects_bad_input(env: dict[str, str]) -> None:
    done = _cost(env, "--batch-size", "500")
    assert done.returncode == 0, done.stderr
    assert "fleet as built" in done.stdout and "maximum_bytes_billed" in done.stdout
    bad = _cost(env, "--batch-size", "0")
    assert bad.returncode != 0 and "--batch-size" in bad.stderr
    too_many = _cost(env, "--events", str(10**12))
    assert too_many.returncode == 1 and "--events" in too_many.stderr
    help_text = subprocess.run(
        [str(MENTIONFLEET), "cost", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "Example" in help_text and "--dry-run" in help_text

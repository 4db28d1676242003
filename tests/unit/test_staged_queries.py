"""The staging queries: one run-wide count into `run_daily_counts`, per-batch slices out."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from google.cloud import bigquery

from mentionfleet.warehouse.queries import (
    Query,
    Window,
    daily_counts,
    stage_daily_counts,
    staged_counts,
)
from mentionfleet.warehouse.tables import RUN_DAILY_COUNTS

EVENTS, MENTIONS, STAGING = "p.gdelt.events", "p.gdelt.eventmentions", "p.gdelt.run_daily_counts"
WINDOW = Window(as_of=date(2026, 11, 30), days=21)


def _params(query: Query) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for p in query.params:
        values[str(p.name)] = p.values if isinstance(p, bigquery.ArrayQueryParameter) else p.value
    return values


def test_staging_inserts_exactly_the_daily_counts_select() -> None:
    ids = (5, 9, 40)
    staged = stage_daily_counts(EVENTS, MENTIONS, STAGING, WINDOW, "run-x", ids)
    direct = daily_counts(EVENTS, MENTIONS, WINDOW, ids)
    # The same SELECT, so staged rows are the rows a batch would count for itself.
    assert direct.sql.strip() in staged.sql
    assert _params(staged) == {**_params(direct), "run_id": "run-x"}


def test_staging_replaces_the_runs_rows_in_one_transaction() -> None:
    sql = stage_daily_counts(EVENTS, MENTIONS, STAGING, WINDOW, "run-x", (1, 2)).sql
    statements = [s.strip().split("\n")[0] for s in sql.split(";") if s.strip()]
    assert statements[0] == "BEGIN TRANSACTION"
    assert statements[1] == (
        "DELETE FROM `p.gdelt.run_daily_counts` WHERE as_of = @end AND run_id = @run_id"
    )
    assert statements[2].startswith("INSERT INTO `p.gdelt.run_daily_counts` (run_id, as_of,")
    assert statements[-1] == "COMMIT TRANSACTION"
    inserted = sql.split("INSERT INTO")[1].split("(")[1].split(")")[0]
    assert [c.strip() for c in inserted.split(",")] == [c.name for c in RUN_DAILY_COUNTS.columns]


def test_a_batch_reads_its_slice_pruned_to_partition_run_and_id_range() -> None:
    query = staged_counts(STAGING, WINDOW.as_of, "run-x", (7, 8, 30))
    assert "as_of = @as_of AND run_id = @run_id" in query.sql
    assert "event_id BETWEEN @lo AND @hi" in query.sql
    assert "event_id IN UNNEST(@ids)" in query.sql
    assert "SELECT event_id, first_seen, day, articles" in query.sql
    assert _params(query) == {
        "as_of": WINDOW.as_of, "run_id": "run-x", "lo": 7, "hi": 30, "ids": [7, 8, 30],
    }  # fmt: skip


def test_staging_table_layout_prunes_by_day_run_and_event() -> None:
    assert RUN_DAILY_COUNTS.partition_column == "as_of"
    assert RUN_DAILY_COUNTS.cluster_columns == ("run_id", "event_id")


@pytest.mark.parametrize("bad", ["p.gdelt.`x`", "p..x"])
def test_staging_table_name_is_checked(bad: str) -> None:
    with pytest.raises(ValueError, match=r"expected project\.dataset\.table"):
        staged_counts(bad, WINDOW.as_of, "run-x", (1,))

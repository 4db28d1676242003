"""The warehouse tables in the BigQuery stand-in: layout, loading, and queries vs truth."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from google.api_core import exceptions
from google.cloud import bigquery

from mentionfleet.cli.generate import generate as generate_command
from mentionfleet.config import Settings
from mentionfleet.gdelt.schema import EVENTS, MENTIONS, TABLES, TableSpec
from mentionfleet.gdelt.synth import Generated, generate
from mentionfleet.localstack import LocalStack
from mentionfleet.warehouse.client import make_client
from mentionfleet.warehouse.tables import ensure_tables, load

pytestmark = pytest.mark.system

END = date(2026, 3, 31)
DAYS = 20
EVENTS_PER_DAY = 300


def _env(stack: LocalStack, dataset: str) -> dict[str, str]:
    # A dataset of our own, so other system tests' data is never replaced.
    env = stack.env()
    env["MENTIONFLEET_BQ_DATASET"] = f"{env['MENTIONFLEET_PROJECT']}.{dataset}"
    return env


@pytest.fixture(scope="module")
def settings(local_stack: LocalStack) -> Iterator[Settings]:
    s = Settings.from_env(_env(local_stack, f"wh_{uuid.uuid4().hex[:8]}"))
    yield s
    make_client(s).delete_dataset(s.bq_dataset, delete_contents=True, not_found_ok=True)


@pytest.fixture(scope="module")
def client(settings: Settings) -> bigquery.Client:
    return make_client(settings)


@pytest.fixture(scope="module")
def data() -> Generated:
    return generate(5, end=END, days=DAYS, events_per_day=EVENTS_PER_DAY)


@pytest.fixture(scope="module")
def loaded(client: bigquery.Client, settings: Settings, data: Generated) -> Generated:
    ensure_tables(client, settings.bq_dataset)
    counts = load(client, settings.bq_dataset, data, replace=True)
    assert (counts.events, counts.mentions) == (data.events.num_rows, data.mentions.num_rows)
    return data


def _window(data: Generated) -> list[bigquery.ScalarQueryParameter]:
    return [
        bigquery.ScalarQueryParameter("start", "DATE", data.start),
        bigquery.ScalarQueryParameter("end", "DATE", data.end),
    ]


def _query(client: bigquery.Client, sql: str, data: Generated) -> list[bigquery.Row]:
    config = bigquery.QueryJobConfig(query_parameters=_window(data))
    return list(client.query(sql, job_config=config).result())


def test_ensure_tables_is_idempotent(client: bigquery.Client, settings: Settings) -> None:
    ensure_tables(client, settings.bq_dataset)
    ensure_tables(client, settings.bq_dataset)
    for spec in TABLES:
        table = client.get_table(f"{settings.bq_dataset}.{spec.name}")
        assert [f.name for f in table.schema] == list(spec.names)
        assert table.time_partitioning.field == spec.partition_column
        assert table.clustering_fields == ["GLOBALEVENTID"]
        assert table.require_partition_filter is True


def test_load_fills_both_tables(
    client: bigquery.Client, settings: Settings, loaded: Generated
) -> None:
    assert client.get_table(settings.events_table).num_rows == loaded.events.num_rows
    assert client.get_table(settings.mentions_table).num_rows == loaded.mentions.num_rows


@pytest.mark.parametrize("spec", TABLES, ids=lambda s: s.name)
def test_a_query_without_partition_filter_is_rejected(
    client: bigquery.Client, settings: Settings, loaded: Generated, spec: TableSpec
) -> None:
    table = f"`{settings.bq_dataset}.{spec.name}`"
    with pytest.raises(exceptions.BadRequest, match="partition"):
        list(client.query(f"SELECT COUNT(*) FROM {table}").result())
    column = spec.partition_column
    rows = _query(
        client, f"SELECT COUNT(*) AS n FROM {table} WHERE {column} BETWEEN @start AND @end", loaded
    )
    assert rows[0]["n"] > 0


def test_partition_days_match_gdelt_stamps(
    client: bigquery.Client, settings: Settings, loaded: Generated
) -> None:
    for spec in (EVENTS, MENTIONS):
        sql = f"""
SELECT COUNTIF({spec.partition_column} != DATE(PARSE_TIMESTAMP('%Y%m%d%H%M%S',
                 CAST({spec.partition_source} AS STRING)))) AS wrong, COUNT(*) AS n
FROM `{settings.bq_dataset}.{spec.name}`
WHERE {spec.partition_column} BETWEEN @start AND @end
"""
        row = _query(client, sql, loaded)[0]
        assert row["wrong"] == 0 and row["n"] > 0


def test_daily_distinct_articles_match_truth(
    client: bigquery.Client, settings: Settings, loaded: Generated
) -> None:
    sql = f"""
SELECT GLOBALEVENTID AS event_id, MentionDay AS day,
       COUNT(DISTINCT MentionIdentifier) AS articles
FROM `{settings.mentions_table}`
WHERE MentionDay BETWEEN @start AND @end
GROUP BY event_id, day
"""
    got = {(r["event_id"], r["day"]): r["articles"] for r in _query(client, sql, loaded)}
    assert got == loaded.counts_by_event_day()
    spiked = {(s.event_id, s.day): s.articles for s in loaded.spikes}
    assert spiked and all(got[key] == n for key, n in spiked.items())


def test_the_venezuela_rule_selects_exactly_the_truth_set(
    client: bigquery.Client, settings: Settings, loaded: Generated
) -> None:
    sql = f"""
SELECT GLOBALEVENTID AS event_id
FROM `{settings.events_table}`
WHERE DateAddedDay BETWEEN @start AND @end
  AND (ActionGeo_CountryCode = 'VE' OR Actor1CountryCode = 'VEN' OR Actor2CountryCode = 'VEN')
"""
    got = [r["event_id"] for r in _query(client, sql, loaded)]
    assert len(got) == len(set(got))
    assert set(got) == loaded.ve_event_ids


def test_replace_and_append(local_stack: LocalStack) -> None:
    s = Settings.from_env(_env(local_stack, f"wh_append_{uuid.uuid4().hex[:8]}"))
    client = make_client(s)
    small = generate(9, end=END, days=3, events_per_day=50)
    try:
        ensure_tables(client, s.bq_dataset)
        for replace, factor in ((True, 1), (False, 2), (True, 1)):
            counts = load(client, s.bq_dataset, small, replace=replace, chunk_rows=1000)
            assert counts.mentions == small.mentions.num_rows
            table = client.get_table(s.mentions_table)
            assert table.num_rows == factor * small.mentions.num_rows
            assert table.require_partition_filter is True
    finally:
        client.delete_dataset(s.bq_dataset, delete_contents=True, not_found_ok=True)


def test_cli_generate_loads_and_summarises(local_stack: LocalStack, tmp_path: Path) -> None:
    env = _env(local_stack, f"wh_cli_{uuid.uuid4().hex[:8]}")
    truth = tmp_path / "truth.json"
    args = ["--seed", "4", "--end", "2026-03-31", "--days", "10", "--events-per-day", "100"]
    try:
        result = CliRunner().invoke(
            generate_command, [*args, "--truth", str(truth), "--json"], env=env
        )
        assert result.exit_code == 0, result.output
        summary = json.loads(result.output)
        expected = generate(4, end=END, days=10, events_per_day=100)
        assert summary["events"] == expected.events.num_rows
        assert summary["ve_events"] == len(expected.ve_event_ids)
        assert summary["mention_rows"] == expected.mentions.num_rows
        assert summary["spikes"] == len(expected.spikes)
        assert summary["start"] == "2026-03-22" and summary["seconds"] >= 0
        assert set(json.loads(truth.read_text())["ve_event_ids"]) == expected.ve_event_ids
        client = make_client(Settings.from_env(env))
        table = client.get_table(f"{env['MENTIONFLEET_BQ_DATASET']}.eventmentions")
        assert table.num_rows == expected.mentions.num_rows

        text = CliRunner().invoke(generate_command, args, env=env)
        assert text.exit_code == 0, text.output
        assert "mention_rows" in text.output and "spikes" in text.output
    finally:
        make_client(Settings.from_env(env)).delete_dataset(
            env["MENTIONFLEET_BQ_DATASET"], delete_contents=True, not_found_ok=True
        )

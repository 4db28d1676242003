"""The analyst's commands on the real local stack: spikes, plot, report, load-gdelt.

A run of this module's own (batch size 33) scores the shared generated data; its spikes
are checked against the generator's truth (mentions, and the actors, place and URL the
warehouse holds for each event). load-gdelt writes the generated rows as GDELT 2.0 raw
files and loads them into a dataset of its own, so the shared tables are never touched.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from click.testing import CliRunner, Result
from google.api_core.exceptions import NotFound
from PIL import Image

from mentionfleet.analysis.details import lookup
from mentionfleet.analysis.plot import TIER_COLORS
from mentionfleet.analysis.views import write_top_plots
from mentionfleet.cli import main
from mentionfleet.config import Settings
from mentionfleet.gdelt.schema import EVENTS, MENTIONS
from mentionfleet.gdelt.synth import Generated
from mentionfleet.localrun.fleet import LocalFleet
from mentionfleet.localrun.session import RunOptions, run_local
from mentionfleet.localstack import free_port
from mentionfleet.warehouse.client import make_client
from mentionfleet.warehouse.queries import Window
from mentionfleet.warehouse.reads import fetch_daily_counts
from tests.gdelt_raw import lines_of, replace_field, write_daily, write_raw, write_updates
from tests.system.helpers import AS_OF, LOOKBACK

pytestmark = pytest.mark.system

RUN_BODY = {"as_of": AS_OF.isoformat(), "lookback_days": LOOKBACK, "batch_size": 33}
WINDOW_START = AS_OF - timedelta(days=LOOKBACK - 1)
RANK = {"MEDIUM": 1, "HIGH": 2, "CRITICAL": 3}


@pytest.fixture(autouse=True)
def _keep_logging() -> Iterator[None]:
    """`mentionfleet` sets up its logger for the CLI's stderr; put it back afterwards."""
    logger = logging.getLogger("mentionfleet")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    handlers, level, propagate = saved
    logger.handlers[:] = handlers
    logger.setLevel(level)
    logger.propagate = propagate


def cli(*args: str, expect_exit: int = 0, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == expect_exit, (args, result.stdout, result.stderr)
    return result


def cli_json(*args: str, env: dict[str, str] | None = None) -> Any:
    return json.loads(cli(*args, "--json", env=env).stdout)


@pytest.fixture(scope="module")
def run_id(fleet: LocalFleet, generated: Generated) -> str:
    response = fleet.kickoff(RUN_BODY)
    assert response.status == 200, response.body
    fleet.wait_for_run(response.body["run_id"], timeout_s=300)
    return str(response.body["run_id"])


@pytest.fixture(scope="module")
def scope_spikes(fleet: LocalFleet, run_id: str) -> list[tuple[int, date, str, float]]:
    """Every spike of the run's events in its window, in the order `spikes` promises."""
    with psycopg.connect(fleet.database_url) as conn:
        rows = conn.execute(
            "SELECT event_id, day, tier, z FROM mention_scores WHERE tier IS NOT NULL"
            " AND event_id IN (SELECT unnest(event_ids) FROM batches WHERE run_id = %s)"
            " AND day BETWEEN %s AND %s",
            (run_id, WINDOW_START, AS_OF),
        ).fetchall()
    ordered = sorted(rows, key=lambda r: (-RANK[r[2]], -r[3], r[0], r[1]))
    tiers = {r[2] for r in ordered}
    assert len(ordered) >= 10 and {"MEDIUM", "CRITICAL"} <= tiers, ordered
    return ordered


def event_truth(generated: Generated) -> dict[int, dict[str, Any]]:
    columns = ["GLOBALEVENTID", "SOURCEURL", "Actor1Name", "Actor2Name", "ActionGeo_FullName"]
    return {r["GLOBALEVENTID"]: r for r in generated.events.select(columns).to_pylist()}


def test_spikes_are_the_most_severe_first_with_their_events_details(
    generated: Generated, run_id: str, scope_spikes: list[tuple[int, date, str, float]]
) -> None:
    got = cli_json("spikes", "--run", run_id, "--limit", "8")
    assert got["count"] == 8
    spikes = got["spikes"]
    assert [(s["event_id"], date.fromisoformat(s["day"])) for s in spikes] == [
        (e, d) for e, d, _, _ in scope_spikes[:8]
    ]
    counts = generated.counts_by_event_day(sorted({s["event_id"] for s in spikes}))
    truth = event_truth(generated)
    for s in spikes:
        assert s["mentions"] == counts[(s["event_id"], date.fromisoformat(s["day"]))]
        event = truth[s["event_id"]]
        assert s["source_url"] == event["SOURCEURL"] and s["source_url"]
        assert (s["actor1"], s["actor2"]) == (event["Actor1Name"], event["Actor2Name"])
        assert s["place"] == event["ActionGeo_FullName"]


def test_spikes_filter_by_tier_and_day(
    run_id: str, scope_spikes: list[tuple[int, date, str, float]]
) -> None:
    since = AS_OF - timedelta(days=6)
    got = cli_json(
        "spikes", "--run", run_id, "--tier", "high", "--since", since.isoformat(),
        "--limit", "10000", "--no-details",
    )  # fmt: skip
    expected = [(e, d) for e, d, t, _ in scope_spikes if t != "MEDIUM" and d >= since]
    assert expected, "the window's last week should hold HIGH or CRITICAL spikes"
    assert [(s["event_id"], date.fromisoformat(s["day"])) for s in got["spikes"]] == expected
    assert {s["tier"] for s in got["spikes"]} <= {"HIGH", "CRITICAL"}
    assert all(s["source_url"] is None and s["actor1"] is None for s in got["spikes"])


def test_spikes_table_reads_as_columns(run_id: str, generated: Generated) -> None:
    out = cli("spikes", "--run", run_id, "--limit", "3").stdout.splitlines()
    assert out[0].split() == [
        "EVENT", "DAY", "TIER", "Z", "MENTIONS", "BASELINE", "VELOCITY", "ACTORS", "PLACE",
        "SOURCE",
    ]  # fmt: skip
    assert len(out) == 4
    first = int(out[1].split()[0])
    assert out[1].endswith(event_truth(generated)[first]["SOURCEURL"])


def test_details_from_an_unreachable_warehouse_are_skipped_with_one_warning(
    fleet_env: dict[str, str], run_id: str
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    settings = Settings.from_env({**fleet_env, "MENTIONFLEET_BQ_ENDPOINT": closed})
    warnings: list[str] = []
    found = lookup(settings, {1100000005: WINDOW_START}, AS_OF, warn=warnings.append, timeout_s=2)
    assert found == {}
    assert len(warnings) == 1 and warnings[0].startswith("event details unavailable from")


def _tier_pixels(png: bytes, tier: str) -> int:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    color = TIER_COLORS[tier]
    rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(pixels - rgb).sum(axis=2) <= 6).sum())


def test_plot_writes_the_events_chart(
    tmp_path: Path, run_id: str, scope_spikes: list[tuple[int, date, str, float]]
) -> None:
    event_id, _, tier, _ = scope_spikes[0]
    target = tmp_path / "plots" / "top.png"
    out = cli("plot", str(event_id), "-o", str(target)).stdout
    assert out.strip() == f"wrote {target} (event {event_id})"
    image = Image.open(target)
    assert image.format == "PNG" and image.size == (1000, 500)
    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    assert len(np.unique(pixels, axis=0)) > 30, "not blank"
    assert _tier_pixels(target.read_bytes(), tier) >= 20, f"{tier} marker"


def test_plot_of_an_unknown_event_is_one_clear_error_line(tmp_path: Path) -> None:
    result = cli("plot", "999", "-o", str(tmp_path / "x.png"), expect_exit=1)
    assert result.stderr.splitlines() == [
        "Error: LookupError: event 999 has no scored days in mention_scores"
    ]
    assert not (tmp_path / "x.png").exists()
    bad_name = cli("plot", "999", "-o", str(tmp_path / "x.jpg"), expect_exit=2)
    assert "expected a .png file name" in bad_name.stderr


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "img":
            self.images.append(a["src"] or "")
        if tag == "a" and (a.get("href") or "").startswith("#event-"):
            self.links.append((a["href"] or "").removeprefix("#event-"))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def words(self) -> str:
        return " ".join(" ".join(self.text).split())


def test_report_shows_figures_top_spikes_with_plots_and_health(
    tmp_path: Path, fleet: LocalFleet, run_id: str, scope_spikes: list[tuple[int, date, str, float]]
) -> None:
    target = tmp_path / "report.html"
    out = cli("report", "--run", run_id, "-o", str(target), "--top", "8").stdout
    top = scope_spikes[:8]
    events = list(dict.fromkeys(e for e, _, _, _ in top))
    assert out.strip() == (
        f"wrote {target} (run {run_id}: 8 spikes, {len(events)} plots, "
        "0 failed or dead-lettered batches)"
    )
    page = Page()
    page.feed(target.read_text(encoding="utf-8"))
    assert page.links == [str(e) for e, _, _, _ in top]
    assert len(page.images) == len(events)
    for src in page.images:
        png = base64.b64decode(src.removeprefix("data:image/png;base64,"))
        assert Image.open(io.BytesIO(png)).size == (1000, 500)
    with psycopg.connect(fleet.database_url) as conn:
        batches, attempts, retries = conn.execute(
            "SELECT count(*), sum(attempts), sum(greatest(attempts - 1, 0))"
            " FROM batches WHERE run_id = %s",
            (run_id,),
        ).fetchone() or (0, 0, 0)
    tiers = {t: sum(1 for s in scope_spikes if s[2] == t) for t in ("CRITICAL", "HIGH", "MEDIUM")}
    words = page.words
    assert f"batches scored {batches}/{batches}" in words
    assert (
        f"spikes CRITICAL {tiers['CRITICAL']}, HIGH {tiers['HIGH']}, MEDIUM {tiers['MEDIUM']}"
        in words
    )
    assert f"{attempts} deliveries recorded; {retries} retries" in words
    assert "No failed or dead-lettered batches." in words


@pytest.fixture
def troubled_run(fleet: LocalFleet) -> Iterator[str]:
    """A run of three batches (scored after retries, failed, dead-lettered), newest of all."""
    run_id = f"run-analyst-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(fleet.database_url) as conn:
        conn.execute(
            "INSERT INTO runs (run_id, as_of, params, event_count, batch_count, state)"
            " VALUES (%s, %s, %s, 6, 3, 'running')",
            (run_id, AS_OF, json.dumps({"lookback_days": LOOKBACK})),
        )
        conn.execute(
            "INSERT INTO batches (run_id, batch_index, event_ids, state, attempts, last_error)"
            " VALUES (%s, 0, '{1,2}', 'scored', 3, NULL),"
            " (%s, 1, '{3,4}', 'failed', 2, %s), (%s, 2, '{5,6}', 'dead_lettered', 5, %s)",
            (run_id, run_id, "TimeoutError: <b>BigQuery</b> took too long", run_id,
             "event_ids: expected sorted & unique"),
        )  # fmt: skip
    try:
        yield run_id
    finally:
        with psycopg.connect(fleet.database_url) as conn:
            conn.execute("DELETE FROM runs WHERE run_id = %s", (run_id,))


def test_report_of_the_latest_run_lists_its_troubles_escaped(
    tmp_path: Path, troubled_run: str
) -> None:
    target = tmp_path / "latest.html"
    out = cli("report", "-o", str(target), "--no-details").stdout
    assert out.strip() == (
        f"wrote {target} (run {troubled_run}: 0 spikes, 0 plots, 2 failed or dead-lettered batches)"
    )
    html = target.read_text(encoding="utf-8")
    assert "<b>BigQuery</b>" not in html and "&lt;b&gt;BigQuery&lt;/b&gt;" in html
    page = Page()
    page.feed(html)
    words = page.words
    assert "batches scored 1/3" in words
    assert "10 deliveries recorded; 7 retries" in words
    assert "2 batch(es) failed or dead-lettered" in words
    assert "event_ids: expected sorted & unique" in words
    assert "No spikes in this run's window." in words


def test_report_of_an_unknown_run_is_one_clear_error_line(tmp_path: Path) -> None:
    result = cli("report", "--run", "run-nope", "-o", str(tmp_path / "r.html"), expect_exit=1)
    assert result.stderr.splitlines() == [
        "Error: LookupError: run 'run-nope' is not in the ledger (see `mentionfleet status`)"
    ]


def test_top_plots_of_a_run_are_written_by_rank(
    tmp_path: Path, fleet_env: dict[str, str], fleet: LocalFleet, run_id: str,
    scope_spikes: list[tuple[int, date, str, float]],
) -> None:  # fmt: skip
    with psycopg.connect(fleet.database_url) as conn:
        written = write_top_plots(
            conn, Settings.from_env(fleet_env), run_id, tmp_path, top=3, warn=pytest.fail
        )
    expected = list(dict.fromkeys(e for e, _, _, _ in scope_spikes))[:3]
    assert written == [(tmp_path / f"top-spike-{i}.png", e) for i, e in enumerate(expected, 1)]
    assert all(Image.open(path).size == (1000, 500) for path, _ in written)


# --- load-gdelt ------------------------------------------------------------------------


def _on_days(table: pa.Table, column: str, first: date, last: date) -> pa.Table:
    lo, hi = int(f"{first:%Y%m%d}000000"), int(f"{last:%Y%m%d}235959")
    stamps = table.column(column)
    return table.filter(pc.and_(pc.greater_equal(stamps, lo), pc.less_equal(stamps, hi)))


@pytest.fixture
def raw_dataset(fleet_env: dict[str, str]) -> Iterator[str]:
    dataset = f"{fleet_env['MENTIONFLEET_PROJECT']}.raw_{uuid.uuid4().hex[:8]}"
    yield dataset
    client = make_client(Settings.from_env(fleet_env))
    client.delete_dataset(dataset, delete_contents=True, not_found_ok=True)


def _count(settings: Settings, table: str, day_column: str) -> int:
    client = make_client(settings)
    sql = f"SELECT COUNT(*) AS n FROM `{table}` WHERE {day_column} >= DATE '2000-01-01'"
    return int(next(iter(client.query(sql).result()))["n"])


def test_load_gdelt_loads_real_format_files_and_never_loads_bad_lines_silently(
    tmp_path: Path, generated: Generated, fleet_env: dict[str, str], raw_dataset: str
) -> None:
    first, last = AS_OF - timedelta(days=1), AS_OF
    events = _on_days(generated.events, "DATEADDED", first, last)
    mentions = _on_days(generated.mentions, "MentionTimeDate", first, last)
    files = tmp_path / "gdelt"
    files.mkdir()
    event_files = write_updates(files, events, EVENTS, ".export.CSV.zip")
    mention_files = write_updates(files, mentions, MENTIONS, ".mentions.CSV.zip")
    # Events of an earlier day in a late file, its second line with a broken count.
    extra = lines_of(_on_days(generated.events, "DATEADDED", first - timedelta(days=3),
                              first - timedelta(days=3)).slice(0, 3), EVENTS)  # fmt: skip
    extra[1] = replace_field(extra[1], EVENTS.raw_names.index("NumMentions"), "1x")
    bad_file = write_raw(files / "20261201000000.export.CSV.zip", extra)
    env = {"MENTIONFLEET_BQ_DATASET": raw_dataset}
    settings = Settings.from_env({**fleet_env, **env})

    stopped = cli("load-gdelt", str(files), expect_exit=1, env=env)
    assert stopped.stderr.splitlines()[-1] == (
        f"Error: TooManyBadLines: {bad_file}:2: column 32 NumMentions = '1x': expected an "
        "integer (INT64) (bad line 1, more than --max-bad-lines 0); nothing was loaded"
    )
    assert "Traceback" not in stopped.stderr
    with pytest.raises(NotFound):
        make_client(settings).get_table(f"{raw_dataset}.events")

    loaded = cli_json("load-gdelt", str(files), "--max-bad-lines", "1", env=env)
    assert loaded["files"] == {"events": len(event_files) + 1, "eventmentions": len(mention_files)}
    assert loaded["rows"] == {"events": events.num_rows + 2, "eventmentions": mentions.num_rows}
    assert (loaded["bad_lines"], loaded["loaded"]) == (1, True)
    assert [(b["path"], b["line"]) for b in loaded["bad"]] == [(str(bad_file), 2)]
    assert _count(settings, settings.events_table, "DateAddedDay") == events.num_rows + 2
    assert _count(settings, settings.mentions_table, "MentionDay") == mentions.num_rows

    # What the scorer would read from the loaded files: the generator's own counts.
    ids = tuple(sorted(set(events.column("GLOBALEVENTID").to_pylist()) & generated.ve_event_ids))
    counts = fetch_daily_counts(
        make_client(settings), settings.events_table, settings.mentions_table,
        Window(as_of=last, days=2), ids, max_bytes_billed=settings.max_bytes_billed,
    )  # fmt: skip
    truth = generated.counts_by_event_day(list(ids))
    for i, event_id in enumerate(ids):
        for d in range(2):
            assert counts.counts[i, d] == truth.get((event_id, first + timedelta(days=d)), 0)

    again = cli("load-gdelt", str(files), "--max-bad-lines", "1", "--replace", env=env)
    assert "... files read:" in again.stderr and "skipped " in again.stderr
    assert _count(settings, settings.events_table, "DateAddedDay") == events.num_rows + 2
    assert _count(settings, settings.mentions_table, "MentionDay") == mentions.num_rows


def test_load_gdelt_check_reads_without_a_warehouse(tmp_path: Path, generated: Generated) -> None:
    path = write_raw(
        tmp_path / "20261130000000.mentions.CSV.zip",
        lines_of(generated.mentions.slice(0, 25), MENTIONS),
    )
    out = cli("load-gdelt", str(path), "--check").stdout.splitlines()
    assert out == [
        "files      1 (1 eventmentions)",
        "lines      25 read, 0 bad (skipped)",
        "rows       25 eventmentions checked, nothing loaded",
    ]
    missing = cli("load-gdelt", str(tmp_path / "nope.export.CSV.zip"), expect_exit=2)
    assert "does not exist" in missing.stderr


def test_run_scores_real_format_files_exactly_as_the_same_data_loaded_directly(
    tmp_path: Path,
    generated: Generated,
    fleet: LocalFleet,
    run_id: str,
    scope_spikes: list[tuple[int, date, str, float]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`mentionfleet run --gdelt`: raw files -> warehouse -> fanout -> scorers -> scores.

    The whole generated warehouse, written as raw files, scored by a stack of its own
    (Pub/Sub, the stand-in, the functions) over this module's window. Its PostgreSQL is
    the session's (DATABASE_URL is set), where this module's run already stored the
    scores of the same data loaded directly: the files' run must find every row equal.
    """
    events_dir, mentions_dir = tmp_path / "events", tmp_path / "mentions"
    events_dir.mkdir()
    mentions_dir.mkdir()
    write_daily(events_dir, generated.events, EVENTS, ".export.CSV.zip")
    write_daily(mentions_dir, generated.mentions, MENTIONS, ".mentions.CSV.zip")
    # The inner fleet points this process's Pub/Sub clients at its own emulator.
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", os.environ["PUBSUB_EMULATOR_HOST"])
    lines: list[str] = []
    options = RunOptions(
        as_of=AS_OF, lookback_days=LOOKBACK, batch_size=45,
        gdelt_paths=(events_dir, mentions_dir), scorer_workers=1, timeout_s=300,
        plots_dir=tmp_path / "plots", plots_top=1,
    )  # fmt: skip
    summary = run_local(options, lines.append)

    loaded = f"loaded {generated.events.num_rows} events, {generated.mentions.num_rows} mentions"
    assert any(line.startswith(loaded) for line in lines), lines
    assert summary.state == "complete" and summary.batches_scored == summary.batches_total > 1
    with psycopg.connect(fleet.database_url) as conn:
        events = conn.execute(
            "SELECT event_count FROM runs WHERE run_id = %s", (run_id,)
        ).fetchone()
        written = conn.execute(
            "SELECT sum(rows_written) FROM batches WHERE run_id = %s", (summary.run_id,)
        ).fetchone()
    assert events == (summary.events,)
    assert written == (0,), "every score of the files' run equals the direct load's"
    assert [(t.event_id, t.day) for t in summary.top_spikes] == [
        (e, d) for e, d, _, _ in sorted(scope_spikes, key=lambda r: (-r[3], r[0], r[1]))[:10]
    ]
    assert (tmp_path / "plots" / "top-spike-1.png").is_file()

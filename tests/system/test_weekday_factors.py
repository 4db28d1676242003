"""Run-level weekday factors on the real stack: the fanout estimates them once from the
warehouse's daily volume, records them with the run and publishes them in every batch,
so an event's scores do not depend on the batch it was scored in."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import psycopg
import pytest
from google.cloud import pubsub_v1

from mentionfleet.bus import admin
from mentionfleet.gdelt.synth import Generated
from mentionfleet.kickoff import WEEKDAY_VOLUME_DAYS, KickoffRequest, run_id_for
from mentionfleet.localrun.fleet import LocalFleet
from mentionfleet.message import BatchMessage
from mentionfleet.spikes import weekday
from mentionfleet.spikes.params import DetectorParams, WeekdayFactors
from mentionfleet.store import ledger
from mentionfleet.warehouse.queries import Window
from tests.system.helpers import AS_OF, published_batches

pytestmark = pytest.mark.system

# Days no other system test runs (the generated data covers 11-10..11-30): a window of
# two full weeks for the scored runs, the day before for the republished one.
RUN_AS_OF = AS_OF - timedelta(days=7)
STUCK_AS_OF = RUN_AS_OF - timedelta(days=1)
LOOKBACK = 14
SMALL, LARGE = 9, 70
DATA_COLUMNS = (
    "event_id, day, mentions, history_days, baseline_mean, baseline_std, z, velocity, tier"
)


def _body(batch_size: int, as_of: date = RUN_AS_OF) -> dict[str, Any]:
    return {"as_of": as_of.isoformat(), "lookback_days": LOOKBACK, "batch_size": batch_size}


@pytest.fixture(scope="module")
def observer(fleet: LocalFleet) -> Iterator[str]:
    """A pull subscription on the batch topic: sees what the fanout publishes from now on."""
    subscriber = pubsub_v1.SubscriberClient()
    path = admin.ensure_pull_subscription(
        subscriber, fleet.project, fleet.batch_topic, "observer-weekday-factors"
    )
    published_batches(path)
    yield path
    admin.delete_subscription(subscriber, path)


def _run(fleet: LocalFleet, body: dict[str, Any]) -> dict[str, Any]:
    response = fleet.kickoff(body)
    assert response.status == 200, response.body
    assert response.body["existing"] is False, "expected a run of this module's own"
    fleet.wait_for_run(response.body["run_id"], timeout_s=300)
    return response.body


def _scores(fleet: LocalFleet, run_id: str) -> list[tuple[Any, ...]]:
    """Data columns of every row the run scored (its events over its window)."""
    with psycopg.connect(fleet.database_url) as conn:
        ids = sorted({i for batch in ledger.batch_event_ids(conn, run_id) for i in batch})
        return conn.execute(
            f"SELECT {DATA_COLUMNS} FROM mention_scores"
            " WHERE event_id = ANY(%s) AND day BETWEEN %s AND %s ORDER BY event_id, day",
            (ids, RUN_AS_OF - timedelta(days=LOOKBACK - 1), RUN_AS_OF),
        ).fetchall()


@pytest.fixture(scope="module")
def runs(fleet: LocalFleet, generated: Generated, observer: str) -> dict[str, Any]:
    """The same day scored twice, with small and large batches."""
    small = _run(fleet, _body(SMALL))
    small_messages = published_batches(observer)
    small_scores = _scores(fleet, small["run_id"])
    large = _run(fleet, _body(LARGE))
    return {
        "small": small,
        "small_messages": small_messages,
        "small_scores": small_scores,
        "large": large,
        "large_messages": published_batches(observer),
        "large_scores": _scores(fleet, large["run_id"]),
    }


def _volume_truth(generated: Generated) -> WeekdayFactors | None:
    """The factors of the generator's mention rows per day over the fanout's window."""
    window = Window(RUN_AS_OF, max(LOOKBACK, WEEKDAY_VOLUME_DAYS))
    per_day = Counter(
        date(stamp // 10**10, stamp // 10**8 % 100, stamp // 10**6 % 100)
        for stamp in generated.mentions["MentionTimeDate"].to_pylist()
    )
    volumes = [per_day[window.start + timedelta(days=d)] for d in range(window.days)]
    return weekday.factors_from_daily_volume(volumes, window.start.weekday())


def _recorded(fleet: LocalFleet, run_id: str) -> DetectorParams:
    with psycopg.connect(fleet.database_url) as conn:
        run = ledger.get_run(conn, run_id)
    assert run is not None
    return DetectorParams.model_validate(run.params["detector"])


def test_the_run_records_and_publishes_its_weekday_factors(
    fleet: LocalFleet, generated: Generated, runs: dict[str, Any]
) -> None:
    detector = _recorded(fleet, runs["small"]["run_id"])
    factors = detector.weekday_factors
    assert detector.weekday and factors is not None and len(factors) == 7
    assert abs(sum(factors) / 7 - 1.0) < 1e-5 and max(factors) - min(factors) > 0.1
    # The warehouse's daily volume (SQL) folded as the generator's own rows say.
    assert factors == _volume_truth(generated)
    messages: list[BatchMessage] = runs["small_messages"]
    assert len(messages) == runs["small"]["batches"] > 1
    assert {m.run_id for m in messages} == {runs["small"]["run_id"]}
    assert all(m.detector == detector for m in messages)
    # The same day and window give the same factors, whatever the batch size.
    assert _recorded(fleet, runs["large"]["run_id"]).weekday_factors == factors
    assert all(m.detector == detector for m in runs["large_messages"])


def test_batch_size_does_not_change_any_score(fleet: LocalFleet, runs: dict[str, Any]) -> None:
    small, large = runs["small_scores"], runs["large_scores"]
    assert runs["small"]["batches"] > runs["large"]["batches"]
    assert len(small) > 1000 and small == large
    assert any(row[6] is not None for row in small), "expected days with a z"
    with psycopg.connect(fleet.database_url) as conn:
        written = conn.execute(
            "SELECT sum(rows_written) FROM batches WHERE run_id = %s", (runs["large"]["run_id"],)
        ).fetchone()
    assert written == (0,), "the second run recomputed every row exactly: nothing to write"


def test_a_second_kickoff_finds_the_run_recorded_with_factors(
    fleet: LocalFleet, runs: dict[str, Any], observer: str
) -> None:
    again = fleet.kickoff(_body(SMALL))
    assert again.status == 200
    assert again.body["run_id"] == runs["small"]["run_id"]
    assert again.body["existing"] is True and again.body["published"] == 0
    assert published_batches(observer) == []


def test_a_republished_run_keeps_the_factors_it_was_recorded_with(
    fleet: LocalFleet, observer: str
) -> None:
    """A run stuck in `publishing` is published again with its recorded params."""
    as_of = STUCK_AS_OF
    body = _body(3, as_of)
    run_id = run_id_for(KickoffRequest.model_validate(body), as_of)
    recorded = DetectorParams(weekday_factors=(1.25, 1.1, 1.05, 1.0, 1.0, 0.8, 0.8))
    # Ids no event has: the scorer finds nothing to score and writes no rows.
    batches = [[9_000_000_001, 9_000_000_002], [9_000_000_003]]
    params = {**KickoffRequest.model_validate(body).model_dump(mode="json", exclude={"as_of"})}
    params["detector"] = recorded.model_dump(mode="json")
    with psycopg.connect(fleet.database_url) as conn:
        assert ledger.create_run(conn, run_id=run_id, as_of=as_of, params=params, batches=batches)
        conn.execute(
            "UPDATE runs SET started_at = now() - interval '10 minutes' WHERE run_id = %s",
            (run_id,),
        )
    response = fleet.kickoff(body)
    assert response.status == 200, response.body
    assert response.body["run_id"] == run_id and response.body["published"] == 2
    messages = published_batches(observer)
    assert sorted(m.batch_index for m in messages) == [0, 1]
    assert all(m.detector == recorded for m in messages)
    assert fleet.wait_for_run(run_id, timeout_s=120).state == "complete"

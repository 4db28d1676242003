"""Poison messages next to a healthy run: each one ends on the dead-letter topic (or is
refused at the door) with an ERROR log line naming its field, no process crashes, and
the healthy run completes with the clean run's table."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime

import psycopg
from google.api_core.exceptions import GoogleAPICallError

from mentionfleet.message import BatchMessage
from tests.reliability import measure
from tests.reliability.poison import KIND_ATTRIBUTE, Poison, poisons
from tests.reliability.rig import Baseline, Rig, Scenario


def post(url: str, body: bytes) -> int:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def deliver(rig: Rig, sc: Scenario, case: Poison) -> list[str]:
    """Deliver one poison and check where it ended; the problems found."""
    fleet = sc.fleet
    log = measure.LogMark(fleet.scorer.log_path)
    push_url = f"{fleet.scorer.url}/projects/{fleet.project}/topics/{fleet.batch_topic}"
    if case.via == "door-publish":
        topic = rig.publisher.topic_path(fleet.project, fleet.batch_topic)
        try:
            rig.publisher.publish(topic, case.data, **case.attribute_map()).result(timeout=60)
        except (ValueError, GoogleAPICallError):  # refused by the client or the emulator
            return []
        return [f"{case.kind}: Pub/Sub accepted it"]
    if case.via == "door-push":
        status = post(push_url, case.push_body)
        sc.door_rejections += 1
        return [] if 400 <= status < 500 else [f"{case.kind}: push answered {status}, not 4xx"]
    if case.via == "push":
        status = post(push_url, case.push_body)
        if status != 200:
            return [f"{case.kind}: push answered {status}, expected 200 (dead-lettered)"]
    else:
        topic = rig.publisher.topic_path(fleet.project, fleet.batch_topic)
        rig.publisher.publish(topic, case.data, **case.attribute_map()).result(timeout=60)
    problems = []
    letters = sc.take_dead_letters(expect=1, timeout_s=120)
    if [m.attributes.get(KIND_ATTRIBUTE) for m in letters] != [case.kind]:
        problems.append(f"{case.kind}: dead letters {[m.attributes for m in letters]}")
    elif letters[0].attributes.get("dead_letter_field") != case.field:
        problems.append(f"{case.kind}: dead letter names {letters[0].attributes}")
    named = [
        e for e in measure.json_lines(log.text())
        if e.get("severity") == "ERROR" and e.get("field") == case.field
    ]  # fmt: skip
    if len(named) != 1:
        problems.append(f"{case.kind}: {len(named)} ERROR lines name {case.field!r}, expected 1")
    return problems


def test_poison_messages_dead_lettered_healthy_run_completes(rig: Rig, baseline: Baseline) -> None:
    with rig.scenario(6, "poison messages beside a healthy run", baseline) as sc:
        run_id = sc.kickoff()
        valid = BatchMessage(
            run_id=run_id, batch_index=0, batch_count=len(baseline.batches),
            as_of=rig.spec.as_of, lookback_days=rig.spec.lookback_days,
            event_ids=tuple(baseline.batches[0]), detector=baseline.detector,
        )  # fmt: skip
        cases = poisons(valid, today=datetime.now(UTC).date())
        processes = {
            name: set(server.members()) for name, server in
            (("scorer", sc.fleet.scorer), ("fanout", sc.fleet.fanout))
        }  # fmt: skip
        postgres_pid = rig.stack.postgres.pid
        problems = [problem for case in cases for problem in deliver(rig, sc, case)]
        sc.fleet.wait_for_run(run_id, timeout_s=300)
        survivors = {
            name: set(server.members()) for name, server in
            (("scorer", sc.fleet.scorer), ("fanout", sc.fleet.fanout))
        }  # fmt: skip
        with psycopg.connect(rig.admin_url) as conn:
            tables = conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                " AND tablename IN ('runs', 'batches', 'mention_scores')"
            ).fetchone()
        dead = [c for c in cases if c.field is not None]
        sc.expected_dead_letters = len(dead)
        sc.notes.append(
            f"{len(cases)} kinds: {len(dead)} dead-lettered by the scorer with the field named, "
            f"{len(cases) - len(dead)} refused at the door (publish refused or HTTP 4xx)"
        )
    figures = sc.figures
    assert figures is not None
    assert len(dead) >= 20
    assert problems == []
    assert survivors == processes, "no function server process may crash or be replaced"
    assert rig.stack.postgres.pid == postgres_pid and tables == (3,)
    assert figures.failures() == []

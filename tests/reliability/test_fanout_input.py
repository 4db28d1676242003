"""Bad kickoff requests: each is refused with a message naming the field, and nothing
is published or recorded."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import psycopg

from mentionfleet.bus import admin
from tests.reliability.rig import Rig, drain

FUTURE = (datetime.now(UTC).date() + timedelta(days=400)).isoformat()
BAD_REQUESTS: list[tuple[str, bytes, str, int]] = [
    ("invalid JSON", b"{not json", "body", 400),
    ("JSON array", b"[1, 2]", "body", 400),
    ("JSON string", b'"kick off"', "body", 400),
    ("not UTF-8", b'{"as_of": "\xc3\x28"}', "body", 400),
    ("impossible date", b'{"as_of": "2026-02-31"}', "as_of", 400),
    ("date as a word", b'{"as_of": "yesterday"}', "as_of", 400),
    ("date as a number", b'{"as_of": 20261130}', "as_of", 400),
    ("date in the future", json.dumps({"as_of": FUTURE}).encode(), "as_of", 400),
    ("negative batch size", b'{"batch_size": -1}', "batch_size", 400),
    ("zero batch size", b'{"batch_size": 0}', "batch_size", 400),
    ("huge batch size", b'{"batch_size": 100000000}', "batch_size", 400),
    ("fractional batch size", b'{"batch_size": 20.5}', "batch_size", 400),
    ("negative look-back", b'{"lookback_days": -5}', "lookback_days", 400),
    ("zero look-back", b'{"lookback_days": 0}', "lookback_days", 400),
    ("huge look-back", b'{"lookback_days": 9999}', "lookback_days", 400),
    ("infinite look-back", b'{"lookback_days": 1e400}', "lookback_days", 400),
    ("unknown field", b'{"unknown_field": 1}', "unknown_field", 400),
    ("unknown detector field", b'{"detector": {"sensitivity": 3}}', "detector.sensitivity", 400),
    ("country not a FIPS code", b'{"geo_country": "Venezuela"}', "geo_country", 400),
    ("body over 64 KiB", json.dumps({"pad": "x" * 70_000}).encode(), "body", 413),
]


def test_bad_fanout_input_is_refused_and_publishes_nothing(rig: Rig) -> None:
    with rig.scenario(7, "bad fanout input", None) as sc:
        fleet = sc.fleet
        observer = admin.ensure_pull_subscription(
            rig.subscriber, fleet.project, fleet.batch_topic, "reliability-observer"
        )
        try:
            answers = []
            for name, body, _, _ in BAD_REQUESTS:
                response = fleet.kickoff(body)
                rig.responses.append(str(response.body))
                answers.append((name, response.status, str(response.body.get("error", ""))))
            published = drain(rig.subscriber, observer)
        finally:
            admin.delete_subscription(rig.subscriber, observer)
        with psycopg.connect(rig.admin_url) as conn:
            runs = conn.execute("SELECT count(*) FROM runs").fetchone()
        sc.notes.append(
            f"{len(BAD_REQUESTS)} bad requests, each refused (400, or 413 for the oversized "
            "body) with an error naming the field; nothing published, no run recorded"
        )
    problems = [
        f"{name}: {got} {error!r}, expected {status} naming {field!r}"
        for (name, got, error), (_, _, field, status) in zip(answers, BAD_REQUESTS, strict=True)
        if got != status or not error.startswith(f"{field}: ") or len(error) > 300
    ]
    assert problems == []
    assert published == [] and runs == (0,)
    assert sc.figures is not None and sc.figures.failures() == []

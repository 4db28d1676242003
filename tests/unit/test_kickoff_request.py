"""The fanout's request: defaults, 400-worthy input, and deterministic run ids."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from mentionfleet.kickoff import BadRequest, KickoffRequest, parse_request, run_id_for


def test_empty_body_means_defaults() -> None:
    request = parse_request(b"")
    assert request == KickoffRequest()
    assert (request.lookback_days, request.batch_size) == (30, 500)
    assert (request.geo_country, request.actor_country) == ("VE", "VEN")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{nope", "body"),
        (b"[]", "body"),
        (json.dumps({"as_of": "2026-02-30"}).encode(), "as_of"),
        (json.dumps({"as_of": "2999-01-01"}).encode(), "as_of"),
        (json.dumps({"batch_size": 0}).encode(), "batch_size"),
        (json.dumps({"batch_size": -5}).encode(), "batch_size"),
        (json.dumps({"batch_size": 10**9}).encode(), "batch_size"),
        (json.dumps({"lookback_days": 0}).encode(), "lookback_days"),
        (json.dumps({"lookback_days": 100000}).encode(), "lookback_days"),
        (json.dumps({"geo_country": "VEN"}).encode(), "geo_country"),
        (json.dumps({"actor_country": "VE"}).encode(), "actor_country"),
        (json.dumps({"colour": "red"}).encode(), "colour"),
        (json.dumps({"batch_size": True}).encode(), "batch_size"),
        (json.dumps({"batch_size": "20"}).encode(), "batch_size"),
        (json.dumps({"batch_size": 20.5}).encode(), "batch_size"),
        (json.dumps({"rerun": "yes"}).encode(), "rerun"),
        (json.dumps({"as_of": 20261203}).encode(), "as_of"),
    ],
)
def test_bad_input_names_the_field(body: bytes, field: str) -> None:
    with pytest.raises(BadRequest, match=rf"^{field}\b"):
        parse_request(body)


def test_detector_parameters_and_iso_dates_are_accepted() -> None:
    request = parse_request(
        b'{"as_of": "2026-11-30", "detector": {"medium": 3, "high": 4, "critical": 6}}'
    )
    assert request.as_of is not None and request.as_of.isoformat() == "2026-11-30"
    assert request.detector.medium == 3.0


def test_same_day_and_parameters_give_the_same_run_id() -> None:
    a = run_id_for(KickoffRequest(), date(2026, 12, 3))
    b = run_id_for(parse_request(b'{"lookback_days": 30}'), date(2026, 12, 3))
    assert a == b
    assert a.startswith("run-20261203-")
    assert run_id_for(KickoffRequest(batch_size=100), date(2026, 12, 3)) != a
    assert run_id_for(KickoffRequest(), date(2026, 12, 2)) != a


def test_rerun_makes_a_new_run_id() -> None:
    now = datetime(2026, 12, 4, 8, 30, tzinfo=UTC)
    rerun = run_id_for(KickoffRequest(rerun=True), date(2026, 12, 3), now=now)
    assert rerun == run_id_for(KickoffRequest(), date(2026, 12, 3)) + "-20261204083000"

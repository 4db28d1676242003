"""The batch message schema: round trips, and every malformed shape names its field."""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentionfleet.message import BatchMessage, MessageError, decode, decode_push

TODAY = date(2026, 12, 4)


def _message(**overrides: Any) -> BatchMessage:
    fields: dict[str, Any] = {
        "run_id": "run-20261203-0a1b2c3d",
        "batch_index": 1,
        "batch_count": 3,
        "as_of": date(2026, 12, 3),
        "lookback_days": 30,
        "event_ids": (11, 12, 40),
    }
    return BatchMessage(**{**fields, **overrides})


def _payload(**changes: Any) -> tuple[bytes, dict[str, str]]:
    message = _message()
    payload = json.loads(message.encode())
    for key, value in changes.items():
        if value is ...:
            payload.pop(key)
        else:
            payload[key] = value
    return json.dumps(payload).encode(), message.attributes()


def test_round_trip_through_bytes_and_push_envelope() -> None:
    message = _message()
    assert decode(message.encode(), message.attributes(), today=TODAY) == message
    envelope = {
        "message": {
            "data": base64.b64encode(message.encode()).decode(),
            "attributes": message.attributes(),
            "messageId": "1",
        },
        "subscription": "projects/p/subscriptions/s",
    }
    assert decode_push(envelope, today=TODAY) == message


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"schema_version": 2}, "schema_version"),
        ({"schema_version": ...}, "schema_version"),
        ({"run_id": ...}, "run_id"),
        ({"run_id": "run'; DROP TABLE mention_scores; --"}, "run_id"),
        ({"event_ids": []}, "event_ids"),
        ({"event_ids": ["11", "12"]}, "event_ids.0"),
        ({"event_ids": [11.0, 12.0]}, "event_ids.0"),
        ({"event_ids": [-5, 12]}, "event_ids.0"),
        ({"event_ids": [0, 12]}, "event_ids.0"),
        ({"event_ids": [2**63, 2**63 + 1]}, "event_ids.0"),
        ({"event_ids": [True, 12]}, "event_ids.0"),
        ({"event_ids": [12, 11]}, "event_ids"),
        ({"event_ids": [11, 11]}, "event_ids"),
        ({"event_ids": list(range(1, 5002))}, "event_ids"),
        ({"lookback_days": 0}, "lookback_days"),
        ({"lookback_days": 91}, "lookback_days"),
        ({"as_of": "2026-13-01"}, "as_of"),
        ({"as_of": "2027-01-01"}, "as_of"),
        ({"as_of": 20261203}, "as_of"),
        ({"batch_index": 3}, "batch_index"),
        ({"surprise": 1}, "surprise"),
        ({"detector": {"method": "magic"}}, "detector.method"),
        ({"detector": {"medium": 5, "high": 2, "critical": 3}}, "detector"),
    ],
)
def test_malformed_payload_names_the_field(changes: dict[str, Any], field: str) -> None:
    data, attributes = _payload(**changes)
    with pytest.raises(MessageError) as caught:
        decode(data, attributes, today=TODAY)
    assert caught.value.field == field, str(caught.value)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xff\xfe not utf-8", "not UTF-8"),
        (b"{not json", "not JSON"),
        (b"[1, 2]", "expected a JSON object"),
        (b'"text"', "expected a JSON object"),
        (b"x" * (1024 * 1024 + 1), "bytes, expected at most"),
        (b"[" * 100_000, "not JSON"),
    ],
)
def test_unparseable_data_is_a_message_error(data: bytes, reason: str) -> None:
    with pytest.raises(MessageError, match=reason) as caught:
        decode(data, {}, today=TODAY)
    assert caught.value.field == "data"


@pytest.mark.parametrize(
    ("attributes", "field"),
    [
        ({}, "attributes.schema_version"),
        ({"schema_version": "1", "run_id": "run-20261203-0a1b2c3d"}, "attributes.batch_index"),
        (
            {"schema_version": "1", "run_id": "another-run", "batch_index": "1"},
            "attributes.run_id",
        ),
    ],
)
def test_attributes_must_match_the_payload(attributes: dict[str, str], field: str) -> None:
    with pytest.raises(MessageError) as caught:
        decode(_message().encode(), attributes, today=TODAY)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("envelope", "field"),
    [
        (None, "event.data"),
        ({}, "message"),
        ({"message": {"data": 5}}, "message.data"),
        ({"message": {"data": "***not base64***"}}, "message.data"),
        ({"message": {"data": "e30=", "attributes": {"a": 1}}}, "message.attributes"),
    ],
)
def test_broken_push_envelopes(envelope: Any, field: str) -> None:
    with pytest.raises(MessageError) as caught:
        decode_push(envelope, today=TODAY)
    assert caught.value.field == field


@settings(max_examples=400, deadline=None)
@given(data=st.binary(max_size=2048), attributes=st.dictionaries(st.text(), st.text()))
def test_any_bytes_decode_or_raise_message_error(data: bytes, attributes: dict[str, str]) -> None:
    try:
        message = decode(data, attributes, today=TODAY)
    except MessageError:
        return
    assert isinstance(message, BatchMessage)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(
    overrides=st.dictionaries(
        st.sampled_from(
            [
                "run_id",
                "batch_index",
                "batch_count",
                "as_of",
                "lookback_days",
                "event_ids",
                "detector",
                "schema_version",
                "extra",
            ]
        ),
        json_values,
    )
)
def test_any_json_fields_decode_or_raise_message_error(overrides: dict[str, Any]) -> None:
    data, attributes = _payload(**overrides)
    try:
        decode(data, attributes, today=TODAY)
    except MessageError:
        pass

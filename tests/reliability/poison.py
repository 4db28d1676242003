"""Pure: the poison messages of scenario 6, each derived from one valid batch message.

A poison is delivered through Pub/Sub (data and attributes), or POSTed straight to the
scorer's push endpoint (shapes Pub/Sub itself never sends), or refused before it
reaches the scorer ("at the door"). `field` is what the scorer's ERROR log line and the
dead letter must name; None for a poison refused at the door.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal, get_args, get_origin

from mentionfleet.batching import MAX_BATCH_SIZE
from mentionfleet.message import MAX_LOOKBACK_DAYS, BatchMessage
from mentionfleet.spikes.params import DetectorParams

KIND_ATTRIBUTE = "poison"
INJECTION = "x'); DROP TABLE mention_scores; --"
PUBSUB_LIMIT = 10_000_000
"""Pub/Sub refuses a publish request over 10 MB."""

Via = Literal["pubsub", "push", "door-publish", "door-push"]


@dataclass(frozen=True)
class Poison:
    kind: str
    via: Via
    field: str | None
    data: bytes = b""
    attributes: tuple[tuple[str, str], ...] = ()
    push_body: bytes = b""

    def attribute_map(self) -> dict[str, str]:
        return dict(self.attributes)


def _attrs(valid: BatchMessage, kind: str, **changes: str | None) -> tuple[tuple[str, str], ...]:
    attributes: dict[str, str] = {**valid.attributes(), KIND_ATTRIBUTE: kind}
    for key, value in changes.items():
        if value is None:
            attributes.pop(key, None)
        else:
            attributes[key] = value
    return tuple(attributes.items())


def _payload(valid: BatchMessage, **changes: Any) -> bytes:
    payload = json.loads(valid.encode())
    for key, value in changes.items():
        if value is ...:
            payload.pop(key)
        else:
            payload[key] = value
    return json.dumps(payload).encode()


def _detector_text_fields() -> list[str]:
    """DetectorParams fields that are strings on the wire (a choice of literals)."""
    found = []
    for name, info in DetectorParams.model_fields.items():
        args = get_args(info.annotation)
        if get_origin(info.annotation) is Literal and all(isinstance(a, str) for a in args):
            found.append(name)
    return found


def _push_body(data: Any, attributes: Any, message_id: str) -> bytes:
    message = {"data": data, "attributes": attributes, "messageId": message_id}
    return json.dumps({"message": message, "subscription": "projects/p/subscriptions/s"}).encode()


def poisons(valid: BatchMessage, today: date) -> list[Poison]:
    ids = list(valid.event_ids)
    v = valid

    def bad(kind: str, field: str, **changes: Any) -> Poison:
        return Poison(kind, "pubsub", field, _payload(v, **changes), _attrs(v, kind))

    cases = [
        Poison("invalid JSON", "pubsub", "data", v.encode()[:-9], _attrs(v, "invalid JSON")),
        Poison("JSON that is not an object", "pubsub", "data", b"[1, 2, 3]",
               _attrs(v, "JSON that is not an object")),
        Poison("invalid UTF-8", "pubsub", "data",
               v.encode().replace(b'"run_id"', b'"run_\xff\xfeid"'), _attrs(v, "invalid UTF-8")),
        Poison("empty data", "pubsub", "data", b"", _attrs(v, "empty data")),
        Poison("9.9 MB payload", "pubsub", "data",
               b'{"pad": "' + b"x" * 9_900_000 + b'"}', _attrs(v, "9.9 MB payload")),
        bad("unknown schema version", "schema_version", schema_version=2),
        bad("schema version missing", "schema_version", schema_version=...),
        bad("event_ids missing", "event_ids", event_ids=...),
        bad("as_of missing", "as_of", as_of=...),
        bad("extra field", "surprise", surprise=1),
        bad("ids as strings", "event_ids.0", event_ids=[str(i) for i in ids]),
        bad("ids as floats", "event_ids.0", event_ids=[float(i) for i in ids]),
        bad("negative id", "event_ids.0", event_ids=[-ids[0], *ids[1:]]),
        bad("ids beyond int64", "event_ids.0", event_ids=[2**63, 2**63 + 1]),
        bad("ids unsorted, with a duplicate", "event_ids", event_ids=[ids[1], ids[0], ids[0]]),
        bad("empty batch", "event_ids", event_ids=[]),
        bad("batch over the maximum size", "event_ids",
            event_ids=list(range(1, MAX_BATCH_SIZE + 2))),
        bad("look-back 0 days", "lookback_days", lookback_days=0),
        bad("look-back over the maximum", "lookback_days", lookback_days=MAX_LOOKBACK_DAYS + 1),
        bad("as_of not a date", "as_of", as_of="2026-02-31"),
        bad("as_of in the future", "as_of", as_of=(today + timedelta(days=400)).isoformat()),
        bad("batch_index beyond batch_count", "batch_index", batch_index=v.batch_count),
        bad("unknown detector method", "detector.method",
            detector={**v.detector.model_dump(mode="json"), "method": "magic"}),
        # SQL injection in every string field, payload and attributes.
        bad("SQL injection in run_id", "run_id", run_id=INJECTION),
        bad("SQL injection in as_of", "as_of", as_of=INJECTION),
        bad("SQL injection in schema_version", "schema_version", schema_version=INJECTION),
        bad("SQL injection in an event id", "event_ids.0", event_ids=[INJECTION, *ids[1:]]),
        *[
            bad(f"SQL injection in detector.{name}", f"detector.{name}",
                detector={**v.detector.model_dump(mode="json"), name: INJECTION})
            for name in _detector_text_fields()
        ],
        *[
            Poison(f"SQL injection in attribute {key}", "pubsub", f"attributes.{key}", v.encode(),
                   _attrs(v, f"SQL injection in attribute {key}", **{key: INJECTION}))
            for key in ("schema_version", "run_id", "batch_index")
        ],
        Poison("routing attributes missing", "pubsub", "attributes.schema_version", v.encode(),
               _attrs(v, "routing attributes missing", schema_version=None, run_id=None,
                      batch_index=None)),
        Poison("attributes disagree with the payload", "pubsub", "attributes.run_id", v.encode(),
               _attrs(v, "attributes disagree with the payload", run_id="run-20990101-other")),
        # Shapes only a caller other than Pub/Sub could send to the push endpoint.
        Poison("invalid base64", "push", "message.data",
               push_body=_push_body("***not base64***", dict(_attrs(v, "invalid base64")), "p1")),
        Poison("data that is not a string", "push", "message.data",
               push_body=_push_body(None, dict(_attrs(v, "data that is not a string")), "p2")),
        Poison("attributes that are not strings", "push", "message.attributes",
               push_body=_push_body(base64.b64encode(v.encode()).decode(),
                                    {**dict(_attrs(v, "attributes that are not strings")),
                                     "batch_index": 0}, "p3")),
        # Refused before any scorer code runs.
        Poison("10 MB payload", "door-publish", None,
               b"x" * PUBSUB_LIMIT, _attrs(v, "10 MB payload")),
        Poison("no data and no attributes", "door-publish", None),
        Poison("push body that is not JSON", "door-push", None, push_body=b"\x00not json{"),
        Poison("push body without a message", "door-push", None,
               push_body=json.dumps({"subscription": "projects/p/subscriptions/s"}).encode()),
    ]  # fmt: skip
    return cases

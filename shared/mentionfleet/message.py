"""The batch message: what the fanout (and an operator's republish) sends to the scorers.

Wire format: a Pub/Sub message whose data is UTF-8 JSON (`BatchMessage`) and whose
attributes repeat the routing fields (`schema_version`, `run_id`, `batch_index`) so
that subscriptions, dead-letter listings and logs can name a batch without parsing
the payload. Decoding either returns a valid `BatchMessage` or raises
`MessageError` naming the offending field; it never raises anything else, because a
malformed message must end on the dead-letter topic, not in a crash loop.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from mentionfleet.batching import INT64_MAX, MAX_BATCH_SIZE
from mentionfleet.isodate import IsoDate
from mentionfleet.spikes.params import DetectorParams

SCHEMA_VERSION: Final = 1
MAX_MESSAGE_BYTES = 1024 * 1024
MAX_LOOKBACK_DAYS = 90
RUN_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"

EventId = Annotated[StrictInt, Field(ge=1, le=INT64_MAX)]


class MessageError(ValueError):
    """A batch message that can never be processed; it belongs on the dead-letter topic."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class BatchMessage(BaseModel):
    """One batch of events to score for one run."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    schema_version: Literal[1] = SCHEMA_VERSION
    run_id: str = Field(pattern=RUN_ID_PATTERN)
    batch_count: int = Field(ge=1, le=1_000_000)
    batch_index: int = Field(ge=0, le=1_000_000)
    as_of: IsoDate
    lookback_days: int = Field(ge=1, le=MAX_LOOKBACK_DAYS)
    event_ids: tuple[EventId, ...] = Field(min_length=1, max_length=MAX_BATCH_SIZE)
    detector: DetectorParams = DetectorParams()

    @field_validator("as_of")
    @classmethod
    def _not_future(cls, value: date, info: ValidationInfo) -> date:
        today = (info.context or {}).get("today") or datetime.now(UTC).date()
        if value > today:
            raise ValueError(f"{value} is in the future (today is {today})")
        return value

    @field_validator("event_ids")
    @classmethod
    def _sorted_unique(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(b <= a for a, b in itertools.pairwise(value)):
            raise ValueError("event ids must be strictly increasing (sorted, no duplicates)")
        return value

    @field_validator("batch_index")
    @classmethod
    def _index_in_range(cls, value: int, info: ValidationInfo) -> int:
        count = info.data.get("batch_count")
        if count is not None and value >= count:
            raise ValueError(f"batch_index={value} is not below batch_count={count}")
        return value

    @property
    def id_range(self) -> tuple[int, int]:
        return self.event_ids[0], self.event_ids[-1]

    def attributes(self) -> dict[str, str]:
        return {
            "schema_version": str(self.schema_version),
            "run_id": self.run_id,
            "batch_index": str(self.batch_index),
        }

    def encode(self) -> bytes:
        return self.model_dump_json().encode("utf-8")


def _first_error(exc: ValidationError) -> MessageError:
    err = exc.errors(include_url=False)[0]
    field = ".".join(str(p) for p in err["loc"]) or "data"
    value = err.get("input")
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return MessageError(field, f"{err['msg']} (got {shown})")


def decode(
    data: bytes, attributes: Mapping[str, str] | None = None, *, today: date | None = None
) -> BatchMessage:
    """Parse and validate a message's data and attributes."""
    if len(data) > MAX_MESSAGE_BYTES:
        raise MessageError("data", f"{len(data)} bytes, expected at most {MAX_MESSAGE_BYTES}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MessageError("data", f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        payload = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise MessageError("data", f"not JSON ({exc})") from None
    if not isinstance(payload, dict):
        raise MessageError("data", f"expected a JSON object, got {type(payload).__name__}")
    version = payload.get("schema_version")
    if version != SCHEMA_VERSION:
        raise MessageError(
            "schema_version", f"{version!r} is not supported, expected {SCHEMA_VERSION}"
        )
    try:
        message = BatchMessage.model_validate(
            _json_numbers_only(payload), context={"today": today}
        )
    except ValidationError as exc:
        raise _first_error(exc) from None
    _check_attributes(message, attributes or {})
    return message


def _json_numbers_only(payload: dict[str, Any]) -> dict[str, Any]:
    # JSON has no tuples; strict mode wants the declared container type.
    ids = payload.get("event_ids")
    if isinstance(ids, list):
        return {**payload, "event_ids": tuple(ids)}
    return payload


def _check_attributes(message: BatchMessage, attributes: Mapping[str, str]) -> None:
    for key, expected in message.attributes().items():
        got = attributes.get(key)
        if got is None:
            raise MessageError(f"attributes.{key}", f"missing, expected {expected!r}")
        if got != expected:
            raise MessageError(
                f"attributes.{key}", f"{got!r} does not match the payload's {expected!r}"
            )


def decode_push(envelope: Any, *, today: date | None = None) -> BatchMessage:
    """Decode the `data` of a Pub/Sub messagePublished CloudEvent (the push envelope)."""
    if not isinstance(envelope, Mapping):
        raise MessageError("event.data", f"expected an object, got {type(envelope).__name__}")
    msg = envelope.get("message")
    if not isinstance(msg, Mapping):
        raise MessageError("message", "missing or not an object")
    raw = msg.get("data")
    if not isinstance(raw, str):
        raise MessageError("message.data", "missing or not a base64 string")
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MessageError("message.data", f"not valid base64 ({exc})") from None
    attributes = msg.get("attributes") or {}
    if not isinstance(attributes, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in attributes.items()
    ):
        raise MessageError("message.attributes", "expected an object of strings")
    return decode(data, attributes, today=today)


def routing(envelope: Any) -> dict[str, str]:
    """Best-effort run and batch ids from a message's attributes, for logs and the ledger."""
    try:
        attributes = envelope["message"]["attributes"]
        return {
            k: str(attributes[k])[:64] for k in ("run_id", "batch_index") if k in attributes
        }
    except (KeyError, TypeError):
        return {}

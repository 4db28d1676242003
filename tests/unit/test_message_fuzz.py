"""Fuzzing the scorer's front door beyond random bytes (see test_message.py for those):
mutations of a real message, and arbitrary push envelopes. Whatever arrives either
decodes to a valid batch or raises MessageError naming a field, never anything else."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mentionfleet.message import BatchMessage, MessageError, decode, decode_push

TODAY = date(2026, 12, 4)
VALID = BatchMessage(
    run_id="run-20261203-0a1b2c3d",
    batch_index=2,
    batch_count=5,
    as_of=date(2026, 12, 3),
    lookback_days=30,
    event_ids=(1_100_000_011, 1_100_000_012, 1_100_000_040),
)
FIELDS = {"data", "message", "message.data", "message.attributes", "event.data"}


def _outcome(call: Any, *args: Any) -> BatchMessage | MessageError:
    try:
        return call(*args, today=TODAY)  # type: ignore[no-any-return]
    except MessageError as exc:
        return exc


def _names_a_field(error: MessageError) -> bool:
    top = error.field.split(".")[0]
    return bool(error.field) and (
        error.field in FIELDS or top in BatchMessage.model_fields or top in {"attributes"}
        or error.reason.startswith("Extra inputs")
    )  # fmt: skip


mutation = st.tuples(
    st.sampled_from(["flip", "insert", "delete"]), st.integers(min_value=0), st.binary(
        min_size=1, max_size=3)
)  # fmt: skip


def _mutate(data: bytes, edits: list[tuple[str, int, bytes]]) -> bytes:
    out = bytearray(data)
    for op, at, chunk in edits:
        i = at % (len(out) + 1)
        if op == "insert":
            out[i:i] = chunk
        elif op == "delete":
            del out[i : i + len(chunk)]
        elif out:
            out[i % len(out)] ^= chunk[0] or 1
    return bytes(out)


@settings(max_examples=600, deadline=None)
@given(edits=st.lists(mutation, min_size=1, max_size=6))
def test_mutated_messages_decode_or_name_a_field(edits: list[tuple[str, int, bytes]]) -> None:
    data = _mutate(VALID.encode(), edits)
    got = _outcome(decode, data, VALID.attributes())
    if isinstance(got, MessageError):
        assert _names_a_field(got), got
    else:  # a mutation that kept it valid: it must survive its own round trip
        assert _outcome(decode, got.encode(), got.attributes()) == got


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=12,
)  # fmt: skip
data_fields = (
    json_values
    | st.binary(max_size=300).map(lambda b: base64.b64encode(b).decode())
    | st.just(base64.b64encode(VALID.encode()).decode())
)
envelopes = (
    json_values
    | st.fixed_dictionaries({"message": json_values})
    | st.fixed_dictionaries(
        {"message": st.fixed_dictionaries(
            {"data": data_fields},
            optional={"attributes": json_values | st.just(VALID.attributes()),
                      "messageId": st.text(max_size=5)},
        )}
    )
)  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(envelope=envelopes)
def test_any_push_envelope_decodes_or_names_a_field(envelope: Any) -> None:
    got = _outcome(decode_push, envelope)
    if isinstance(got, MessageError):
        assert _names_a_field(got), got
    else:
        assert got == VALID  # the only valid payload the strategies can produce

"""Paging cursors: opaque, URL-safe, typed on the way back, and refused (422) when malformed
or taken from another listing."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from homebase.core.cursor import (
    MAX_LENGTH,
    CursorSpec,
    CursorValue,
    InvalidCursor,
    KeyType,
    decode_cursor,
    encode_cursor,
    fingerprint,
)

SPEC = CursorSpec(
    "things:-when,name:abc",
    (KeyType("datetime"), KeyType("str"), KeyType("date", nullable=True), KeyType("int")),
)
VALUES: tuple[CursorValue, ...] = (
    datetime(2026, 11, 25, 9, 30, 0, 123456, tzinfo=UTC),
    "Петров «O'Brien» / ?&=#",
    date(2026, 12, 31),
    2**31 - 1,
)


def _raw(payload: Any) -> str:
    text = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(text).decode("ascii").rstrip("=")


def _refused(token: str, spec: CursorSpec = SPEC) -> str:
    with pytest.raises(InvalidCursor) as caught:
        decode_cursor(spec, token)
    assert caught.value.status_code == 422
    assert caught.value.code == "invalid_cursor"
    assert caught.value.field == "cursor"
    return caught.value.field_key


def test_round_trip_keeps_types_and_values() -> None:
    token = encode_cursor(SPEC, VALUES)
    assert decode_cursor(SPEC, token) == VALUES
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)  # no escaping needed in a URL


def test_nullable_key_round_trips_null() -> None:
    values = (*VALUES[:2], None, 7)
    assert decode_cursor(SPEC, encode_cursor(SPEC, values)) == values


def test_other_offset_comes_back_as_the_same_moment() -> None:
    kyiv = VALUES[0].astimezone(timezone(timedelta(hours=2)))  # type: ignore[union-attr]
    decoded = decode_cursor(SPEC, encode_cursor(SPEC, (kyiv, *VALUES[1:])))
    assert decoded[0] == VALUES[0]


def test_cursor_of_another_listing_is_refused() -> None:
    other = CursorSpec("things:name:abc", SPEC.keys)
    assert _refused(encode_cursor(other, VALUES)) == "cursor_other_listing"


@pytest.mark.parametrize(
    "token",
    [
        "!!!",
        "a b",
        "ab+/",
        "A",  # not a whole base64 quantum
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        _raw("just a string")[:-2] + "zz",
        _raw([1, 2]),
        _raw({"o": SPEC.shape}),
        _raw({"o": SPEC.shape, "k": [], "x": 1}),
        _raw({"o": SPEC.shape, "k": "values"}),
        _raw({"o": SPEC.shape, "k": [None, "a", None, 1]}),  # a non-nullable key is null
        _raw({"o": SPEC.shape, "k": ["2026-11-25T09:30:00", "a", None, 1]}),  # no offset
        _raw({"o": SPEC.shape, "k": ["yesterday", "a", None, 1]}),
        _raw({"o": SPEC.shape, "k": ["2026-11-25T09:30:00Z", 5, None, 1]}),
        _raw({"o": SPEC.shape, "k": ["2026-11-25T09:30:00Z", "a", "2026-02-30", 1]}),
        _raw({"o": SPEC.shape, "k": ["2026-11-25T09:30:00Z", "a", None, True]}),
        _raw({"o": SPEC.shape, "k": ["2026-11-25T09:30:00Z", "a", None, 1.5]}),
        _raw({"o": SPEC.shape, "k": ["2026-11-25T09:30:00Z", "a", None, "1"]}),
        _raw({"o": SPEC.shape, "k": ["2026-11-25T09:30:00Z", "a", None, 2**31]}),
        _raw({"o": SPEC.shape, "k": ["2026-11-25T09:30:00Z", "a", None, -(2**31) - 1]}),
        _raw({"o": SPEC.shape, "k": ["2026-11-25T09:30:00Z", "a\x00b", None, 1]}),
        _raw({"o": SPEC.shape, "k": ["2026-11-25T09:30:00Z", "x" * 501, None, 1]}),
        _raw({"o": SPEC.shape, "k": ["2026-11-25T09:30:00Z", "a", None]}),
        base64.urlsafe_b64encode(b"[" * 100_000).decode()[:MAX_LENGTH],
        "A" * (MAX_LENGTH + 1),
    ],
)
def test_malformed_cursor_is_refused(token: str) -> None:
    assert _refused(token) == "cursor_malformed"


def test_lone_surrogate_in_a_string_key_is_refused() -> None:
    text = json.dumps({"o": SPEC.shape, "k": ["2026-11-25T09:30:00Z", "\udc00", None, 1]})
    assert "\\udc00" in text  # escaped in the JSON, decoded to a lone surrogate
    token = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    assert _refused(token) == "cursor_malformed"


def test_deep_nesting_is_refused_not_crashed() -> None:
    token = _raw({"o": SPEC.shape, "k": [[[[[[[[["deep"]]]]]]]]]})
    assert _refused(token) == "cursor_malformed"


def test_fingerprint_tells_filters_apart_and_is_stable() -> None:
    assert fingerprint("milk", None) == fingerprint("milk", None)
    assert fingerprint("milk", None) != fingerprint("milk", "new")
    assert fingerprint(None) != fingerprint("")
    assert fingerprint(date(2026, 1, 1)) != fingerprint(date(2026, 1, 2))
    assert re.fullmatch(r"[A-Za-z0-9_-]{12}", fingerprint("x"))


def test_longest_names_fit_in_a_cursor() -> None:
    spec = CursorSpec("contacts:last_name,first_name,id:" + fingerprint("q"), SPEC.keys[1:2] * 2)
    widest = "\U0001f600" * 100  # four UTF-8 bytes each: the worst case for 100 characters
    token = encode_cursor(spec, (widest, widest))
    assert len(token) <= MAX_LENGTH
    assert decode_cursor(spec, token) == (widest, widest)

"""Opaque paging cursors: the sort-key values of the last row of a page, and the listing they
belong to, as base64url of compact JSON.

A cursor is not signed. It only says where to resume inside a listing whose owner filter is
applied anyway, so a forged one can only move within the caller's own rows. It is checked
for shape (the same listing, order and filters) and for well-typed values, so a bad one is a
422, never a database error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from homebase.core.errors import FieldError

CursorValue = str | int | date | datetime | None
Kind = Literal["str", "int", "date", "datetime"]

MAX_LENGTH = 2048  # characters of a cursor; a page's keys need far fewer
_MAX_TEXT = 500
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1  # every integer key is a PostgreSQL INTEGER
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


class InvalidCursor(FieldError):
    """A `?cursor=` that cannot be used: malformed, or taken from another listing."""

    code = "invalid_cursor"
    message_key = "invalid_cursor"

    def __init__(self, field_key: str) -> None:
        super().__init__("cursor", field_key)


@dataclass(frozen=True, slots=True)
class KeyType:
    kind: Kind
    nullable: bool = False


@dataclass(frozen=True, slots=True)
class CursorSpec:
    """What a cursor must match: `shape` names the listing, its order and its filters;
    `keys` are the types of the sort-key values, in order."""

    shape: str
    keys: tuple[KeyType, ...]


def fingerprint(*parts: object) -> str:
    """A short stable digest of filter values, so a cursor is refused under other filters."""
    text = json.dumps(parts, default=str, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()[:9]
    return base64.urlsafe_b64encode(digest).decode("ascii")


def _plain(value: CursorValue) -> str | int | None:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def encode_cursor(spec: CursorSpec, values: Sequence[CursorValue]) -> str:
    payload = {"o": spec.shape, "k": [_plain(value) for value in values]}
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _payload(token: str) -> Any:
    if len(token) > MAX_LENGTH or not _BASE64URL.fullmatch(token):
        raise InvalidCursor("cursor_malformed")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        return json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidCursor("cursor_malformed") from None


def _text(value: str) -> str:
    if len(value) > _MAX_TEXT or "\x00" in value:
        raise ValueError(value)
    value.encode("utf-8")  # a lone surrogate from a JSON escape raises UnicodeEncodeError
    return value


def _typed(value: Any, key: KeyType) -> CursorValue:
    if value is None:
        if not key.nullable:
            raise ValueError("null")
        return None
    if key.kind == "int":
        if type(value) is not int or not _INT_MIN <= value <= _INT_MAX:
            raise ValueError(value)
        return value
    if not isinstance(value, str):
        raise ValueError(value)
    if key.kind == "str":
        return _text(value)
    if key.kind == "date":
        return date.fromisoformat(value)
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(value)
    # Stored and compared in UTC: an offset that carries the moment past year 1 or 9999 is
    # no moment a row can have (and overflows the driver's conversion).
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(value) from None
    return moment


def decode_cursor(spec: CursorSpec, token: str) -> tuple[CursorValue, ...]:
    """The key values in `token`; InvalidCursor (422) unless it is a cursor of `spec`."""
    payload = _payload(token)
    if not isinstance(payload, dict) or set(payload) != {"o", "k"} or type(payload["o"]) is not str:
        raise InvalidCursor("cursor_malformed")
    if payload["o"] != spec.shape:
        raise InvalidCursor("cursor_other_listing")
    values = payload["k"]
    if not isinstance(values, list) or len(values) != len(spec.keys):
        raise InvalidCursor("cursor_malformed")
    try:
        return tuple(_typed(value, key) for value, key in zip(values, spec.keys, strict=True))
    except (ValueError, UnicodeEncodeError):
        raise InvalidCursor("cursor_malformed") from None

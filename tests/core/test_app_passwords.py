"""The app-password secret format, the scope rules, and their messages in every language."""

from __future__ import annotations

import json
import re
import string
from importlib import resources

import pytest

from homebase.core.app_passwords import (
    PREFIX_LENGTH,
    SCOPES,
    grants,
    looks_like_app_password,
    new_app_password,
)
from homebase.core.i18n import SUPPORTED_LOCALES


def test_secret_format_and_prefix() -> None:
    token, prefix = new_app_password()
    assert re.fullmatch(r"hbp_[A-Za-z0-9_-]{43,}", token)
    assert prefix == token[:PREFIX_LENGTH] and len(prefix) <= 12
    # What the prefix does not show is still at least 256 random bits.
    assert (len(token) - len(prefix)) * 6 >= 256
    assert looks_like_app_password(token)
    assert len({new_app_password()[0] for _ in range(100)}) == 100


@pytest.mark.parametrize(
    "value",
    ["", "hbp_", "hbp_" + "a" * 42, "HBP_" + "a" * 51, "hbp_" + "a" * 50 + "=", "x" + "a" * 60],
)
def test_what_is_not_an_app_password(value: str) -> None:
    assert not looks_like_app_password(value)


@pytest.mark.parametrize(
    ("held", "needed", "expected"),
    [
        ({"tasks:read"}, "tasks:read", True),
        ({"tasks:write"}, "tasks:read", True),
        ({"tasks:read"}, "tasks:write", False),
        ({"contacts:write"}, "tasks:read", False),
        ({"dav"}, "tasks:read", False),
        ({"dav"}, "dav", True),
        ({"account:read"}, "account:read", True),
        (set(SCOPES), "account:write", False),
    ],
)
def test_write_implies_read_and_nothing_else(held: set[str], needed: str, expected: bool) -> None:
    assert grants(held, needed) is expected


def _catalog(locale: str) -> dict[str, str]:
    path = resources.files("homebase") / "locales" / locale / "app_passwords.json"
    result: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return result


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_messages_in_every_language(locale: str) -> None:
    english, other = _catalog("en"), _catalog(locale)
    assert other.keys() == english.keys()
    for key, text in english.items():
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
        assert names == {n for _, n, _, _ in string.Formatter().parse(other[key]) if n}, key

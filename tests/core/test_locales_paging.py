"""The paging message catalogs exist in every language, with the same keys and placeholders."""

from __future__ import annotations

import json
import string
from importlib import resources

import pytest

from homebase.core.i18n import SUPPORTED_LOCALES, catalog


def _paging(locale: str) -> dict[str, str]:
    path = resources.files("homebase") / "locales" / locale / "paging.json"
    result: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return result


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_same_keys_and_placeholders_as_english(locale: str) -> None:
    english, other = _paging("en"), _paging(locale)
    assert other.keys() == english.keys()
    for key, text in english.items():
        assert _placeholders(other[key]) == _placeholders(text), key
        assert catalog(locale)[key] == other[key]  # no other catalog overrides it

"""Message catalogs and Accept-Language negotiation."""

from __future__ import annotations

import pytest

from homebase.core.i18n import SUPPORTED_LOCALES, catalog, negotiate, translate


def test_every_locale_has_every_key() -> None:
    keys = set(catalog("en"))
    for locale in SUPPORTED_LOCALES:
        assert set(catalog(locale)) == keys, locale


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("", "en"),
        ("ru", "ru"),
        ("ru-RU,ru;q=0.9,en;q=0.8", "ru"),
        ("en;q=0.5, uk;q=0.9", "uk"),
        ("de-DE, fr;q=0.9", "en"),
        ("uk;q=0, ru;q=0.1", "ru"),
        ("ru;q=abc, uk", "uk"),
        ("*", "en"),
    ],
)
def test_negotiate(header: str | None, expected: str) -> None:
    assert negotiate(header, "en") == expected


def test_negotiate_falls_back_to_the_configured_default() -> None:
    assert negotiate("de", "ru") == "ru"


def test_translate_formats_and_falls_back() -> None:
    assert (
        translate("rate_limited", "ru", retry_after=5)
        == "Слишком много запросов; повторите через 5 с"
    )
    assert translate("passwords_mismatch", "uk") == "Паролі не збігаються"
    assert translate("no.such.key", "ru") == "no.such.key"

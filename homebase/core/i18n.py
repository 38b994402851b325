"""Message catalogs (en, ru, uk) and `Accept-Language` negotiation.

Each locale folder holds JSON files, one per domain; they are merged at import so that every
sub-domain keeps its own messages.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from importlib import resources
from typing import Any

SUPPORTED_LOCALES = ("en", "ru", "uk")
FALLBACK_LOCALE = "en"


@cache
def catalog(locale: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    folder = resources.files("homebase") / "locales" / locale
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.name.endswith(".json"):
            merged.update(json.loads(entry.read_text(encoding="utf-8")))
    return merged


def translate(key: str, locale: str, **params: Any) -> str:
    template = catalog(locale).get(key) or catalog(FALLBACK_LOCALE).get(key) or key
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


@lru_cache(maxsize=512)
def negotiate(accept_language: str | None, default: str) -> str:
    """Pick the best supported locale from an `Accept-Language` header value."""
    if not accept_language:
        return default
    best_quality, best_locale = 0.0, default
    for part in accept_language.split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in SUPPORTED_LOCALES and quality > best_quality:
            best_quality, best_locale = quality, primary
    return best_locale


def field_message(error_type: str, locale: str, params: dict[str, Any]) -> str:
    """A field error's text: `field.<type>` from the catalog, else `<type>`, else generic."""
    known = catalog(FALLBACK_LOCALE)
    for key in (f"field.{error_type}", error_type):
        if key in known:
            return translate(key, locale, **params)
    return translate("field.default", locale)

from __future__ import annotations

import pytest

from homebase.api.middleware.locale import LocaleMiddleware
from tests.api.middleware.asgi import client, echo, state_of


@pytest.mark.parametrize(
    ("accept_language", "locale"),
    [
        (None, "en"),
        ("ru", "ru"),
        ("uk-UA,uk;q=0.9,en;q=0.5", "uk"),
        ("de", "en"),
        ("de, ru;q=0.5", "ru"),
    ],
)
async def test_the_locale_is_negotiated_once_into_the_state(
    accept_language: str | None, locale: str
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    async with client(LocaleMiddleware(echo, default_locale="en")) as http:
        response = await http.get("/", headers=headers)
    assert state_of(response)["locale"] == locale


async def test_the_default_locale_is_the_configured_one() -> None:
    async with client(LocaleMiddleware(echo, default_locale="ru")) as http:
        response = await http.get("/", headers={"Accept-Language": "fr"})
    assert state_of(response)["locale"] == "ru"

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from homebase.api.middleware.body_limit import BodyLimitMiddleware, BodyTooLarge
from tests.api.middleware.asgi import client, echo, with_locale


def _app(limit: int = 10) -> BodyLimitMiddleware:
    return BodyLimitMiddleware(echo, max_body_bytes=limit)


async def test_a_body_within_the_limit_is_read() -> None:
    async with client(with_locale(_app())) as http:
        response = await http.post("/", content=b"x" * 10)
    assert response.status_code == 200 and response.json()["body_bytes"] == 10


@pytest.mark.parametrize("length", ["11", "1e3", "-1"])
async def test_a_declared_length_over_the_limit_or_unreadable_is_413(length: str) -> None:
    async with client(with_locale(_app(), "uk")) as http:
        response = await http.post("/", content=b"x", headers={"Content-Length": length})
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert response.headers["connection"] == "close"


async def test_a_streamed_body_is_cut_off_past_the_limit() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield b"x" * 6

    async with client(with_locale(_app())) as http:
        with pytest.raises(BodyTooLarge):
            await http.post("/", content=chunks())

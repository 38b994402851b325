from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from limits.errors import StorageError

from homebase.app_state import AppState
from homebase.main import create_app
from tests.support import make_settings


@pytest.fixture
async def sweep_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Like `client`, but an unhandled exception comes back as the 500 the app sends, so a
    sweep can list every failure instead of stopping at the first."""
    transport = httpx.ASGITransport(
        app=app, client=("203.0.113.7", 50000), raise_app_exceptions=False
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


class BuiltApp:
    """An app of its own on the test database, with settings of its own (rate limits on)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.state: AppState = app.state.homebase
        self._clients: list[httpx.AsyncClient] = []

    def client(self, ip: str = "203.0.113.7") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(ip, 50000))
        http = httpx.AsyncClient(transport=transport, base_url="http://test")
        self._clients.append(http)
        return http

    async def close(self) -> None:
        for http in self._clients:
            await http.aclose()
        with contextlib.suppress(StorageError):  # a test may point Redis nowhere
            await self.state.limiter.reset()
        await self.state.close()


AppBuilder = Callable[..., Awaitable[BuiltApp]]


@pytest.fixture
async def build_app(database_url: str, state: AppState) -> AsyncIterator[AppBuilder]:
    """`await build_app(**settings)`: rate limits are on unless the overrides say otherwise.
    Asking for `state` makes the shared fixtures empty the tables after the test."""
    built: list[BuiltApp] = []

    async def build(**overrides: Any) -> BuiltApp:
        overrides.setdefault("rate_limit_enabled", True)
        result = BuiltApp(create_app(make_settings(database_url, **overrides)))
        built.append(result)
        return result

    yield build
    for item in built:
        await item.close()

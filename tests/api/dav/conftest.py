"""DAV test fixtures: the router on the shared app, and a per-test in-memory store."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator

import pytest
from fastapi import FastAPI

from homebase.api.routes import dav
from homebase.services.dav.store import Store
from tests.api.dav.live import Live, live_server, register
from tests.conftest import open_database
from tests.services.dav.memory_store import MemoryStore
from tests.support import BACKENDS

_numbers = itertools.count(1)


def ensure_router(app: FastAPI) -> None:
    if not any(getattr(route, "path", "") == "/dav/{path:path}" for route in app.routes):
        app.include_router(dav.router)


@pytest.fixture
def memory(app: FastAPI) -> Iterator[dict[int, MemoryStore]]:
    """Each user's in-memory collections, in place of the database store."""
    ensure_router(app)
    stores: dict[int, MemoryStore] = {}

    def factory(_session: object, user: object) -> Store:
        return stores.setdefault(user.id, MemoryStore())  # type: ignore[attr-defined]

    async def override() -> dav.StoreFactory:
        return factory  # type: ignore[return-value]

    app.dependency_overrides[dav.store_factory] = override
    yield stores
    app.dependency_overrides.pop(dav.store_factory, None)


@pytest.fixture(scope="module", params=BACKENDS)
async def live_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A database of its own for the live server (the shared one is emptied between tests)."""
    async for url in open_database(request, tmp_path_factory.mktemp("live")):
        yield url


@pytest.fixture(scope="module")
def live(live_database: str) -> Iterator[tuple[Live, dict[int, MemoryStore]]]:
    """A live server with a registered user; DAV storage in memory."""
    stores: dict[int, MemoryStore] = {}

    def configure(app: FastAPI) -> None:
        ensure_router(app)

        def factory(_session: object, user: object) -> Store:
            return stores.setdefault(user.id, MemoryStore())  # type: ignore[attr-defined]

        async def override() -> dav.StoreFactory:
            return factory  # type: ignore[return-value]

        app.dependency_overrides[dav.store_factory] = override

    with live_server(live_database, configure) as base:
        email, password = f"live{next(_numbers)}@example.com", "correct horse battery"
        user_id = register(base, email, password)
        yield Live(base, email, password, user_id), stores

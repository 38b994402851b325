"""DAV test fixtures: the router on the shared app, and a per-test in-memory store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from homebase.api.routes import dav
from homebase.services.dav.store import Store
from tests.services.dav.memory_store import MemoryStore


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

"""Health probes and metrics exposure: live, ready (database, Redis), the test-only route."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from homebase.app_state import AppState
from homebase.main import create_app, start
from tests.support import REDIS_URL, make_settings

# Nothing listens on port 1: connections are refused at once.
DEAD_POSTGRES = "postgresql://postgres@127.0.0.1:1/homebase"
DEAD_REDIS = "redis://127.0.0.1:1/0"


async def test_live(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_health_as_in_the_spec(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_ready_checks_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture
async def app_with(tmp_path: Path) -> AsyncIterator[Any]:
    """Build an app with some settings changed (SQLite in tmp_path unless told otherwise)."""
    states: list[AppState] = []

    async def build(*, started: bool = True, **overrides: Any) -> httpx.AsyncClient:
        url = overrides.pop("database_url", f"sqlite:///{tmp_path / 'system.db'}")
        app = create_app(make_settings(url, **overrides))
        state: AppState = app.state.homebase
        states.append(state)
        if started:
            await start(state)
        return _client(app)

    yield build
    for state in states:
        await state.close()


async def test_ready_checks_redis_when_configured(app_with: Any) -> None:
    async with await app_with(redis_url=REDIS_URL) as http:
        response = await http.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


async def test_ready_names_redis_when_it_is_down(app_with: Any) -> None:
    async with await app_with(redis_url=DEAD_REDIS) as http:
        ready = await http.get("/health/ready")
        health = await http.get("/health")
    assert ready.status_code == 503
    assert ready.json() == {"status": "error", "database": "ok", "redis": "unavailable"}
    assert health.status_code == 200  # /health is about the database only


async def test_database_down_is_503_everywhere_but_live(app_with: Any) -> None:
    async with await app_with(database_url=DEAD_POSTGRES, started=False) as http:
        live = await http.get("/health/live")
        health = await http.get("/health")
        ready = await http.get("/health/ready")
        login = await http.post("/auth/login", json={"login": "a@example.com", "password": "x"})
        users = await http.get("/users", headers={"Authorization": "Basic YWRhOnNlY3JldHM="})
    assert live.status_code == 200
    assert health.status_code == 503
    assert health.json() == {"status": "error", "database": "unavailable"}
    assert ready.status_code == 503
    assert ready.json() == {"status": "error", "database": "unavailable"}
    for response in (login, users):
        assert response.status_code == 503
        assert response.json()["code"] == "database_unavailable"
        assert response.json()["result"] == "error"
        assert response.headers["Retry-After"] == "1"


async def test_openapi_lists_probes_and_metrics_but_no_test_route(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert {"/health", "/health/live", "/health/ready", "/metrics"} <= set(paths)
    assert not any(path.startswith("/__test__") for path in paths)


async def test_slow_test_route_exists_only_in_the_test_environment(app_with: Any) -> None:
    async with await app_with(env="test") as http:
        response = await http.get("/__test__/slow", params={"seconds": 0})
        assert response.status_code == 200
        assert response.json() == {"slept": 0}
    async with await app_with(env="development") as http:
        assert (await http.get("/__test__/slow", params={"seconds": 0})).status_code == 404

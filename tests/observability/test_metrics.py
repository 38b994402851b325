"""`/metrics`: requests, latency, logins, rate limits and the database pool (issue §5)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from homebase.api.middleware.observability import ObservabilityMiddleware
from homebase.app_state import AppState
from homebase.main import create_app, start
from homebase.observability import metrics
from tests.factories import DEFAULT_PASSWORD, Factory
from tests.support import make_settings


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_metrics_endpoint_speaks_prometheus_text(client: httpx.AsyncClient) -> None:
    await client.get("/health/live")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    text = response.text
    for family in (
        "# TYPE homebase_http_requests_total counter",
        "# TYPE homebase_http_request_duration_seconds histogram",
        "# TYPE homebase_logins_total counter",
        "# TYPE homebase_rate_limited_total counter",
        "# TYPE homebase_db_pool_checked_out gauge",
    ):
        assert family in text
    assert 'homebase_http_requests_total{method="GET",route="/health/live",status="200"}' in text


async def test_requests_are_counted_by_route_template_and_status(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    labels = {"method": "GET", "route": "/users/{user_id}"}
    ok_before = sample("homebase_http_requests_total", **labels, status="200")
    missing_before = sample("homebase_http_requests_total", **labels, status="404")
    latency_before = sample("homebase_http_request_duration_seconds_count", **labels, status="200")
    for _ in range(3):
        assert (await client.get(f"/users/{user.id}", headers=user.bearer)).status_code == 200
    assert (await client.get("/users/999999", headers=user.bearer)).status_code == 404
    assert sample("homebase_http_requests_total", **labels, status="200") == ok_before + 3
    assert sample("homebase_http_requests_total", **labels, status="404") == missing_before + 1
    assert (
        sample("homebase_http_request_duration_seconds_count", **labels, status="200")
        == latency_before + 3
    )


async def test_unknown_paths_and_methods_do_not_grow_the_label_set(
    client: httpx.AsyncClient,
) -> None:
    labels = {"method": "OTHER", "route": "<unmatched>", "status": "404"}
    before = sample("homebase_http_requests_total", **labels)
    await client.request("BREW", "/coffee/pot-1")
    await client.request("BREW", "/coffee/pot-2")
    assert sample("homebase_http_requests_total", **labels) == before + 2


async def test_login_successes_and_failures_are_counted(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    await factory.user(email="counted@example.com")
    succeeded = sample("homebase_logins_total", result="succeeded")
    failed = sample("homebase_logins_total", result="failed")
    good = {"email": "counted@example.com", "password": DEFAULT_PASSWORD}
    bad = {"email": "counted@example.com", "password": "wrong password"}
    assert (await client.post("/auth/login", json=good)).status_code == 200
    assert (await client.post("/auth/login", json=bad)).status_code == 401
    unknown = {**bad, "email": "nobody@example.com"}
    assert (await client.post("/auth/login", json=unknown)).status_code == 401
    assert sample("homebase_logins_total", result="succeeded") == succeeded + 1
    assert sample("homebase_logins_total", result="failed") == failed + 2
    assert sample("homebase_audit_events_total", type="login.failed") >= 2


@pytest.fixture
async def limited_client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """An app of its own with a tight login limit (the shared one has limits off)."""
    settings = make_settings(
        f"sqlite:///{tmp_path / 'limits.db'}",
        rate_limit_enabled=True,
        rate_limit_login_per_ip="2/minute",
    )
    app = create_app(settings)
    state: AppState = app.state.homebase
    await start(state)
    transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 1234))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http
    finally:
        await state.close()


async def test_rate_limit_rejections_are_counted_by_code(
    limited_client: httpx.AsyncClient,
) -> None:
    before = sample("homebase_rate_limited_total", code="rate_limited")
    body = {"email": "x@example.com", "password": "whatever pw"}
    statuses = [(await limited_client.post("/auth/login", json=body)).status_code for _ in range(4)]
    assert statuses == [401, 401, 429, 429]
    assert sample("homebase_rate_limited_total", code="rate_limited") == before + 2


async def test_account_locked_is_counted_apart() -> None:
    async def locked(_request: Request) -> JSONResponse:
        body = {"result": "error", "code": "account_locked", "message": "locked"}
        return JSONResponse(body, status_code=429)

    async def plain(_request: Request) -> JSONResponse:
        return JSONResponse({"oops": True}, status_code=429)

    app = ObservabilityMiddleware(
        Starlette(routes=[Route("/locked", locked), Route("/plain", plain)])
    )
    before_locked = sample("homebase_rate_limited_total", code="account_locked")
    before_unknown = sample("homebase_rate_limited_total", code="unknown")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        assert (await http.get("/locked")).status_code == 429
        assert (await http.get("/plain")).status_code == 429
    assert sample("homebase_rate_limited_total", code="account_locked") == before_locked + 1
    assert sample("homebase_rate_limited_total", code="unknown") == before_unknown + 1


async def test_pool_gauge_follows_checked_out_connections(state: AppState) -> None:
    before = sample("homebase_db_pool_checked_out")
    async with state.engine.connect(), state.engine.connect():
        assert sample("homebase_db_pool_checked_out") == before + 2
    assert sample("homebase_db_pool_checked_out") == before


def test_dead_workers_lose_their_live_gauges_but_keep_their_counts(tmp_path: Path) -> None:
    dead = _dead_pid()
    alive = os.getpid()
    for name in (f"gauge_livesum_{dead}.db", f"counter_{dead}.db", f"gauge_livesum_{alive}.db"):
        (tmp_path / name).write_bytes(b"")
    assert metrics.forget_dead_workers(tmp_path) == [dead]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        f"counter_{dead}.db",
        f"gauge_livesum_{alive}.db",
    ]


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])  # its pid is gone once reaped
    process.wait()
    return process.pid

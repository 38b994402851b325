"""Request ids, the access log line, route templates (SPEC §4 System; operations issue §4)."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import Factory
from tests.observability.conftest import LogLines, access_lines


async def test_request_id_is_generated_and_echoed(client: httpx.AsyncClient) -> None:
    first = await client.get("/health/live")
    second = await client.get("/health/live")
    for response in (first, second):
        request_id = response.headers["X-Request-ID"]
        assert len(request_id) == 32 and int(request_id, 16) >= 0
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


@pytest.mark.parametrize("request_id", ["abc-123", "0af7651916cd43dd8448eb211c80319c", "a.b:c_d"])
async def test_valid_request_id_is_kept(client: httpx.AsyncClient, request_id: str) -> None:
    response = await client.get("/health/live", headers={"X-Request-ID": request_id})
    assert response.headers["X-Request-ID"] == request_id


@pytest.mark.parametrize(
    "request_id",
    ["x" * 65, "has space", "<script>", "-leading-dash", "semi;colon", "ünïcode", "a/b"],
)
async def test_unsafe_request_id_is_replaced(client: httpx.AsyncClient, request_id: str) -> None:
    response = await client.get(
        "/health/live", headers=[(b"X-Request-ID", request_id.encode("utf-8"))]
    )
    echoed = response.headers["X-Request-ID"]
    assert echoed != request_id
    assert len(echoed) == 32
    assert response.headers.get_list("X-Request-ID") == [echoed]


async def test_error_responses_carry_the_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/auth/me", headers={"X-Request-ID": "trace-401"})
    assert response.status_code == 401
    assert response.headers["X-Request-ID"] == "trace-401"


async def test_one_access_line_per_request_with_route_template_and_user(
    client: httpx.AsyncClient, factory: Factory, log_lines: LogLines
) -> None:
    user = await factory.user()
    response = await client.get(
        f"/users/{user.id}", headers={**user.bearer, "X-Request-ID": "req-users-1"}
    )
    assert response.status_code == 200
    lines = access_lines(log_lines())
    assert len(lines) == 1
    line = lines[0]
    assert line["level"] == "info"
    assert line["method"] == "GET"
    assert line["route"] == "/users/{user_id}"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["request_id"] == "req-users-1"
    assert line["user_id"] == user.id
    assert line["client_ip"] == "203.0.113.7"


async def test_anonymous_and_failed_requests_are_logged_too(
    client: httpx.AsyncClient, log_lines: LogLines
) -> None:
    await client.get("/auth/me")
    await client.get("/no/such/endpoint")
    lines = access_lines(log_lines())
    assert [(line["route"], line["status"], line["user_id"]) for line in lines] == [
        ("/auth/me", 401, None),
        ("<unmatched>", 404, None),
    ]


async def test_every_log_line_of_a_request_carries_its_id(
    client: httpx.AsyncClient, factory: Factory, log_lines: LogLines
) -> None:
    await factory.user(email="audit@example.com")
    response = await client.post(
        "/auth/login",
        json={"email": "audit@example.com", "password": "not the password"},
        headers={"X-Request-ID": "login-1"},
    )
    assert response.status_code == 401
    lines = log_lines()
    audit = [line for line in lines if line.get("event") == "login.failed"]
    assert len(audit) == 1
    assert audit[0]["request_id"] == "login-1"
    assert access_lines(lines)[0]["route"] == "/auth/login"


async def test_mounted_static_files_get_a_bounded_route(
    client: httpx.AsyncClient, log_lines: LogLines
) -> None:
    response = await client.get("/static/docs/swagger-ui.css")
    assert response.status_code == 200
    assert access_lines(log_lines())[0]["route"] == "/static/docs/{path}"


async def test_probes_are_logged_at_debug(client: httpx.AsyncClient, log_lines: LogLines) -> None:
    await client.get("/health/live")
    await client.get("/metrics")
    assert [line["level"] for line in access_lines(log_lines())] == ["debug", "debug"]

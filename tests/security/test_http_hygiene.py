"""HTTP hygiene: body limit, security headers, no-store, CORS, WWW-Authenticate."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.factories import Factory
from tests.security.conftest import AppBuilder

MIB = 1024 * 1024


class CountingBody:
    """A streamed request body that counts how much of it the server pulled."""

    def __init__(self, total: int, chunk: int = 64 * 1024) -> None:
        self.total, self.chunk, self.sent = total, chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.total:
            self.sent += self.chunk
            yield b"x" * self.chunk


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "payload_too_large" and body["result"] == "error"
    assert str(MIB) in body["message"]


async def test_declared_oversized_body_is_refused_unread(client: httpx.AsyncClient) -> None:
    body = CountingBody(2 * MIB)
    response = await client.post(
        "/auth/register",
        content=body,
        headers={"Content-Length": str(2 * MIB), "Content-Type": "application/json"},
    )
    assert_too_large(response)
    assert body.sent == 0


async def test_chunked_oversized_body_is_cut_off(client: httpx.AsyncClient) -> None:
    body = CountingBody(4 * MIB)
    response = await client.post(
        "/auth/register", content=body, headers={"Content-Type": "application/json"}
    )
    assert_too_large(response)
    assert body.sent <= MIB + body.chunk  # reading stopped just past the limit


async def test_a_body_at_the_limit_is_read(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/login",
        content=b" " * (MIB - 2) + b"{}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422


async def test_oversized_body_is_refused_before_authentication(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    response = await client.put(
        "/api/user/profile", content=b"{" + b" " * (2 * MIB), headers=user.basic
    )
    assert_too_large(response)


@pytest.mark.parametrize(
    "content", [b'{"email": "\xff\xfe", "password": "x"}', b"[" * 100_000 + b"]" * 100_000]
)
async def test_undecodable_json_is_422(client: httpx.AsyncClient, content: bytes) -> None:
    response = await client.post(
        "/auth/login", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "body", "message": "The body is not valid JSON"}]


@pytest.mark.parametrize("path", ["/auth/me", "/users", "/health/live", "/no/such/path"])
async def test_security_headers_on_every_response(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/auth/login"),
        ("POST", "/auth/token"),
        ("POST", "/auth/refresh"),
        ("GET", "/auth/me"),
        ("POST", "/login"),
        ("POST", "/register"),
        ("PUT", "/api/user/password"),
    ],
)
async def test_auth_responses_are_not_stored(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path, json={})
    assert response.headers["cache-control"] == "no-store"


async def test_cors_preflight_allows_only_configured_origins(build_app: AppBuilder) -> None:
    built = await build_app(cors_origins=["https://app.example.com"], rate_limit_enabled=False)
    http = built.client()
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    allowed = await http.options(
        "/auth/login", headers={"Origin": "https://app.example.com", **preflight}
    )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "POST" in allowed.headers["access-control-allow-methods"]
    refused = await http.options(
        "/auth/login", headers={"Origin": "https://evil.example.net", **preflight}
    )
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    simple = await http.get("/health/live", headers={"Origin": "https://app.example.com"})
    assert simple.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "retry-after" in simple.headers["access-control-expose-headers"].lower()
    other = await http.get("/health/live", headers={"Origin": "https://evil.example.net"})
    assert "access-control-allow-origin" not in other.headers


async def test_no_cors_without_configured_origins(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/auth/login",
        headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in response.headers


async def test_www_authenticate_without_credentials(client: httpx.AsyncClient) -> None:
    response = await client.get("/auth/me")
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    # RFC 7617: realm and charset for Basic; RFC 6750 §3: no error code when no token came.
    assert 'Basic realm="homebase", charset="UTF-8"' in challenge
    assert 'Bearer realm="homebase"' in challenge
    assert "error=" not in challenge


async def test_www_authenticate_for_a_bad_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/auth/me", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert 'Bearer realm="homebase", error="invalid_token"' in challenge
    assert 'Basic realm="homebase", charset="UTF-8"' in challenge

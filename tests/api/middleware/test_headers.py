from __future__ import annotations

import pytest

from homebase.api.middleware.headers import SecurityHeadersMiddleware
from tests.api.middleware.asgi import client, echo


async def test_every_response_carries_the_security_headers() -> None:
    async with client(SecurityHeadersMiddleware(echo)) as http:
        response = await http.get("/tasks")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    assert "cache-control" not in response.headers


@pytest.mark.parametrize("path", ["/auth/token", "/login", "/register", "/api/user"])
async def test_credential_endpoints_are_not_stored(path: str) -> None:
    async with client(SecurityHeadersMiddleware(echo)) as http:
        response = await http.post(path)
    assert response.headers["cache-control"] == "no-store"

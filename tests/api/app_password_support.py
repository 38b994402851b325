"""Helpers for the app-password tests: issue one through the API, send it both ways."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from tests.factories import UserHandle

ALL_SCOPES = ["tasks:read", "tasks:write", "contacts:read", "contacts:write", "account:read", "dav"]


async def issue(
    client: httpx.AsyncClient, owner: UserHandle, scopes: list[str], **extra: Any
) -> dict[str, Any]:
    """A new app password of `owner` (created with their login session): the 201 body."""
    response = await client.post(
        "/auth/tokens",
        headers=owner.bearer,
        json={"name": extra.pop("name", "script"), "scopes": scopes, **extra},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def basic(login: str, token: str) -> dict[str, str]:
    raw = f"{login}:{token}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}

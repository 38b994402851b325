"""Helpers shared by the task API tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import UserHandle


async def new_task(client: httpx.AsyncClient, owner: UserHandle, **fields: Any) -> dict[str, Any]:
    """Create a task through the API (title defaults to "Task") and return its body."""
    body = {"title": "Task"} | fields
    response = await client.post("/tasks", json=body, headers=owner.bearer)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def ids(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()]

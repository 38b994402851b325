"""A forged cursor holding a datetime at the edge of the calendar is a 422, not a 500."""

from __future__ import annotations

import base64
import inspect
import json

import httpx
import pytest
from fastapi import FastAPI, Request
from sqlalchemy.exc import StatementError

from tests.factories import Factory

EXTREMES = [
    "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
    "9999-12-31T23:59:59-14:00",  # after year 9999 in UTC
    "0001-01-01T00:00:00+00:00",
    "9999-12-31T23:59:59.999999+00:00",
]


@pytest.mark.parametrize("moment", EXTREMES)
async def test_an_extreme_datetime_in_a_cursor_is_no_server_error(
    sweep_client: httpx.AsyncClient, factory: Factory, moment: str
) -> None:
    user = await factory.user()
    for title in ("a", "b"):
        created = await sweep_client.post("/tasks", json={"title": title}, headers=user.bearer)
        assert created.status_code == 201
    first = await sweep_client.get("/tasks?cursor=&limit=1&sort=created_at", headers=user.bearer)
    payload = json.loads(base64.urlsafe_b64decode(first.headers["X-Next-Cursor"] + "=="))
    payload["k"][0] = moment
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    response = await sweep_client.get(
        "/tasks", params={"cursor": forged, "sort": "created_at"}, headers=user.bearer
    )
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert response.json()["code"] in ("invalid_cursor", "validation_error")
    # The connection it used is fine: the next request works.
    assert (await sweep_client.get("/tasks", headers=user.bearer)).status_code == 200


async def test_the_overflow_handler_sees_an_overflow_wrapped_by_sqlalchemy(app: FastAPI) -> None:
    # Whatever unbounded value next reaches a bind, its OverflowError arrives wrapped in a
    # StatementError: the installed handler makes it a 422.
    handler = app.exception_handlers[StatementError]
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": []})
    wrapped = StatementError("bind", "SELECT 1", None, OverflowError("out of range"))
    response = handler(request, wrapped)
    assert inspect.isawaitable(response)
    response = await response
    assert response.status_code == 422
    assert json.loads(bytes(response.body))["code"] == "validation_error"

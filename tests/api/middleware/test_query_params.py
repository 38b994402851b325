from __future__ import annotations

import pytest

from homebase.api.middleware.query_params import SingleQueryValueMiddleware, repeated_query_key
from tests.api.middleware.asgi import client, echo, with_locale


@pytest.mark.parametrize(
    ("query", "repeated"),
    [
        (b"", None),
        (b"limit=5", None),
        (b"limit=5&offset=0", None),
        (b"limit=5&limit=6", "limit"),
        (b"q=&q=", "q"),
        (b"a=1&b=2&a=3", "a"),
    ],
)
def test_repeated_query_key(query: bytes, repeated: str | None) -> None:
    assert repeated_query_key(query) == repeated


async def test_a_repeated_parameter_is_a_422_in_the_callers_language() -> None:
    app = with_locale(SingleQueryValueMiddleware(echo), "ru")
    async with client(app) as http:
        response = await http.get("/tasks?status=new&status=done")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"] == [
        {"field": "status", "message": "Этот параметр можно указать только один раз"}
    ]


async def test_single_values_pass_through() -> None:
    async with client(with_locale(SingleQueryValueMiddleware(echo))) as http:
        response = await http.get("/tasks?status=new&limit=5")
    assert response.status_code == 200

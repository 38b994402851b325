"""A NUL character in any query parameter is a 422 with its field (PostgreSQL cannot store one,
and its driver error used to come back without `errors`); the personal-data rule of the
password policy matches whole words. Both backends."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import Factory


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/users?q=a%00b", "q"),
        ("/tasks?q=%00", "q"),
        ("/contacts?q=x%00", "q"),
        ("/contacts?last_name=%00", "last_name"),
        ("/admin/audit?type=login%00", "type"),
        ("/users?limit=10&q=%00", "q"),
    ],
)
async def test_a_nul_in_a_query_is_a_422_with_errors(
    client: httpx.AsyncClient, factory: Factory, path: str, field: str
) -> None:
    admin = await factory.user(is_admin=True)
    response = await client.get(path, headers=admin.bearer)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"] == [{"field": field, "message": "Must not contain NUL characters"}]


async def test_a_password_with_a_short_name_inside_other_words_is_accepted(
    client: httpx.AsyncClient,
) -> None:
    password = "totally banned annual boat trip"
    body = {"name": "Ann", "email": "ann@example.org", "password": password}
    response = await client.post("/auth/register", json=body)
    assert response.status_code == 201, response.text
    login = await client.post(
        "/auth/login", json={"login": "ann@example.org", "password": password}
    )
    assert login.status_code == 200


async def test_a_password_with_the_name_as_a_word_is_refused(client: httpx.AsyncClient) -> None:
    body = {"name": "Ann", "email": "ann@example.org", "password": "ann sails the boat"}
    response = await client.post("/auth/register", json=body)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["password"]

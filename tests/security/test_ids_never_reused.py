"""A deleted row's id is never handed out again: ETags (`"id-version"`) and lock keys
(`user:{id}`) of deleted rows can never describe a new one."""

from __future__ import annotations

import httpx

from tests.factories import DEFAULT_PASSWORD, Factory
from tests.security.conftest import AppBuilder


async def test_a_deleted_tasks_etag_never_matches_a_new_task(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    old = await client.post("/tasks", json={"title": "old"}, headers=user.bearer)
    old_tag = old.headers["etag"]
    assert (await client.delete(f"/tasks/{old.json()['id']}", headers=user.bearer)).is_success
    new = await client.post("/tasks", json={"title": "new"}, headers=user.bearer)
    assert new.json()["id"] != old.json()["id"]
    # A client that cached the deleted task must get the new one, not a wrong 304.
    response = await client.get(
        f"/tasks/{new.json()['id']}", headers={**user.bearer, "If-None-Match": old_tag}
    )
    assert response.status_code == 200 and response.json()["title"] == "new"


async def test_a_deleted_contacts_etag_never_matches_a_new_contact(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    body = {"first_name": "Ada", "last_name": "L", "email": "ada@example.com"}
    old = await client.post("/contacts", json=body, headers=user.bearer)
    assert old.status_code == 201
    assert (await client.delete(f"/contacts/{old.json()['id']}", headers=user.bearer)).is_success
    new = await client.post("/contacts", json=body, headers=user.bearer)
    assert new.json()["id"] != old.json()["id"]
    assert new.headers["etag"] != old.headers["etag"]


async def test_a_new_account_never_inherits_a_deleted_accounts_lock(
    build_app: AppBuilder, factory: Factory
) -> None:
    built = await build_app(
        rate_limit_login_per_ip="1000/minute",
        rate_limit_login_per_account="1000/minute",
        lockout_threshold=2,
        lockout_duration=600,
    )
    http = built.client()
    locked = await factory.user(email="gone@example.com")
    for _ in range(2):
        wrong = {"email": "gone@example.com", "password": "wrong-pass"}
        assert (await http.post("/auth/login", json=wrong)).status_code == 401
    assert (await http.delete(f"/users/{locked.id}", headers=locked.bearer)).status_code == 204
    registered = await http.post(
        "/auth/register", json={"email": "fresh@example.com", "password": DEFAULT_PASSWORD}
    )
    assert registered.status_code == 201
    assert registered.json()["id"] != locked.id
    login = await http.post(
        "/auth/login", json={"email": "fresh@example.com", "password": DEFAULT_PASSWORD}
    )
    assert login.status_code == 200

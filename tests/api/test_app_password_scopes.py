"""What an app password may reach: its scopes, and never the management of the account."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from homebase.api.deps import (
    ClaimScopeCheck,
    ResourceScopeCheck,
    ScopeCheck,
    account_auth,
    current_auth,
    optional_account_auth,
    optional_auth,
)
from homebase.api.openapi import _api_routes, _calls
from tests.api.app_password_support import ALL_SCOPES, basic, bearer, issue
from tests.factories import Factory

# (scopes held, method, path, status when allowed; None = refused for lack of `needed`)
RULES: list[tuple[list[str], str, str, str | None]] = [
    (["tasks:read"], "GET", "/tasks", None),
    (["tasks:read"], "POST", "/tasks", "tasks:write"),
    (["tasks:write"], "GET", "/tasks", None),
    (["tasks:write"], "POST", "/tasks", None),
    (["contacts:read"], "GET", "/tasks", "tasks:read"),
    (["contacts:read"], "GET", "/contacts", None),
    (["contacts:read"], "GET", "/contacts/birthdays", None),
    (["contacts:read"], "POST", "/contacts", "contacts:write"),
    (["contacts:write"], "GET", "/contacts", None),
    (["contacts:write"], "POST", "/contacts", None),
    (["tasks:write"], "POST", "/contacts", "contacts:write"),
    (["account:read"], "GET", "/users/me", None),
    (["account:read"], "GET", "/auth/me", None),
    (["account:read"], "GET", "/users", None),
    (["tasks:write"], "GET", "/users/me", "account:read"),
    (["contacts:write"], "GET", "/auth/me", "account:read"),
    (["dav"], "GET", "/tasks", "tasks:read"),
    (["dav"], "GET", "/contacts", "contacts:read"),
    (["dav"], "GET", "/users/me", "account:read"),
]
BODIES = {
    "/tasks": {"title": "From a script"},
    "/contacts": {"first_name": "Ada", "last_name": "L", "email": "ada@example.com"},
}


@pytest.mark.parametrize(("scopes", "method", "path", "needed"), RULES)
async def test_scope_rules(
    client: httpx.AsyncClient,
    factory: Factory,
    scopes: list[str],
    method: str,
    path: str,
    needed: str | None,
) -> None:
    owner = await factory.user()
    token = (await issue(client, owner, scopes))["token"]
    body = BODIES.get(path) if method == "POST" else None
    response = await client.request(method, path, headers=bearer(token), json=body)
    if needed is None:
        assert response.status_code in (200, 201), response.text
        return
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    assert needed in response.json()["message"]
    assert response.headers["www-authenticate"] == (
        f'Bearer error="insufficient_scope", scope="{needed}"'
    )


async def test_write_scope_covers_every_method_on_ones_own_task(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    owner = await factory.user()
    token = (await issue(client, owner, ["tasks:write"]))["token"]
    created = await client.post("/tasks", headers=bearer(token), json={"title": "t"})
    task = f"/tasks/{created.json()['id']}"
    assert (await client.get(task, headers=bearer(token))).status_code == 200
    assert (await client.patch(task, headers=bearer(token), json={"title": "u"})).status_code == 200
    assert (await client.delete(task, headers=bearer(token))).status_code == 204
    reader = (await issue(client, owner, ["tasks:read"]))["token"]
    other = await client.post("/tasks", headers=owner.bearer, json={"title": "v"})
    path = f"/tasks/{other.json()['id']}"
    assert (await client.delete(path, headers=bearer(reader))).status_code == 403
    assert (await client.get(path, headers=bearer(reader))).status_code == 200


async def test_another_users_task_stays_404_for_a_token(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    owner, other = await factory.user(), await factory.user()
    task = await client.post("/tasks", headers=other.bearer, json={"title": "theirs"})
    token = (await issue(client, owner, ["tasks:write"]))["token"]
    response = await client.get(f"/tasks/{task.json()['id']}", headers=bearer(token))
    assert response.status_code == 404


def _managing(user_id: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    password = {"new_password": "another long one", "new_password_repeat": "another long one"}
    return [
        ("POST", "/auth/tokens", {"name": "x", "scopes": ["dav"]}),
        ("GET", "/auth/tokens", None),
        ("DELETE", "/auth/tokens/1", None),
        ("GET", "/auth/sessions", None),
        ("DELETE", "/auth/sessions/abc", None),
        ("POST", "/auth/logout-all", None),
        ("PUT", "/api/user/password", password),
        ("PUT", "/api/user/profile", {"email": "new@example.com"}),
        ("POST", f"/users/{user_id}/change-password", password),
        ("PATCH", f"/users/{user_id}", {"email": "new@example.com"}),
        ("PUT", f"/users/{user_id}", {"name": "New"}),
        ("DELETE", f"/users/{user_id}", None),
        ("GET", "/admin/audit", None),
        ("DELETE", f"/admin/users/{user_id}/sessions", None),
        (
            "POST",
            "/users",
            {"email": "made@example.com", "password": "long enough pw", "is_admin": True},
        ),
    ]


@pytest.mark.parametrize("index", range(len(_managing(1))))
@pytest.mark.parametrize("form", ["bearer", "basic"])
async def test_a_token_never_manages_the_account(
    client: httpx.AsyncClient, factory: Factory, index: int, form: str
) -> None:
    owner = await factory.admin()
    token = (await issue(client, owner, ALL_SCOPES))["token"]
    method, path, body = _managing(owner.id)[index]
    headers = bearer(token) if form == "bearer" else basic(owner.email, token)
    response = await client.request(method, path, headers=headers, json=body)
    assert response.status_code == 403, (path, response.text)
    assert response.json()["code"] == "app_password_not_allowed"
    # Nothing was changed: the owner and their session are as they were.
    me = await client.get("/users/me", headers=owner.bearer)
    assert me.status_code == 200 and me.json()["email"] == owner.email


def _requires(route: APIRoute) -> tuple[bool, bool]:
    calls = _calls(route.dependant)
    scoped = any(
        isinstance(call, ScopeCheck | ClaimScopeCheck | ResourceScopeCheck) for call in calls
    )
    account = account_auth in calls or optional_account_auth in calls
    return scoped, account


def test_every_authenticated_route_says_what_a_token_may_do(app: FastAPI) -> None:
    """A route that reads credentials takes either a scope or `AccountAuth`: none is left to
    accept an app password by accident (feeds, export, MFA, DAV: add one of the two)."""
    undecided, checked = [], 0
    for route in _api_routes(app.routes):
        calls = _calls(route.dependant)
        reads_credentials = {current_auth, optional_auth} & calls or any(
            isinstance(call, ClaimScopeCheck) for call in calls
        )
        if not reads_credentials:
            continue
        checked += 1
        scoped, account = _requires(route)
        if scoped == account:
            undecided.append(f"{sorted(route.methods or ())} {route.path}")
    assert undecided == []
    assert checked >= 25

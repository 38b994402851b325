"""A change of a user's login identifiers or password ends cached Basic pairs at once, in
every worker (each worker has its own cache: here, two apps on one database)."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.factories import DEFAULT_PASSWORD, Factory
from tests.security.conftest import AppBuilder


def basic(login: str, password: str = DEFAULT_PASSWORD) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("profile", "email"),
        ("patch", "email"),
        ("patch", "username"),
    ],
)
async def test_a_login_change_ends_the_old_pair_in_every_worker(
    build_app: AppBuilder, factory: Factory, change: str, field: str
) -> None:
    worker_a, worker_b = await build_app(), await build_app()
    user = await factory.user(email="old@example.com", username="oldname")
    old_login = "old@example.com" if field == "email" else "oldname"
    a, b = worker_a.client(), worker_b.client()
    assert (await a.get("/auth/me", headers=basic(old_login))).status_code == 200
    assert len(worker_a.state.credential_cache) == 1  # worker A trusts the pair now

    new_value = "new@example.com" if field == "email" else "newname"
    response: httpx.Response
    if change == "profile":
        response = await b.put("/api/user/profile", json={field: new_value}, headers=user.bearer)
    else:
        response = await b.patch(f"/users/{user.id}", json={field: new_value}, headers=user.bearer)
    assert response.status_code == 200

    assert (await a.get("/auth/me", headers=basic(old_login))).status_code == 401
    assert (await a.get("/auth/me", headers=basic(new_value))).status_code == 200


async def test_a_password_change_in_another_worker_ends_the_pair(
    build_app: AppBuilder, factory: Factory
) -> None:
    worker_a, worker_b = await build_app(), await build_app()
    user = await factory.user()
    a, b = worker_a.client(), worker_b.client()
    assert (await a.get("/auth/me", headers=user.basic)).status_code == 200
    new = "a different secret"
    body = {"new_password": new, "new_password_repeat": new}
    assert (await b.put("/api/user/password", json=body, headers=user.basic)).status_code == 200
    assert (await a.get("/auth/me", headers=user.basic)).status_code == 401

"""Token hygiene over HTTP, and every way a user's sessions end."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from homebase.app_state import AppState
from homebase.models import AuditEvent, RefreshToken
from tests.factories import DEFAULT_PASSWORD, Factory
from tests.security.conftest import AppBuilder

OLD_SECRET = "old-secret-" + "o" * 32
NEW_SECRET = "new-secret-" + "n" * 32


async def test_a_refresh_token_is_no_bearer_token(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    response = await client.get(
        "/auth/me", headers={"Authorization": f"Bearer {user.refresh_token}"}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    # And an access token is no refresh token.
    refreshed = await client.post("/auth/refresh", json={"refresh_token": user.access_token})
    assert refreshed.status_code == 401


async def test_refresh_tokens_are_stored_only_as_hashes(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    user = await factory.user()
    pair = (await client.post("/auth/refresh", json={"refresh_token": user.refresh_token})).json()
    async with state.sessionmaker() as session:
        stored = (await session.scalars(select(RefreshToken.token_hash))).all()
    assert len(stored) == 2
    for token in (user.refresh_token, pair["refresh_token"]):
        assert token not in stored
        assert all(token not in value for value in stored)


async def test_key_rotation_over_http(build_app: AppBuilder, factory: Factory) -> None:
    old_app = await build_app(secret_key=OLD_SECRET, rate_limit_enabled=False)
    await factory.user(email="rot@example.com")
    login = await old_app.client().post(
        "/auth/login", json={"email": "rot@example.com", "password": DEFAULT_PASSWORD}
    )
    bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
    rotated = await build_app(
        secret_key=NEW_SECRET, previous_secret_keys=[OLD_SECRET], rate_limit_enabled=False
    )
    assert (await rotated.client().get("/auth/me", headers=bearer)).status_code == 200
    retired = await build_app(secret_key=NEW_SECRET, rate_limit_enabled=False)
    response = await retired.client().get("/auth/me", headers=bearer)
    assert response.status_code == 401 and response.json()["code"] == "invalid_token"


async def _dead(client: httpx.AsyncClient, access: str, refresh: str) -> bool:
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {access}"})
    again = await client.post("/auth/refresh", json={"refresh_token": refresh})
    return me.status_code == 401 and again.status_code == 401


async def test_deactivation_ends_the_users_sessions(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user, admin = await factory.user(), await factory.admin()
    response = await client.patch(
        f"/users/{user.id}", json={"is_active": False}, headers=admin.bearer
    )
    assert response.status_code == 200
    assert await _dead(client, user.access_token, user.refresh_token)
    assert (await client.get("/auth/me", headers=user.basic)).status_code == 401
    # Reactivating does not bring the old sessions back.
    await client.patch(f"/users/{user.id}", json={"is_active": True}, headers=admin.bearer)
    assert await _dead(client, user.access_token, user.refresh_token)
    assert (await client.get("/auth/me", headers=user.basic)).status_code == 200


async def test_deletion_ends_the_users_sessions(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user, admin = await factory.user(), await factory.admin()
    assert (await client.delete(f"/users/{user.id}", headers=admin.bearer)).status_code == 204
    assert await _dead(client, user.access_token, user.refresh_token)
    assert (await client.get("/auth/me", headers=user.basic)).status_code == 401


async def test_admin_ends_a_users_sessions(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    user, admin = await factory.user(email="ended@example.com"), await factory.admin()
    second = (
        await client.post(
            "/auth/login", json={"email": "ended@example.com", "password": DEFAULT_PASSWORD}
        )
    ).json()
    response = await client.delete(f"/admin/users/{user.id}/sessions", headers=admin.bearer)
    assert response.status_code == 204
    assert await _dead(client, user.access_token, user.refresh_token)
    assert await _dead(client, second["access_token"], second["refresh_token"])
    assert (await client.get("/auth/sessions", headers=user.basic)).json() == []
    # The admin's own session is untouched.
    assert (await client.get("/auth/me", headers=admin.bearer)).status_code == 200
    async with state.sessionmaker() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.type == "admin.sessions_ended")
        )
    assert event is not None
    assert (event.user_id, event.actor_id, event.detail) == (user.id, admin.id, "count=2")


async def test_ending_sessions_is_for_admins_only(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user, other = await factory.user(), await factory.user()
    path = f"/admin/users/{other.id}/sessions"
    assert (await client.delete(path)).status_code == 401
    forbidden = await client.delete(path, headers=user.bearer)
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "admin_required"
    assert (await client.get("/auth/me", headers=other.bearer)).status_code == 200
    admin = await factory.admin()
    missing = await client.delete("/admin/users/999999/sessions", headers=admin.bearer)
    assert missing.status_code == 404 and missing.json()["message"] == "User not found"

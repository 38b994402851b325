"""When app passwords end (password change, reset, deactivation, deletion, revocation in every
worker), how `last_used_at` moves, and the audit trail they leave."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from homebase.app_state import AppState
from homebase.main import create_app
from homebase.models import AppPassword, AuditEvent
from homebase.services import user_admin
from tests.api.app_password_support import bearer, issue
from tests.factories import Factory
from tests.support import make_settings

NEW_PASSWORD = "a brand new secret"


async def _token_works(client: httpx.AsyncClient, token: str) -> bool:
    response = await client.get("/tasks", headers=bearer(token))
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


async def test_password_change_ends_tokens(client: httpx.AsyncClient, factory: Factory) -> None:
    owner = await factory.user()
    token = (await issue(client, owner, ["tasks:read"]))["token"]
    changed = await client.post(
        f"/users/{owner.id}/change-password",
        headers=owner.basic,
        json={
            "current_password": owner.password,
            "new_password": NEW_PASSWORD,
            "new_password_repeat": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 200
    assert not await _token_works(client, token)
    login = await client.post("/auth/login", json={"email": owner.email, "password": NEW_PASSWORD})
    fresh = login.json()["access_token"]
    assert (await client.get("/auth/tokens", headers=bearer(fresh))).json() == []


async def test_legacy_password_endpoint_ends_tokens(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    owner = await factory.user()
    token = (await issue(client, owner, ["tasks:read"]))["token"]
    changed = await client.put(
        "/api/user/password",
        headers=owner.basic,
        json={"new_password": NEW_PASSWORD, "new_password_repeat": NEW_PASSWORD},
    )
    assert changed.status_code == 200
    assert not await _token_works(client, token)


async def test_operator_reset_ends_tokens(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    owner = await factory.user()
    token = (await issue(client, owner, ["tasks:read"]))["token"]
    async with state.sessionmaker() as session:
        await user_admin.reset_password(session, state.hasher, owner.email, NEW_PASSWORD)
        await session.commit()
    assert not await _token_works(client, token)


async def test_deactivation_ends_tokens_and_reactivation_does_not_revive_them(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    admin, owner = await factory.admin(), await factory.user()
    by_admin = (await issue(client, owner, ["tasks:read"]))["token"]
    off = await client.patch(f"/users/{owner.id}", headers=admin.bearer, json={"is_active": False})
    assert off.status_code == 200
    assert not await _token_works(client, by_admin)
    on = await client.patch(f"/users/{owner.id}", headers=admin.bearer, json={"is_active": True})
    assert on.status_code == 200
    assert not await _token_works(client, by_admin)
    # The same through the operator's command line.
    login = await client.post(
        "/auth/login", json={"email": owner.email, "password": owner.password}
    )
    owner.access_token = login.json()["access_token"]
    by_cli = (await issue(client, owner, ["tasks:read"]))["token"]
    for active in (False, True):
        async with state.sessionmaker() as session:
            await user_admin.set_active(session, owner.email, active=active)
            await session.commit()
    assert not await _token_works(client, by_cli)


async def test_deletion_takes_the_tokens_along(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    owner = await factory.user()
    token = (await issue(client, owner, ["tasks:read"]))["token"]
    assert (await client.delete(f"/users/{owner.id}", headers=owner.bearer)).status_code == 204
    assert not await _token_works(client, token)
    async with state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(AppPassword)) == 0


async def test_logout_all_leaves_tokens_alone(client: httpx.AsyncClient, factory: Factory) -> None:
    """Ending login sessions is not a change of credentials: scripts keep working."""
    owner = await factory.user()
    token = (await issue(client, owner, ["tasks:read"]))["token"]
    assert (await client.post("/auth/logout-all", headers=owner.bearer)).status_code == 204
    assert await _token_works(client, token)


@pytest.fixture
async def second_worker(database_url: str, app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Another app on the same database: a second worker process, as far as state goes."""
    other = create_app(make_settings(database_url))
    state: AppState = other.state.homebase
    transport = httpx.ASGITransport(app=other, client=("203.0.113.7", 50000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http
    finally:
        await state.close()


async def test_revocation_holds_in_every_worker(
    client: httpx.AsyncClient, second_worker: httpx.AsyncClient, factory: Factory
) -> None:
    owner = await factory.user()
    body = await issue(client, owner, ["tasks:read"])
    for _ in range(2):  # warm whatever either worker might remember
        assert await _token_works(client, body["token"])
        assert await _token_works(second_worker, body["token"])
    deleted = await second_worker.delete(f"/auth/tokens/{body['id']}", headers=owner.bearer)
    assert deleted.status_code == 204
    assert not await _token_works(client, body["token"])
    assert not await _token_works(second_worker, body["token"])


async def _last_used(state: AppState, token_id: int) -> datetime | None:
    async with state.sessionmaker() as session:
        row = await session.get(AppPassword, token_id)
        assert row is not None
        return row.last_used_at


async def test_last_used_at_first_use_then_once_a_minute(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    owner = await factory.user()
    body = await issue(client, owner, ["tasks:read"])
    assert await _last_used(state, body["id"]) is None
    assert await _token_works(client, body["token"])
    first = await _last_used(state, body["id"])
    assert first is not None
    assert await _token_works(client, body["token"])
    assert await _last_used(state, body["id"]) == first
    earlier = datetime.now(UTC) - timedelta(seconds=61)
    async with state.sessionmaker() as session:
        await session.execute(
            update(AppPassword).where(AppPassword.id == body["id"]).values(last_used_at=earlier)
        )
        await session.commit()
    assert await _token_works(client, body["token"])
    latest = await _last_used(state, body["id"])
    assert latest is not None and latest > earlier + timedelta(seconds=30)
    listed = (await client.get("/auth/tokens", headers=owner.bearer)).json()
    assert datetime.fromisoformat(listed[0]["last_used_at"]) == latest


async def _events(state: AppState, prefix: str) -> list[AuditEvent]:
    async with state.sessionmaker() as session:
        rows = await session.scalars(
            select(AuditEvent).where(AuditEvent.type.like(f"{prefix}%")).order_by(AuditEvent.id)
        )
        return list(rows)


async def test_audit_create_new_ip_and_revoke(
    app: FastAPI, client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    owner = await factory.user()
    body = await issue(client, owner, ["tasks:read"])
    other_ip = httpx.ASGITransport(app=app, client=("198.51.100.99", 40000))
    async with httpx.AsyncClient(transport=other_ip, base_url="http://test") as elsewhere:
        for http in (client, client, elsewhere, elsewhere, client, elsewhere):
            assert await _token_works(http, body["token"])
    assert (await client.delete(f"/auth/tokens/{body['id']}", headers=owner.bearer)).is_success
    events = await _events(state, "app_password.")
    assert [(event.type, event.ip) for event in events] == [
        ("app_password.created", "203.0.113.7"),
        ("app_password.new_ip", "203.0.113.7"),
        ("app_password.new_ip", "198.51.100.99"),
        ("app_password.revoked", "203.0.113.7"),
    ]
    assert {event.user_id for event in events} == {owner.id}
    assert all(event.detail and f"id={body['id']}" in event.detail for event in events)
    audit = await client.get("/admin/audit", headers=(await factory.admin()).bearer)
    assert audit.status_code == 200 and body["token"] not in audit.text

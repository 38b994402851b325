"""`GET /admin/audit`: the security audit trail (admin only, paged, filtered)."""

from __future__ import annotations

import logging

import httpx
import pytest
from sqlalchemy import select

from homebase.app_state import AppState
from homebase.models import AuditEvent
from tests.factories import DEFAULT_PASSWORD, Factory


async def test_audit_needs_an_admin(client: httpx.AsyncClient, factory: Factory) -> None:
    assert (await client.get("/admin/audit")).status_code == 401
    user = await factory.user()
    response = await client.get("/admin/audit", headers=user.bearer)
    assert response.status_code == 403
    assert response.json()["code"] == "admin_required"


async def _types(
    client: httpx.AsyncClient, admin_headers: dict[str, str], **params: object
) -> list[str]:
    response = await client.get("/admin/audit", params=params, headers=admin_headers)
    assert response.status_code == 200
    return [event["type"] for event in response.json()]


async def test_security_events_are_recorded_and_never_hold_secrets(
    client: httpx.AsyncClient,
    factory: Factory,
    state: AppState,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    admin = await factory.admin()
    user = await factory.user(email="audited@example.com")
    secrets = [DEFAULT_PASSWORD, user.refresh_token, user.access_token, "wrong-password-1"]

    await client.post(
        "/auth/login", json={"email": "audited@example.com", "password": "wrong-password-1"}
    )
    login = await client.post(
        "/auth/login", json={"email": "audited@example.com", "password": DEFAULT_PASSWORD}
    )
    pair = login.json()
    secrets += [pair["access_token"], pair["refresh_token"]]
    await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})  # reuse
    await client.post("/auth/logout", json={"refresh_token": user.refresh_token})
    new_password = "a new long password"
    secrets.append(new_password)
    changed = await client.post(
        f"/users/{user.id}/change-password",
        json={"new_password": new_password, "new_password_repeat": new_password},
        headers=admin.bearer,
    )
    assert changed.status_code == 200
    await client.patch(f"/users/{user.id}", json={"name": "Renamed"}, headers=admin.bearer)
    await client.delete(f"/admin/users/{user.id}/sessions", headers=admin.bearer)
    other = await factory.user()
    await client.post("/auth/logout-all", headers=other.bearer)
    await client.post("/auth/register", json={"email": "self@example.com", "password": "pw-" * 4})
    await client.post(
        "/users", json={"email": "made@example.com", "password": "pw-" * 4}, headers=admin.bearer
    )
    await client.delete(f"/users/{other.id}", headers=admin.bearer)

    recorded = set(await _types(client, admin.bearer, limit=100))
    assert {
        "login.failed",
        "login.succeeded",
        "token.reuse_detected",
        "session.ended",
        "session.ended_all",
        "password.changed",
        "admin.user_updated",
        "admin.sessions_ended",
        "user.deleted",
        "user.registered",
        "admin.user_created",
    } <= recorded

    async with state.sessionmaker() as session:
        events = (await session.scalars(select(AuditEvent))).all()
    stored = " ".join(
        str(value)
        for event in events
        for value in (event.login, event.detail, event.user_agent, event.ip, event.type)
    )
    for secret in secrets:
        assert secret not in stored
        assert secret not in caplog.text
    assert any(record.name == "homebase.audit" for record in caplog.records)


async def test_audit_filters_and_pages(client: httpx.AsyncClient, factory: Factory) -> None:
    admin = await factory.admin()
    alice, bob = await factory.user(email="alice@example.com"), await factory.user()
    for _ in range(3):
        await client.post(
            "/auth/login", json={"email": "alice@example.com", "password": "wrong-password"}
        )

    alice_events = await _types(client, admin.bearer, user_id=alice.id)
    assert sorted(alice_events) == ["login.failed"] * 3 + ["login.succeeded"]
    assert await _types(client, admin.bearer, user_id=bob.id) == ["login.succeeded"]
    failed = await client.get("/admin/audit", params={"type": "login.failed"}, headers=admin.bearer)
    assert [event["user_id"] for event in failed.json()] == [alice.id] * 3
    assert failed.json()[0]["ip"] == "203.0.113.7"

    page = await client.get("/admin/audit", params={"limit": 2}, headers=admin.bearer)
    assert len(page.json()) == 2
    assert page.headers["X-Total-Count"] == "6"
    assert 'rel="next"' in page.headers["Link"]
    ids = [event["id"] for event in page.json()]
    assert ids == sorted(ids, reverse=True)  # newest first
    nothing = await client.get(
        "/admin/audit", params={"type": "no.such.type"}, headers=admin.bearer
    )
    assert nothing.json() == [] and nothing.headers["X-Total-Count"] == "0"
    bad = await client.get("/admin/audit", params={"user_id": "abc"}, headers=admin.bearer)
    assert bad.status_code == 422

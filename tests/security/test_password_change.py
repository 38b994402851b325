"""Changing your own password needs the current one, guessed no faster than at login."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select

from homebase.app_state import AppState
from homebase.core.security import PasswordHasher
from homebase.models import AuditEvent
from tests.factories import DEFAULT_PASSWORD, Factory
from tests.security.conftest import AppBuilder

NEW = "a brand new secret"
CHANGE = {"new_password": NEW, "new_password_repeat": NEW}


async def test_bearer_alone_does_not_change_the_password(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    # A stolen 15-minute access token must not become a permanent takeover.
    me = await factory.user()
    missing = await client.put("/api/user/password", json=CHANGE, headers=me.bearer)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "current_password"
    wrong = await client.put(
        "/api/user/password", json={**CHANGE, "current_password": "not it"}, headers=me.bearer
    )
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "invalid_credentials"
    login = await client.post("/auth/login", json={"email": me.email, "password": NEW})
    assert login.status_code == 401  # nothing changed
    ok = await client.put(
        "/api/user/password",
        json={**CHANGE, "current_password": DEFAULT_PASSWORD},
        headers=me.bearer,
    )
    assert ok.status_code == 200
    assert (await client.post("/auth/login", json={"email": me.email, "password": NEW})).is_success


async def test_basic_credentials_prove_the_current_password(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    me = await factory.user()
    assert (await client.put("/api/user/password", json=CHANGE, headers=me.basic)).is_success


async def _audit(state: AppState, event: str) -> list[AuditEvent]:
    async with state.sessionmaker() as session:
        return list(await session.scalars(select(AuditEvent).where(AuditEvent.type == event)))


async def test_current_password_guesses_are_budgeted_locked_and_audited(
    build_app: AppBuilder, factory: Factory
) -> None:
    built = await build_app(
        rate_limit_login_per_ip="1000/minute",
        rate_limit_login_per_account="1000/minute",
        lockout_threshold=3,
        lockout_duration=60,
    )
    me = await factory.user()
    http = built.client()
    url = f"/users/{me.id}/change-password"
    for number in range(3):
        body = {**CHANGE, "current_password": f"guess {number}"}
        assert (await http.post(url, json=body, headers=me.bearer)).status_code == 401
    # The lock of the login guards the oracle too, and the other way round.
    right = {**CHANGE, "current_password": DEFAULT_PASSWORD}
    locked = await http.post(url, json=right, headers=me.bearer)
    assert locked.status_code == 429 and locked.json()["code"] == "account_locked"
    login = await http.post("/auth/login", json={"email": me.email, "password": DEFAULT_PASSWORD})
    assert login.status_code == 429
    failed = await _audit(built.state, "password.change_failed")
    assert [event.user_id for event in failed] == [me.id] * 3
    assert len(await _audit(built.state, "login.locked")) == 1


async def test_current_password_guesses_spend_the_failure_budget(
    build_app: AppBuilder, factory: Factory
) -> None:
    built = await build_app(
        rate_limit_login_per_ip="2/minute",
        rate_limit_login_per_account="1000/minute",
        lockout_threshold=100,
    )
    me = await factory.user()
    http = built.client("198.51.100.33")
    url = f"/users/{me.id}/change-password"
    for number in range(2):
        body = {**CHANGE, "current_password": f"guess {number}"}
        assert (await http.post(url, json=body, headers=me.bearer)).status_code == 401
    body = {**CHANGE, "current_password": "guess 3"}
    refused = await http.post(url, json=body, headers=me.bearer)
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"


async def test_writes_proceed_while_a_password_change_hashes(
    client: httpx.AsyncClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # argon2 (the check of the current password, the new hash) runs before the change's
    # writing transaction: on SQLite that transaction holds the database's write lock.
    me, other = await factory.user(), await factory.user()
    started, release = asyncio.Event(), asyncio.Event()
    original = PasswordHasher.hash

    async def slow_hash(self: PasswordHasher, password: str) -> str:
        started.set()
        await release.wait()
        return await original(self, password)

    monkeypatch.setattr(PasswordHasher, "hash", slow_hash)
    change = asyncio.create_task(
        client.post(
            f"/users/{me.id}/change-password",
            json={**CHANGE, "current_password": DEFAULT_PASSWORD},
            headers=me.bearer,
        )
    )
    try:
        await asyncio.wait_for(started.wait(), timeout=10)
        write = await asyncio.wait_for(
            client.post("/tasks", json={"title": "meanwhile"}, headers=other.bearer), timeout=4
        )
        assert write.status_code == 201
    finally:
        release.set()
    assert (await change).status_code == 200

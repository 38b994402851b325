"""A login verifies the password before its writing transaction begins: while argon2 runs,
other writers are not kept waiting (on SQLite the write lock is held from a writing
transaction's first statement)."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from homebase.core.security import PasswordHasher
from tests.factories import DEFAULT_PASSWORD, Factory


async def test_writes_proceed_while_a_login_verifies(
    client: httpx.AsyncClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await factory.user()
    started, release = threading.Event(), threading.Event()
    original = PasswordHasher.verify_sync

    def slow_verify(
        self: PasswordHasher, password: str, password_hash: str
    ) -> tuple[bool, str | None]:
        started.set()
        release.wait(timeout=30)
        return original(self, password, password_hash)

    monkeypatch.setattr(PasswordHasher, "verify_sync", slow_verify)
    login = asyncio.create_task(
        client.post("/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD})
    )
    try:
        await asyncio.to_thread(started.wait, 10)
        assert started.is_set()
        # Another client writes while the login is still inside argon2.
        other = await asyncio.wait_for(
            client.post("/auth/logout-all", headers=user.bearer), timeout=4
        )
        assert other.status_code == 204
    finally:
        release.set()
    response = await login
    assert response.status_code == 200


async def test_a_burst_of_logins_does_not_exhaust_the_pool(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    body = {"email": user.email, "password": DEFAULT_PASSWORD}
    burst = [client.post("/auth/login", json=body) for _ in range(40)]
    responses = await asyncio.wait_for(asyncio.gather(*burst), timeout=60)
    assert [response.status_code for response in responses] == [200] * 40

"""The verified-credential cache behind HTTP Basic: argon2 once, then a keyed-hash lookup."""

from __future__ import annotations

import httpx
import pytest

from homebase.app_state import AppState
from homebase.core.security import PasswordHasher
from tests.factories import Factory


@pytest.fixture
def verifies(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the argon2 verifications the service performs."""
    calls: list[str] = []
    original = PasswordHasher.verify_sync

    def counting(
        self: PasswordHasher, password: str, password_hash: str
    ) -> tuple[bool, str | None]:
        calls.append(password)
        return original(self, password, password_hash)

    monkeypatch.setattr(PasswordHasher, "verify_sync", counting)
    return calls


async def test_second_basic_request_skips_argon2(
    client: httpx.AsyncClient, factory: Factory, verifies: list[str]
) -> None:
    user = await factory.user()
    for _ in range(3):
        assert (await client.get("/users/me", headers=user.basic)).status_code == 200
    assert len(verifies) == 1


async def test_wrong_password_is_never_cached(
    client: httpx.AsyncClient, factory: Factory, verifies: list[str]
) -> None:
    user = await factory.user()
    user.password = "not the password"
    for _ in range(2):
        assert (await client.get("/users/me", headers=user.basic)).status_code == 401
    assert len(verifies) == 2


async def test_password_change_drops_the_cached_credential(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    user = await factory.user()
    assert (await client.get("/users/me", headers=user.basic)).status_code == 200
    assert len(state.credential_cache) == 1
    new = "another long secret"
    changed = await client.put(
        "/api/user/password",
        json={"new_password": new, "new_password_repeat": new},
        headers=user.basic,
    )
    assert changed.status_code == 200
    assert (await client.get("/users/me", headers=user.basic)).status_code == 401
    user.password = new
    assert (await client.get("/users/me", headers=user.basic)).status_code == 200


async def test_deactivation_beats_the_cache(client: httpx.AsyncClient, factory: Factory) -> None:
    user, admin = await factory.user(), await factory.admin()
    assert (await client.get("/users/me", headers=user.basic)).status_code == 200
    response = await client.patch(
        f"/users/{user.id}", json={"is_active": False}, headers=admin.bearer
    )
    assert response.status_code == 200
    assert (await client.get("/users/me", headers=user.basic)).status_code == 401


async def test_cache_holds_no_password(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    user = await factory.user()
    await client.get("/users/me", headers=user.basic)
    stored = repr(state.credential_cache._entries)
    assert user.password not in stored and user.email not in stored

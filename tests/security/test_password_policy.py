"""The password policy on every way a password is set; re-hashing of outdated hashes."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import select

from homebase.app_state import AppState
from homebase.main import start
from homebase.models import User
from tests.factories import DEFAULT_PASSWORD, Factory
from tests.security.conftest import AppBuilder
from tests.security.servers import server_env

MESSAGES = {
    "en": ("This password is too common", "must not contain your email, username or name"),
    "ru": ("Этот пароль слишком распространён", "не должен содержать ваш email"),
    "uk": ("Цей пароль надто поширений", "не повинен містити ваш email"),
}


def field_errors(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["result"] == "error" and body["code"] == "validation_error"
    return {error["field"]: error["message"] for error in body["errors"]}


@pytest.mark.parametrize("path", ["/auth/register", "/register", "/users"])
@pytest.mark.parametrize("locale", ["en", "ru", "uk"])
async def test_registration_refuses_common_passwords(
    client: httpx.AsyncClient, path: str, locale: str
) -> None:
    response = await client.post(
        path,
        json={"email": "new@example.com", "password": "Password1"},
        headers={"Accept-Language": locale},
    )
    assert field_errors(response)["password"] == MESSAGES[locale][0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "marguerite@example.com", "password": "MARGUERITE-2024"}, "password"),
        ({"username": "grace_h", "password": "i am grace_h!"}, "password"),
        (
            {"email": "a1@example.com", "name": "Ada Lovelace", "password": "lovelace rules"},
            "password",
        ),
    ],
)
async def test_registration_refuses_personal_passwords(
    client: httpx.AsyncClient, body: dict[str, str], field: str
) -> None:
    response = await client.post("/auth/register", json=body, headers={"Accept-Language": "ru"})
    assert MESSAGES["ru"][1] in field_errors(response)[field]


async def test_admin_creating_a_user_is_held_to_the_policy(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.admin()
    response = await client.post(
        "/users", json={"email": "n@example.com", "password": "qwertyuiop"}, headers=admin.bearer
    )
    assert "password" in field_errors(response)


async def test_change_password_endpoints_apply_the_policy(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user(email="mallory@example.com")
    admin = await factory.admin()
    common = {"new_password": "iloveyou1", "new_password_repeat": "iloveyou1"}
    personal = {"new_password": "mallory-secret", "new_password_repeat": "mallory-secret"}
    for body in (common, personal):
        own = await client.post(
            f"/users/{user.id}/change-password",
            json={**body, "current_password": DEFAULT_PASSWORD},
            headers=user.bearer,
        )
        assert "new_password" in field_errors(own)
        by_admin = await client.post(
            f"/users/{user.id}/change-password", json=body, headers=admin.bearer
        )
        assert "new_password" in field_errors(by_admin)
        compat = await client.put("/api/user/password", json=body, headers=user.basic)
        assert "new_password" in field_errors(compat)
    # Nothing changed: the old password still works.
    assert (await client.get("/auth/me", headers=user.basic)).status_code == 200
    good = {"new_password": "a much better one", "new_password_repeat": "a much better one"}
    assert (
        await client.put("/api/user/password", json=good, headers=user.basic)
    ).status_code == 200


async def test_no_truncation_at_128_characters(client: httpx.AsyncClient) -> None:
    password = "p" * 127 + "1"
    response = await client.post(
        "/auth/register", json={"email": "l@example.com", "password": password}
    )
    assert response.status_code == 201
    ok = await client.post("/auth/login", json={"email": "l@example.com", "password": password})
    assert ok.status_code == 200
    almost = "p" * 127 + "2"
    wrong = await client.post("/auth/login", json={"email": "l@example.com", "password": almost})
    assert wrong.status_code == 401
    too_long = await client.post(
        "/auth/register", json={"email": "m@example.com", "password": "p" * 129}
    )
    assert "password" in field_errors(too_long)


def _run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = server_env(
        database_url=f"sqlite:///{tmp_path / 'cli.db'}",
        secret_key="cli-secret-" + "c" * 32,
        argon2_memory_kib="64",
        argon2_time_cost="1",
    )
    return subprocess.run(
        [sys.executable, "-m", "homebase", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_create_admin_applies_the_policy(tmp_path: Path) -> None:
    def create_admin(password: str) -> subprocess.CompletedProcess[str]:
        argv = ["--create-database", "--email", "root@example.com", "--password", password]
        return _run_cli(tmp_path, "create-admin", *argv)

    weak = create_admin("letmein1")
    assert weak.returncode == 2
    assert "This password is too common" in weak.stderr
    personal = create_admin("root-of-all")
    assert personal.returncode == 2
    assert "must not contain" in personal.stderr
    strong = create_admin("a fine admin pass")
    assert strong.returncode == 0, strong.stderr


async def test_bootstrap_admin_with_a_weak_password_is_not_created(
    build_app: AppBuilder, caplog: pytest.LogCaptureFixture
) -> None:
    built = await build_app(admin_email="boss@example.com", admin_password="password123")
    await start(built.state)
    async with built.state.sessionmaker() as session:
        assert await session.scalar(select(User).where(User.email == "boss@example.com")) is None
    assert "HOMEBASE_ADMIN_PASSWORD refused" in caplog.text
    assert "password123" not in caplog.text


def _outdated_hash(password: str) -> str:
    # Same algorithm, other parameters than the app's: verify_and_update must upgrade it.
    return PasswordHash((Argon2Hasher(time_cost=2, memory_cost=128, parallelism=1),)).hash(password)


async def _hash_of(state: AppState, user_id: int) -> str:
    async with state.sessionmaker() as session:
        return str(await session.scalar(select(User.password_hash).where(User.id == user_id)))


async def _set_hash(state: AppState, user_id: int, password_hash: str) -> None:
    async with state.sessionmaker() as session:
        user = await session.get(User, user_id)
        assert user is not None
        user.password_hash = password_hash
        await session.commit()


@pytest.mark.parametrize("way", ["login", "basic"])
async def test_outdated_hash_is_upgraded_on_login(
    client: httpx.AsyncClient, factory: Factory, state: AppState, way: str
) -> None:
    user = await factory.user(email="old@example.com")
    old = _outdated_hash(DEFAULT_PASSWORD)
    await _set_hash(state, user.id, old)
    assert "m=128,t=2" in old
    if way == "login":
        response = await client.post(
            "/auth/login", json={"email": "old@example.com", "password": DEFAULT_PASSWORD}
        )
    else:
        raw = base64.b64encode(f"old@example.com:{DEFAULT_PASSWORD}".encode()).decode()
        response = await client.get("/auth/me", headers={"Authorization": f"Basic {raw}"})
    assert response.status_code == 200
    new = await _hash_of(state, user.id)
    assert new != old
    assert f"m={state.settings.argon2_memory_kib},t={state.settings.argon2_time_cost}" in new
    assert state.hasher.verify_sync(DEFAULT_PASSWORD, new) == (True, None)
    # A wrong password never rewrites the hash.
    await client.post("/auth/login", json={"email": "old@example.com", "password": "nope-nope"})
    assert await _hash_of(state, user.id) == new

"""Brute-force limits: moving windows per IP and per login, a growing per-account lock."""

from __future__ import annotations

import asyncio
import base64

import httpx
import pytest
from sqlalchemy import select

from homebase.models import AuditEvent
from tests.factories import DEFAULT_PASSWORD, Factory
from tests.security.conftest import AppBuilder

LOOSE = "1000/minute"


def basic(login: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()}


async def attempt(http: httpx.AsyncClient, path: str, login: str, password: str) -> httpx.Response:
    if path == "/auth/token":
        return await http.post(path, data={"username": login, "password": password})
    return await http.post(path, json={"login": login, "password": password})


def assert_limited(response: httpx.Response, code: str = "rate_limited") -> int:
    assert response.status_code == 429, response.text
    body = response.json()
    assert body["result"] == "error" and body["code"] == code
    retry_after = int(response.headers["Retry-After"])
    assert retry_after >= 1
    assert str(retry_after) in body["message"]
    return retry_after


@pytest.mark.parametrize("path", ["/auth/login", "/auth/token", "/login"])
async def test_login_is_limited_per_ip(build_app: AppBuilder, path: str) -> None:
    built = await build_app(rate_limit_login_per_ip="3/minute", rate_limit_login_per_account=LOOSE)
    http = built.client("198.51.100.10")
    for number in range(3):
        response = await attempt(http, path, f"who{number}@example.com", "wrong-password")
        assert response.status_code == 401
    retry_after = assert_limited(await attempt(http, path, "who9@example.com", "wrong-password"))
    assert retry_after <= 60
    # Another address has its own budget.
    other = await attempt(built.client("198.51.100.11"), path, "x@example.com", "wrong-pass")
    assert other.status_code == 401


async def test_login_is_limited_per_account_across_ips(build_app: AppBuilder) -> None:
    built = await build_app(rate_limit_login_per_ip=LOOSE, rate_limit_login_per_account="3/minute")
    for number in range(3):
        http = built.client(f"198.51.100.{number + 1}")
        assert (
            await attempt(http, "/auth/login", "ada@example.com", "nope-nope")
        ).status_code == 401
    # Same login from a fourth address (and spelt differently): refused.
    fourth = built.client("198.51.100.99")
    assert_limited(await attempt(fourth, "/auth/login", "ADA@example.com", "nope-nope"))
    other = await attempt(fourth, "/auth/login", "bob@example.com", "nope-nope")
    assert other.status_code == 401


@pytest.mark.parametrize("path", ["/auth/register", "/register", "/users"])
async def test_registration_is_limited_per_ip(build_app: AppBuilder, path: str) -> None:
    built = await build_app(rate_limit_register_per_ip="2/hour")
    http = built.client("198.51.100.20")
    for number in range(2):
        body = {"email": f"new{number}@example.com", "password": "long enough pw"}
        assert (await http.post(path, json=body)).status_code == 201
    response = await http.post(
        path, json={"email": "new9@example.com", "password": "long enough pw"}
    )
    assert_limited(response)


async def test_registration_is_limited_per_login(build_app: AppBuilder) -> None:
    built = await build_app(rate_limit_register_per_account="2/hour")
    body = {"email": "same@example.com", "password": "long enough pw"}
    first = await built.client("198.51.100.1").post("/auth/register", json=body)
    second = await built.client("198.51.100.2").post("/auth/register", json=body)
    third = await built.client("198.51.100.3").post("/auth/register", json=body)
    assert (first.status_code, second.status_code) == (201, 409)
    assert_limited(third)


async def test_refresh_is_limited_per_ip(build_app: AppBuilder) -> None:
    built = await build_app(rate_limit_refresh_per_ip="2/minute")
    http = built.client("198.51.100.30")
    for _ in range(2):
        assert (await http.post("/auth/refresh", json={"refresh_token": "x"})).status_code == 401
    assert_limited(await http.post("/auth/refresh", json={"refresh_token": "x"}))


async def test_basic_success_is_never_throttled(build_app: AppBuilder, factory: Factory) -> None:
    # A valid user's script polling with Basic credentials must not be locked out by the
    # login limits: only failures count against them.
    built = await build_app(
        rate_limit_login_per_ip="3/minute", rate_limit_login_per_account="3/minute"
    )
    user = await factory.user()
    http = built.client()
    for _ in range(20):
        assert (await http.get("/auth/me", headers=user.basic)).status_code == 200


async def test_basic_failures_are_throttled(build_app: AppBuilder, factory: Factory) -> None:
    built = await build_app(rate_limit_login_per_ip=LOOSE, rate_limit_login_per_account="3/minute")
    user = await factory.user(email="poll@example.com")
    for number in range(3):
        http = built.client(f"198.51.100.{40 + number}")
        response = await http.get("/auth/me", headers=basic("poll@example.com", "wrong-pass"))
        assert response.status_code == 401
    # The account's failure budget is spent: even the right password waits.
    response = await built.client("198.51.100.50").get("/auth/me", headers=user.basic)
    assert_limited(response)


async def test_basic_failures_are_throttled_per_ip(build_app: AppBuilder) -> None:
    built = await build_app(rate_limit_login_per_ip="3/minute", rate_limit_login_per_account=LOOSE)
    http = built.client("198.51.100.60")
    for number in range(3):
        headers = basic(f"guess{number}@example.com", "wrong-pass")
        assert (await http.get("/users", headers=headers)).status_code == 401
    assert_limited(await http.get("/users", headers=basic("guess9@example.com", "wrong-pass")))


LOCKOUT = {
    "rate_limit_login_per_ip": LOOSE,
    "rate_limit_login_per_account": LOOSE,
    "lockout_threshold": 3,
    "lockout_duration": 60,
}


async def test_account_locks_after_repeated_failures(
    build_app: AppBuilder, factory: Factory
) -> None:
    built = await build_app(**LOCKOUT)
    user = await factory.user(email="lock@example.com")
    http = built.client()
    for _ in range(3):
        response = await attempt(http, "/auth/login", "lock@example.com", "wrong-pass")
        assert response.status_code == 401
    # Locked: the right password is refused too, on every way in, until the lock expires.
    locked = await attempt(http, "/auth/login", "lock@example.com", DEFAULT_PASSWORD)
    assert 50 <= assert_limited(locked, "account_locked") <= 61
    assert_limited(await http.get("/auth/me", headers=user.basic), "account_locked")
    token = await http.post(
        "/auth/token", data={"username": "lock@example.com", "password": DEFAULT_PASSWORD}
    )
    assert_limited(token, "account_locked")
    # Tokens issued before the lock keep working: the lock is about guessing passwords.
    assert (await http.get("/auth/me", headers=user.bearer)).status_code == 200
    # Another account is not affected.
    await factory.user(email="free@example.com")
    free = await attempt(http, "/auth/login", "free@example.com", DEFAULT_PASSWORD)
    assert free.status_code == 200

    async with built.state.sessionmaker() as session:
        locked_events = (
            await session.scalars(select(AuditEvent).where(AuditEvent.type == "login.locked"))
        ).all()
    assert [event.user_id for event in locked_events] == [user.id]


async def test_lock_grows_with_each_further_failure(
    build_app: AppBuilder, factory: Factory
) -> None:
    built = await build_app(**LOCKOUT)
    user = await factory.user(email="grow@example.com")
    http = built.client()
    lock_key = f"lockout/lock/user:{user.id}"
    waits = []
    for _ in range(3):
        await attempt(http, "/auth/login", "grow@example.com", "wrong-pass")
    for _ in range(3):
        locked = await attempt(http, "/auth/login", "grow@example.com", DEFAULT_PASSWORD)
        waits.append(assert_limited(locked, "account_locked"))
        await built.state.limiter.storage.clear(lock_key)  # as if the lock had expired
        response = await attempt(http, "/auth/login", "grow@example.com", "still-wrong")
        assert response.status_code == 401
    # 60 s, then 120 s, then 240 s: each failure after a lock doubles the next one.
    assert waits[0] <= 61 and 110 <= waits[1] <= 121 and 230 <= waits[2] <= 241


async def test_lock_expires(build_app: AppBuilder, factory: Factory) -> None:
    built = await build_app(**{**LOCKOUT, "lockout_duration": 1})
    await factory.user(email="brief@example.com")
    http = built.client()
    for _ in range(3):
        await attempt(http, "/auth/login", "brief@example.com", "wrong-pass")
    locked = await attempt(http, "/auth/login", "brief@example.com", DEFAULT_PASSWORD)
    assert_limited(locked, "account_locked")
    await asyncio.sleep(1.2)
    response = await attempt(http, "/auth/login", "brief@example.com", DEFAULT_PASSWORD)
    assert response.status_code == 200


async def test_success_resets_the_failure_count(build_app: AppBuilder, factory: Factory) -> None:
    built = await build_app(**LOCKOUT)
    await factory.user(email="reset@example.com")
    http = built.client()
    for _ in range(2):
        for _ in range(2):
            response = await attempt(http, "/auth/login", "reset@example.com", "wrong-pass")
            assert response.status_code == 401
        response = await attempt(http, "/auth/login", "reset@example.com", DEFAULT_PASSWORD)
        assert response.status_code == 200


async def test_unknown_login_locks_like_a_real_one(build_app: AppBuilder) -> None:
    # Otherwise the lock would tell which accounts exist.
    built = await build_app(**LOCKOUT)
    http = built.client()
    for _ in range(3):
        response = await attempt(http, "/auth/login", "ghost@example.com", "wrong-pass")
        assert response.status_code == 401
    locked = await attempt(http, "/auth/login", "ghost@example.com", "wrong-pass")
    assert_limited(locked, "account_locked")


async def test_email_and_username_share_one_lock(build_app: AppBuilder, factory: Factory) -> None:
    built = await build_app(**LOCKOUT)
    await factory.user(email="both@example.com", username="both")
    http = built.client()
    for login in ("both@example.com", "both", "BOTH@example.com"):
        assert (await attempt(http, "/auth/login", login, "wrong-pass")).status_code == 401
    assert_limited(await attempt(http, "/auth/login", "both", DEFAULT_PASSWORD), "account_locked")


async def test_forwarded_for_is_honoured_only_from_trusted_proxies(
    build_app: AppBuilder, factory: Factory
) -> None:
    built = await build_app(
        rate_limit_login_per_ip="2/minute",
        rate_limit_login_per_account=LOOSE,
        trusted_proxies=["10.0.0.0/8"],
    )
    proxy = built.client("10.1.2.3")
    # Behind the trusted proxy each client address has its own budget...
    for _ in range(2):
        response = await proxy.post(
            "/auth/login",
            json={"login": "x@example.com", "password": "wrong-pass"},
            headers={"X-Forwarded-For": "192.0.2.1, 198.51.100.7"},
        )
        assert response.status_code == 401
    other_client = await proxy.post(
        "/auth/login",
        json={"login": "x@example.com", "password": "wrong-pass"},
        headers={"X-Forwarded-For": "198.51.100.8"},
    )
    assert other_client.status_code == 401
    # ...and the address spoofed to the left of the real client is ignored.
    spoofed = await proxy.post(
        "/auth/login",
        json={"login": "x@example.com", "password": "wrong-pass"},
        headers={"X-Forwarded-For": "192.0.2.99, 198.51.100.7"},
    )
    assert_limited(spoofed)

    # From an untrusted peer the header is ignored: rotating it does not help.
    direct = built.client("203.0.113.50")
    statuses = []
    for number in range(3):
        response = await direct.post(
            "/auth/login",
            json={"login": "x@example.com", "password": "wrong-pass"},
            headers={"X-Forwarded-For": f"192.0.2.{number}"},
        )
        statuses.append(response.status_code)
    assert statuses == [401, 401, 429]

    # The session records the forwarded address.
    await factory.user(email="via@example.com")
    login = await proxy.post(
        "/auth/login",
        json={"login": "via@example.com", "password": DEFAULT_PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.200"},
    )
    token = login.json()["access_token"]
    sessions = await proxy.get("/auth/sessions", headers={"Authorization": f"Bearer {token}"})
    current = next(item for item in sessions.json() if item["current"])
    assert current["ip"] == "198.51.100.200"


async def test_an_admin_unlocks_a_locked_account(build_app: AppBuilder, factory: Factory) -> None:
    built = await build_app(**LOCKOUT)
    user, admin = await factory.user(email="stuck@example.com"), await factory.admin()
    http = built.client()
    for _ in range(3):
        await attempt(http, "/auth/login", "stuck@example.com", "wrong-pass")
    assert_limited(
        await attempt(http, "/auth/login", "stuck@example.com", DEFAULT_PASSWORD), "account_locked"
    )
    url = f"/admin/users/{user.id}/unlock"
    assert (await http.post(url)).status_code == 401
    assert (await http.post(url, headers=user.bearer)).status_code == 403
    assert (await http.post("/admin/users/999999/unlock", headers=admin.bearer)).status_code == 404
    assert (await http.post(url, headers=admin.bearer)).status_code == 204
    ok = await attempt(http, "/auth/login", "stuck@example.com", DEFAULT_PASSWORD)
    assert ok.status_code == 200
    async with built.state.sessionmaker() as session:
        events = list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.type == "admin.user_unlocked")
            )
        )
    assert [(e.user_id, e.actor_id, e.detail) for e in events] == [
        (user.id, admin.id, "was_locked=true")
    ]

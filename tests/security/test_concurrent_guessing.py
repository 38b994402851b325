"""Concurrent wrong credentials: the budget and the lock are taken before argon2 runs, so a
burst is verified no further than a sequence would be, and no pooled connection waits on it."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import pytest

from homebase.core.security import PasswordHasher
from tests.factories import Factory
from tests.security.conftest import AppBuilder, BuiltApp

LOOSE = "1000/minute"
BURST = 20


def basic(login: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()}


@dataclass
class Gate:
    """Holds every argon2 verification until the burst has settled: each request is either
    inside argon2 or answered. Only then are the verifications let go, so every request of
    the burst was admitted (or refused) while the others were still in flight."""

    started: list[str] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    checked_out: list[int] = field(default_factory=list)


@pytest.fixture
async def gate(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Gate]:
    held = Gate()
    original = PasswordHasher.verify

    async def gated(
        self: PasswordHasher, password: str, password_hash: str | None
    ) -> tuple[bool, str | None]:
        held.started.append(password)
        held.changed.set()
        await held.release.wait()
        return await original(self, password, password_hash)

    monkeypatch.setattr(PasswordHasher, "verify", gated)
    yield held
    held.release.set()


async def burst(
    built: BuiltApp, gate: Gate, send: Callable[[int], Awaitable[httpx.Response]]
) -> list[int]:
    tasks = [asyncio.create_task(send(number)) for number in range(BURST)]
    for task in tasks:
        task.add_done_callback(lambda _: gate.changed.set())

    async def settled() -> None:
        while len(gate.started) + sum(task.done() for task in tasks) < BURST:
            await gate.changed.wait()
            gate.changed.clear()

    await asyncio.wait_for(settled(), timeout=30)
    gate.checked_out.append(built.state.engine.pool.checkedout())  # type: ignore[attr-defined]
    gate.release.set()
    return [response.status_code for response in await asyncio.gather(*tasks)]


async def test_a_burst_from_one_ip_is_verified_at_most_the_budget(
    build_app: AppBuilder, gate: Gate
) -> None:
    built = await build_app(
        rate_limit_login_per_ip="5/minute",
        rate_limit_login_per_account=LOOSE,
        lockout_threshold=1000,
    )
    http = built.client("198.51.100.70")

    async def guess(number: int) -> httpx.Response:
        return await http.get("/auth/me", headers=basic(f"g{number}@example.com", "wrong-pw"))

    statuses = await burst(built, gate, guess)
    assert len(gate.started) == 5
    assert sorted(statuses) == [401] * 5 + [429] * (BURST - 5)
    # While five guesses sat in argon2, none of them held a pooled connection.
    assert gate.checked_out == [0]


async def test_a_burst_on_one_account_is_verified_at_most_the_lock_threshold(
    build_app: AppBuilder, gate: Gate, factory: Factory
) -> None:
    built = await build_app(
        rate_limit_login_per_ip=LOOSE, rate_limit_login_per_account=LOOSE, lockout_threshold=3
    )
    await factory.user(email="target@example.com")

    async def guess(number: int) -> httpx.Response:
        http = built.client(f"198.51.100.{100 + number}")
        return await http.get("/auth/me", headers=basic("target@example.com", f"guess-{number}"))

    statuses = await burst(built, gate, guess)
    assert len(gate.started) == 3
    assert sorted(statuses) == [401] * 3 + [429] * (BURST - 3)
    assert gate.checked_out == [0]


async def test_a_burst_of_logins_on_one_account_is_verified_at_most_the_lock_threshold(
    build_app: AppBuilder, gate: Gate, factory: Factory
) -> None:
    built = await build_app(
        rate_limit_login_per_ip=LOOSE, rate_limit_login_per_account=LOOSE, lockout_threshold=3
    )
    await factory.user(email="target@example.com")

    async def guess(number: int) -> httpx.Response:
        http = built.client(f"198.51.100.{100 + number}")
        body = {"email": "target@example.com", "password": f"guess-{number}"}
        return await http.post("/auth/login", json=body)

    statuses = await burst(built, gate, guess)
    assert len(gate.started) == 3
    assert sorted(statuses) == [401] * 3 + [429] * (BURST - 3)
    assert gate.checked_out == [0]


async def test_the_right_password_hands_its_slot_back(
    build_app: AppBuilder, gate: Gate, factory: Factory
) -> None:
    # Successes never count: after a burst of right passwords the budget is whole.
    built = await build_app(
        rate_limit_login_per_ip="3/minute", rate_limit_login_per_account="3/minute"
    )
    user = await factory.user(email="poller@example.com")
    built.state.credential_cache.clear()
    http = built.client("198.51.100.90")
    gate.release.set()
    for _ in range(5):
        built.state.credential_cache.clear()  # each request verifies with argon2
        assert (await http.get("/auth/me", headers=user.basic)).status_code == 200
    for _ in range(3):
        wrong = await http.get("/auth/me", headers=basic("poller@example.com", "wrong-pw"))
        assert wrong.status_code == 401
    built.state.credential_cache.clear()
    assert (await http.get("/auth/me", headers=user.basic)).status_code == 429

"""The account lock: when it starts and how it grows."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from limits.aio.storage import MemoryStorage

from homebase.core.errors import AccountLocked
from homebase.core.lockout import Lockout, lock_seconds
from tests.support import make_settings


def test_lock_starts_at_the_threshold_and_doubles() -> None:
    seconds = [lock_seconds(n, 5, 60, 3600) for n in range(1, 12)]
    assert seconds == [0, 0, 0, 0, 60, 120, 240, 480, 960, 1920, 3600]


def test_lock_is_capped_even_after_very_many_failures() -> None:
    assert lock_seconds(10_000, 5, 60, 86_400) == 86_400


def test_unknown_logins_have_keys_of_their_own() -> None:
    assert Lockout.key(7, "ada@example.com") == "user:7"
    assert Lockout.key(None, "Ghost@Example.com") == Lockout.key(None, " ghost@example.com")
    assert "ghost" not in Lockout.key(None, "ghost@example.com")


def _lockout(threshold: int) -> Lockout:
    settings = make_settings(
        "sqlite://",
        rate_limit_enabled=True,
        lockout_threshold=threshold,
        lockout_duration=timedelta(seconds=30),
    )
    return Lockout(MemoryStorage(), settings)


async def test_lockout_against_a_store() -> None:
    lockout = _lockout(2)
    await lockout.ensure_unlocked("user:1")
    assert (await lockout.begin("user:1")).locked_for == 0  # a failure: nothing more to do
    assert (await lockout.begin("user:1")).locked_for == 30  # the lock is taken in advance
    with pytest.raises(AccountLocked) as caught:
        await lockout.ensure_unlocked("user:1")
    assert 29 <= int(caught.value.headers["Retry-After"]) <= 31
    await lockout.ensure_unlocked("user:2")
    assert await lockout.unlock("user:1") is True
    success = await lockout.begin("user:1")
    await lockout.succeeded(success)
    assert (await lockout.begin("user:1")).locked_for == 0  # the count starts again


async def test_concurrent_attempts_past_the_threshold_are_refused_unverified() -> None:
    # Every attempt passes `ensure_unlocked` before any of them is counted (the old race):
    # still only `threshold` of them may go on to verify a password.
    lockout = _lockout(3)
    results = await asyncio.gather(
        *(lockout.begin("user:9") for _ in range(20)), return_exceptions=True
    )
    admitted = [result for result in results if not isinstance(result, BaseException)]
    assert len(admitted) == 3
    assert all(isinstance(result, AccountLocked) for result in results if result not in admitted)


async def test_a_success_ends_the_lock_it_took() -> None:
    lockout = _lockout(1)
    attempt = await lockout.begin("user:3")
    assert attempt.locked_for == 30
    with pytest.raises(AccountLocked):
        await lockout.begin("user:3")
    await lockout.succeeded(attempt)
    await lockout.ensure_unlocked("user:3")

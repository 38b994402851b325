"""The account lock: when it starts and how it grows."""

from __future__ import annotations

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


async def test_lockout_against_a_store() -> None:
    settings = make_settings(
        "sqlite://",
        rate_limit_enabled=True,
        lockout_threshold=2,
        lockout_duration=timedelta(seconds=30),
    )
    lockout = Lockout(MemoryStorage(), settings)
    await lockout.ensure_unlocked("user:1")
    assert await lockout.failed("user:1") == 0
    assert await lockout.failed("user:1") == 30
    with pytest.raises(AccountLocked) as caught:
        await lockout.ensure_unlocked("user:1")
    assert 29 <= int(caught.value.headers["Retry-After"]) <= 31
    await lockout.ensure_unlocked("user:2")
    await lockout.succeeded("user:1")
    assert await lockout.failed("user:1") == 0  # the count starts again after a success

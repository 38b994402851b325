"""Temporary account lock after repeated failed logins, growing with each further failure.

The failure count of an account lives in the rate-limit storage (memory, or Redis for every
worker). At `lockout_threshold` failures the account is locked for `lockout_duration`; each
failure after a lock has expired doubles the next one, up to `lockout_max_duration`. A
successful login clears the count. Unknown logins are counted and locked the same way, so a
lock says nothing about whether an account exists.

An attempt is counted *before* its password is verified (`begin`), with one atomic increment:
a burst of concurrent guesses cannot all pass the lock check before any of them is counted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from limits.aio.storage import Storage

from homebase.core.config import Settings
from homebase.core.errors import AccountLocked
from homebase.core.rate_storage import account_key, guarded


def lock_seconds(failures: int, threshold: int, base: float, ceiling: float) -> int:
    """How long the lock set by the `failures`-th consecutive failure lasts (0: no lock)."""
    if failures < threshold:
        return 0
    doublings = min(failures - threshold, 32)
    return int(max(1.0, min(base * 2**doublings, ceiling)))


@dataclass(frozen=True, slots=True)
class Attempt:
    """One login attempt in flight: already counted as a failure until it succeeds."""

    account: str
    # The lock this attempt took in advance, as it would start one if it failed (0: none).
    locked_for: int = 0


class Lockout:
    def __init__(self, storage: Storage, settings: Settings) -> None:
        self.enabled = settings.rate_limit_enabled
        self.storage = storage
        self.threshold = settings.lockout_threshold
        self.base = settings.lockout_duration.total_seconds()
        self.ceiling = max(self.base, settings.lockout_max_duration.total_seconds())

    @staticmethod
    def key(user_id: int | None, login: str) -> str:
        """The account a login attempt is about: the user when the login exists, else the
        login string itself (an email and a username of one user share one count)."""
        if user_id is not None:
            return f"user:{user_id}"
        return "login:" + account_key(login)

    async def _refuse(self, lock: str) -> AccountLocked:
        expiry = await guarded(lambda: self.storage.get_expiry(lock))
        return AccountLocked(int(expiry - time.time()) + 1)

    async def ensure_unlocked(self, account: str) -> None:
        """Raise AccountLocked (429 with Retry-After) while `account` is locked."""
        if not self.enabled:
            return
        lock = f"lockout/lock/{account}"
        if await guarded(lambda: self.storage.get(lock)) > 0:
            raise await self._refuse(lock)

    async def begin(self, account: str) -> Attempt:
        """Count an attempt on `account` before its password is verified.

        The attempt that would start a lock if it failed takes the lock now (an atomic
        increment: exactly one attempt owns it); any other attempt that arrives meanwhile is
        refused unverified, and uncounted. So no more than `lockout_threshold` guesses are
        ever verified before a lock, however many arrive at once."""
        if not self.enabled:
            return Attempt(account)
        await self.ensure_unlocked(account)
        failures_key, lock = f"lockout/failures/{account}", f"lockout/lock/{account}"
        keep = int(self.ceiling) + 1
        failures = await guarded(lambda: self.storage.incr(failures_key, keep))
        seconds = lock_seconds(failures, self.threshold, self.base, self.ceiling)
        if seconds and await guarded(lambda: self.storage.incr(lock, seconds)) > 1:
            await guarded(lambda: self.storage.incr(failures_key, keep, amount=-1))
            raise await self._refuse(lock)
        return Attempt(account, seconds)

    async def succeeded(self, attempt: Attempt) -> None:
        """The attempt proved the password: the count starts again, a lock it took ends."""
        if not self.enabled:
            return
        await guarded(lambda: self.storage.clear(f"lockout/failures/{attempt.account}"))
        if attempt.locked_for:
            await guarded(lambda: self.storage.clear(f"lockout/lock/{attempt.account}"))

    async def unlock(self, account: str) -> bool:
        """End a lock and forget the failures (an operator's way out); True if it was locked."""
        lock = f"lockout/lock/{account}"
        was_locked = await guarded(lambda: self.storage.get(lock)) > 0
        await guarded(lambda: self.storage.clear(lock))
        await guarded(lambda: self.storage.clear(f"lockout/failures/{account}"))
        return was_locked

"""Temporary account lock after repeated failed logins, growing with each further failure.

The failure count of an account lives in the rate-limit storage (memory, or Redis for every
worker). At `lockout_threshold` failures the account is locked for `lockout_duration`; each
failure after a lock has expired doubles the next one, up to `lockout_max_duration`. A
successful login clears the count. Unknown logins are counted and locked the same way, so a
lock says nothing about whether an account exists.
"""

from __future__ import annotations

import time

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

    async def ensure_unlocked(self, account: str) -> None:
        """Raise AccountLocked (429 with Retry-After) while `account` is locked."""
        if not self.enabled:
            return
        lock = f"lockout/lock/{account}"
        if await guarded(lambda: self.storage.get(lock)) > 0:
            expiry = await guarded(lambda: self.storage.get_expiry(lock))
            raise AccountLocked(int(expiry - time.time()) + 1)

    async def failed(self, account: str) -> int:
        """Count a failed attempt; return the seconds of the lock it starts (0 if none)."""
        if not self.enabled:
            return 0
        failures = await guarded(
            lambda: self.storage.incr(f"lockout/failures/{account}", int(self.ceiling) + 1)
        )
        seconds = lock_seconds(failures, self.threshold, self.base, self.ceiling)
        if seconds:
            await guarded(lambda: self.storage.incr(f"lockout/lock/{account}", seconds))
        return seconds

    async def succeeded(self, account: str) -> None:
        if not self.enabled:
            return
        await guarded(lambda: self.storage.clear(f"lockout/failures/{account}"))

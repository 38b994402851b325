"""Rate limits with the `limits` library: in memory, or in Redis shared by every worker.

Moving windows per client IP and per login bound how fast anyone may guess; the account
lockout (`core/lockout.py`) bounds how many wrong guesses one account takes in all.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from functools import partial

from limits import RateLimitItem, parse
from limits.aio.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from homebase.core.config import Settings
from homebase.core.errors import RateLimited
from homebase.core.lockout import Lockout
from homebase.core.rate_storage import account_key, create_storage, guarded


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limit_enabled
        self.storage = create_storage(settings)
        self._limiter = MovingWindowRateLimiter(self.storage)
        # The failure budget of HTTP Basic: a counter, so a slot taken can be handed back.
        self._budget = FixedWindowRateLimiter(self.storage)
        self.login_per_ip = parse(settings.rate_limit_login_per_ip)
        self.login_per_account = parse(settings.rate_limit_login_per_account)
        self.register_per_ip = parse(settings.rate_limit_register_per_ip)
        self.register_per_account = parse(settings.rate_limit_register_per_account)
        self.refresh_per_ip = parse(settings.rate_limit_refresh_per_ip)
        self.forgot_per_ip = parse(settings.rate_limit_forgot_per_ip)
        self.forgot_per_address = parse(settings.rate_limit_forgot_per_address)
        self.verify_email_per_account = parse(settings.rate_limit_verify_email_per_account)
        self.mfa_per_ip = parse(settings.rate_limit_mfa_per_ip)
        self.lockout = Lockout(self.storage, settings)

    async def _retry_after(self, item: RateLimitItem, *keys: str) -> int:
        stats = await self._limiter.get_window_stats(item, *keys)
        return int(stats.reset_time - time.time()) + 1

    async def hit(self, item: RateLimitItem, *keys: str) -> None:
        """Count one request against `item` for `keys`; raise RateLimited when over."""
        if not self.enabled:
            return
        if not await guarded(lambda: self._limiter.hit(item, *keys)):
            raise RateLimited(await guarded(lambda: self._retry_after(item, *keys)))

    async def login(self, ip: str | None, login: str) -> None:
        """A login attempt (`/auth/login`, `/auth/token`, `/login`): every attempt counts."""
        await self.hit(self.login_per_ip, "login-ip", ip or "unknown")
        if login:
            await self.hit(self.login_per_account, "login-account", account_key(login))

    async def register(self, ip: str | None, login: str | None = None) -> None:
        await self.hit(self.register_per_ip, "register-ip", ip or "unknown")
        if login:
            await self.hit(self.register_per_account, "register-account", account_key(login))

    async def refresh(self, ip: str | None) -> None:
        await self.hit(self.refresh_per_ip, "refresh-ip", ip or "unknown")

    async def forgot_password(self, ip: str | None, email: str) -> None:
        """Counted the same for every address, known or not: a 429 reveals no account."""
        await self.hit(self.forgot_per_ip, "forgot-ip", ip or "unknown")
        await self.hit(self.forgot_per_address, "forgot-address", account_key(email))

    async def verify_email(self, user_id: int) -> None:
        await self.hit(self.verify_email_per_account, "verify-email", str(user_id))

    async def mfa(self, ip: str | None) -> None:
        await self.hit(self.mfa_per_ip, "mfa-ip", ip or "unknown")

    def _basic_budget(self, ip: str | None, login: str) -> list[tuple[RateLimitItem, str, str]]:
        return [
            (self.login_per_ip, "basic-fail-ip", ip or "unknown"),
            (self.login_per_account, "basic-fail-account", account_key(login)),
        ]

    async def reserve_failure(self, ip: str | None, login: str) -> None:
        """Before a password is verified: take one slot of the IP's and of the login's
        failure budget, or raise RateLimited when either is spent.

        Taken first and atomically, so a burst of concurrent guesses cannot all pass a check
        before any failure is counted; a password that proves right hands its slots back
        (`refund_failure`), so successes never count."""
        if not self.enabled:
            return
        taken: list[tuple[RateLimitItem, str, str]] = []
        for slot in self._basic_budget(ip, login):
            allowed = await guarded(partial(self._budget.hit, *slot))
            taken.append(slot)
            if not allowed:
                await self._hand_back(taken)
                stats = await guarded(partial(self._budget.get_window_stats, *slot))
                raise RateLimited(int(stats.reset_time - time.time()) + 1)

    async def refund_failure(self, ip: str | None, login: str) -> None:
        """The slots `reserve_failure` took, back: the password was right."""
        if self.enabled:
            await self._hand_back(self._basic_budget(ip, login))

    async def _hand_back(self, slots: list[tuple[RateLimitItem, str, str]]) -> None:
        for slot in slots:
            await guarded(partial(self._budget.hit, *slot, cost=-1))

    async def forget_account(self, *logins: str) -> None:
        """Clear the per-login budgets of these logins (an operator unlocking an account)."""
        for login in logins:
            key = account_key(login)
            await guarded(
                partial(self._limiter.clear, self.login_per_account, "login-account", key)
            )
            await guarded(
                partial(self._budget.clear, self.login_per_account, "basic-fail-account", key)
            )

    async def close(self) -> None:
        """Close the Redis connections, if any (the memory store holds none)."""
        client = getattr(getattr(self.storage, "bridge", None), "storage", None)
        if client is not None and hasattr(client, "aclose"):
            await client.aclose()
            # The pool was handed to the client (rate_storage.py), so the client leaves it open.
            await client.connection_pool.disconnect()

    async def reset(self) -> None:
        """Forget every counter (tests). The memory store's expiry task is stopped first: it
        would trip over the keys that vanish under it."""
        timer = getattr(self.storage, "timer", None)
        if isinstance(timer, asyncio.Task) and not timer.done():
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
        await self.storage.reset()

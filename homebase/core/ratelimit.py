"""Rate limits with the `limits` library: in memory, or in Redis shared by every worker."""

from __future__ import annotations

import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from homebase.core.config import Settings
from homebase.core.errors import RateLimited


def _storage(settings: Settings) -> Storage:
    if not settings.redis_url:
        return MemoryStorage()
    uri = "async+" + settings.redis_url
    storage = storage_from_string(uri, implementation="redispy", key_prefix="homebase:limits")
    assert isinstance(storage, Storage)
    return storage


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limit_enabled
        self.storage = _storage(settings)
        self._limiter = MovingWindowRateLimiter(self.storage)
        self.login_per_ip = parse(settings.rate_limit_login_per_ip)
        self.login_per_account = parse(settings.rate_limit_login_per_account)
        self.register_per_ip = parse(settings.rate_limit_register_per_ip)

    async def hit(self, item: RateLimitItem, *keys: str) -> None:
        """Count one request against `item` for `keys`; raise RateLimited when over."""
        if not self.enabled:
            return
        if not await self._limiter.hit(item, *keys):
            stats = await self._limiter.get_window_stats(item, *keys)
            raise RateLimited(int(stats.reset_time - time.time()) + 1)

    async def login(self, ip: str | None, login: str) -> None:
        await self.hit(self.login_per_ip, "login-ip", ip or "unknown")
        if login:
            await self.hit(self.login_per_account, "login-account", login.lower())

    async def register(self, ip: str | None) -> None:
        await self.hit(self.register_per_ip, "register-ip", ip or "unknown")

    async def reset(self) -> None:
        await self.storage.reset()

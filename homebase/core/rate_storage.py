"""The storage behind rate limits and lockouts: memory, or Redis shared by every worker."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from limits.aio.storage import MemoryStorage, Storage
from limits.errors import StorageError
from limits.storage import storage_from_string

from homebase.core.config import Settings
from homebase.core.errors import ServiceUnavailable

logger = logging.getLogger("homebase.ratelimit")
T = TypeVar("T")


def create_storage(settings: Settings) -> Storage:
    if not settings.redis_url:
        return MemoryStorage()
    # Imported only when configured: redis-py is 6 MB of every worker's memory.
    from redis.asyncio import BlockingConnectionPool

    # redis-py's default pool refuses a request the moment its 100 connections are busy: a
    # burst of logins would be a 503. A sized pool that waits briefly absorbs the burst.
    pool = BlockingConnectionPool.from_url(
        settings.redis_url,
        max_connections=settings.redis_max_connections,
        timeout=settings.redis_pool_timeout,
    )
    options: dict[str, Any] = {"connection_pool": pool}  # typed by limits as scalars only
    storage = storage_from_string(
        "async+" + settings.redis_url,
        implementation="redispy",
        key_prefix=f"{settings.rate_limit_key_prefix}:limits",
        wrap_exceptions=True,
        **options,
    )
    assert isinstance(storage, Storage)
    return storage


def account_key(login: str) -> str:
    """A login as a storage key: bounded in size, and no email address kept in Redis."""
    digest = hashlib.sha256(login.strip().lower().encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


async def guarded(call: Callable[[], Awaitable[T]]) -> T:
    """Run a storage call; an unreachable Redis is a 503 (fail closed), never a 500."""
    try:
        return await call()
    except StorageError as exc:
        logger.warning("rate limit storage unavailable: %s", type(exc.storage_error).__name__)
        raise ServiceUnavailable() from exc

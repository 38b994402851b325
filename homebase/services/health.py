"""Dependency checks behind `/health` and `/health/ready`, each bounded in time."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

# Below a Kubernetes probe's timeout (docs/deploying.md uses 3 s), so that a dead dependency
# is reported as such instead of the probe timing out.
CHECK_TIMEOUT = 2.0
OK = "ok"
UNAVAILABLE = "unavailable"


async def database_ok(engine: AsyncEngine) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


async def redis_ok(url: str) -> bool:
    from redis.asyncio import Redis  # only with Redis configured (6 MB of a worker's memory)

    client = Redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT)
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            return bool(await client.ping())
    except Exception:
        return False
    finally:
        await client.aclose()


async def readiness(engine: AsyncEngine, redis_url: str | None) -> dict[str, str]:
    """`{"database": "ok"|"unavailable", "redis": …}`; Redis only when it is configured."""
    checks = {"database": database_ok(engine)}
    if redis_url:
        checks["redis"] = redis_ok(redis_url)
    results = await asyncio.gather(*checks.values())
    return {name: OK if up else UNAVAILABLE for name, up in zip(checks, results, strict=True)}

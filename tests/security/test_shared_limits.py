"""With HOMEBASE_REDIS_URL the counters live in Redis and hold across every worker."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
import pytest

from tests.factories import DEFAULT_PASSWORD, Factory
from tests.security.conftest import AppBuilder, BuiltApp
from tests.security.servers import running_server, server_env
from tests.support import REDIS_URL


def unique_prefix() -> str:
    return f"homebase-test-{uuid.uuid4().hex[:12]}"


async def test_two_apps_share_the_lock_through_redis(
    build_app: AppBuilder, factory: Factory
) -> None:
    settings = {
        "redis_url": REDIS_URL,
        "rate_limit_key_prefix": unique_prefix(),
        "rate_limit_login_per_ip": "1000/minute",
        "rate_limit_login_per_account": "1000/minute",
        "lockout_threshold": 2,
        "lockout_duration": 60,
    }
    first, second = await build_app(**settings), await build_app(**settings)
    await factory.user(email="shared@example.com")
    wrong = {"login": "shared@example.com", "password": "wrong-pass"}
    assert (await first.client().post("/auth/login", json=wrong)).status_code == 401
    assert (await second.client().post("/auth/login", json=wrong)).status_code == 401
    right = {"login": "shared@example.com", "password": DEFAULT_PASSWORD}
    for built in (first, second):
        response = await built.client().post("/auth/login", json=right)
        assert response.status_code == 429
        assert response.json()["code"] == "account_locked"


async def test_unreachable_redis_is_503_not_500(build_app: AppBuilder) -> None:
    built = await build_app(redis_url="redis://127.0.0.1:1/0", rate_limit_key_prefix="x")
    response = await built.client().post(
        "/auth/login", json={"login": "a@example.com", "password": "whatever-pw"}
    )
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert "Retry-After" in response.headers


@pytest.mark.slow
def test_two_server_processes_share_counters(tmp_path: Path) -> None:
    env = server_env(
        database_url=f"sqlite:///{tmp_path / 'shared.db'}",
        secret_key="shared-secret-" + "s" * 32,
        redis_url=REDIS_URL,
        rate_limit_key_prefix=unique_prefix(),
        argon2_memory_kib="64",
        argon2_time_cost="1",
        rate_limit_login_per_ip="5/minute",
        rate_limit_login_per_account="1000/minute",
        lockout_threshold="3",
        lockout_duration="60",
        log_json="false",
    )
    with running_server(env, tmp_path) as a, running_server(env, tmp_path) as b:
        registered = httpx.post(
            f"{a}/auth/register", json={"email": "two@example.com", "password": "long enough pw"}
        )
        assert registered.status_code == 201
        wrong = {"login": "two@example.com", "password": "wrong-pass"}
        for server in (a, b, a):
            assert httpx.post(f"{server}/auth/login", json=wrong).status_code == 401
        # Three failures spread over two processes lock the account in both.
        right = {"login": "two@example.com", "password": "long enough pw"}
        locked = httpx.post(f"{b}/auth/login", json=right)
        assert locked.status_code == 429 and locked.json()["code"] == "account_locked"
        # The per-IP window is shared too: hits 1-4 above, the 5th here, the 6th refused.
        other = {"login": "other@example.com", "password": "wrong-pass"}
        assert httpx.post(f"{a}/auth/login", json=other).status_code == 401
        limited = httpx.post(f"{b}/auth/login", json=other)
        assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"


async def _burst(built: BuiltApp, count: int) -> list[int]:
    """`count` refreshes at once; all but the first are refused by the Redis-held limit
    before they reach the database, so only Redis is under load."""
    http = built.client()
    body = {"refresh_token": "not-a-token"}
    responses = await asyncio.gather(*(http.post("/auth/refresh", json=body) for _ in range(count)))
    return [response.status_code for response in responses]


async def test_a_burst_beyond_the_redis_pool_waits_instead_of_503(build_app: AppBuilder) -> None:
    # More requests at once than the pool has connections (redis-py's default pool of 100
    # refused the rest at once: 503 for legitimate users).
    built = await build_app(
        redis_url=REDIS_URL,
        rate_limit_key_prefix=unique_prefix(),
        rate_limit_refresh_per_ip="1/hour",
        # Generous for a loaded test machine: the wait is for the event loop, not Redis.
        redis_pool_timeout=30,
    )
    statuses = await _burst(built, 150)
    assert sorted(set(statuses)) == [401, 429]


async def test_a_small_redis_pool_is_shared_in_turn(build_app: AppBuilder) -> None:
    built = await build_app(
        redis_url=REDIS_URL,
        rate_limit_key_prefix=unique_prefix(),
        rate_limit_refresh_per_ip="1/hour",
        redis_max_connections=3,
        redis_pool_timeout=30,
    )
    assert sorted(set(await _burst(built, 60))) == [401, 429]
    pool = built.state.limiter.storage.bridge.storage.connection_pool  # type: ignore[attr-defined]
    assert pool.max_connections == 3

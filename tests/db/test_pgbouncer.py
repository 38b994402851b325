"""Through a real PgBouncer in transaction pooling mode: concurrent requests, which land on
shared server connections, all succeed with `HOMEBASE_DB_POOLER=pgbouncer` (without it, named
prepared statements collide and reads lose theirs: 503s)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.engine import make_url

from homebase.db.session import tls_mode
from homebase.main import create_app, start
from tests.pgbouncer import PgBouncer
from tests.support import create_pg_database, drop_pg_database, make_settings

PASSWORD = "Correct horse battery 1"


@pytest.fixture
async def pooled_url(pgbouncer: PgBouncer) -> AsyncIterator[str]:
    name, url = await create_pg_database()
    try:
        yield pgbouncer.url_for(url)
    finally:
        await drop_pg_database(name)


async def test_concurrent_reads_and_writes_through_pgbouncer(pooled_url: str) -> None:
    settings = make_settings(pooled_url)
    assert settings.db_pooler == "pgbouncer"
    app = create_app(settings)
    state = app.state.homebase
    await start(state)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            account = {"email": "pool@example.com", "password": PASSWORD}
            assert (await client.post("/auth/register", json=account)).status_code == 201
            login = await client.post("/auth/login", json=account)
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

            async def create_and_list(number: int) -> tuple[int, int]:
                created = await client.post("/tasks", json={"title": f"t{number}"}, headers=headers)
                listed = await client.get("/tasks?limit=5", headers=headers)
                return created.status_code, listed.status_code

            results = await asyncio.gather(*(create_and_list(n) for n in range(40)))
            assert set(results) == {(201, 200)}
            total = await client.get("/tasks?limit=1", headers=headers)
            assert total.headers["X-Total-Count"] == "40"
    finally:
        await state.close()


@pytest.mark.parametrize(
    ("url", "mode"),
    [
        ("postgresql+asyncpg://u@127.0.0.1/db", "disable"),
        ("postgresql+asyncpg://u@localhost/db", "disable"),
        ("postgresql+asyncpg://u@[::1]/db", "disable"),
        ("postgresql+asyncpg://u@db.internal/db", "prefer"),
        ("postgresql+asyncpg://u@10.0.0.5/db", "prefer"),
        ("postgresql+asyncpg://u@db.internal/db?sslmode=verify-full", "verify-full"),
        ("postgresql+asyncpg://u@127.0.0.1/db?sslmode=require", "require"),
    ],
)
def test_tls_mode_is_explicit(url: str, mode: str) -> None:
    rest, chosen = tls_mode(make_url(url))
    assert chosen == mode
    assert "sslmode" not in rest.query


def test_unknown_sslmode_is_refused() -> None:
    with pytest.raises(ValueError, match="sslmode"):
        tls_mode(make_url("postgresql+asyncpg://u@h/db?sslmode=maybe"))

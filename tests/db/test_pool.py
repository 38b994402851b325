"""A pooled PostgreSQL connection that died while idle is replaced, not handed to a request;
SQLite keeps what a burst opened."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import httpx
import pytest

from homebase.db.session import create_engine
from homebase.main import create_app, start
from tests.support import PG_ADMIN_DSN, create_pg_database, drop_pg_database, make_settings


async def test_connection_killed_while_idle_is_replaced() -> None:
    name, url = await create_pg_database()
    app = create_app(make_settings(url))
    state = app.state.homebase
    try:
        await start(state)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.get("/health")).status_code == 200
            admin = await asyncpg.connect(PG_ADMIN_DSN)
            try:
                killed = await admin.fetchval(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = $1 AND pid <> pg_backend_pid()",
                    name,
                )
            finally:
                await admin.close()
            assert killed >= 1
            await asyncio.sleep(1.2)  # past the idle time after which a connection is pinged
            for _ in range(3):
                response = await client.get("/health")
                assert response.status_code == 200, response.text
    finally:
        await state.close()
        await drop_pg_database(name)


async def test_sqlite_keeps_the_connections_a_burst_opened(tmp_path: Path) -> None:
    """On SQLite every connection a burst opened is kept for the next one (20 at most per
    worker, as on PostgreSQL), not closed on return and opened again."""
    engine = create_engine(make_settings(f"sqlite:///{tmp_path / 'pool.db'}"))
    try:
        held = [await engine.connect() for _ in range(15)]
        for connection in held:
            await connection.close()
        assert engine.pool.checkedin() == 15  # type: ignore[attr-defined]
        more = [await engine.connect() for _ in range(20)]
        assert engine.pool.checkedout() == 20  # type: ignore[attr-defined]
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.5):
                await engine.connect()
        for connection in more:
            await connection.close()
    finally:
        await engine.dispose()

"""Test fixtures: every API test runs once on SQLite and once on PostgreSQL.

`HOMEBASE_TEST_BACKENDS=sqlite` (or `postgresql`) narrows a local run to one backend. The
PostgreSQL server is required: when it is unreachable the tests fail, they never skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from homebase.core.config import Settings
from homebase.core.state import AppState
from homebase.db.base import Base
from homebase.main import create_app, start
from tests.factories import Factory

PG_ADMIN_DSN = os.environ.get("HOMEBASE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = [
    name
    for name in os.environ.get("HOMEBASE_TEST_BACKENDS", "sqlite,postgresql").split(",")
    if name
]
REDIS_URL = os.environ.get("HOMEBASE_TEST_REDIS", "redis://127.0.0.1:6379/0")


def test_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for a test app: cheap hashing, no rate limits unless asked for."""
    values: dict[str, Any] = {
        "env": "test",
        "database_url": database_url,
        "secret_key": "test-secret-key-" + "x" * 32,
        "argon2_memory_kib": 64,
        "argon2_time_cost": 1,
        "rate_limit_enabled": False,
        "log_json": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def _create_pg_database() -> tuple[str, str]:
    name = f"homebase_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        connection = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"PostgreSQL is required for the tests and is unreachable: {exc}")
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


async def _drop_pg_database(name: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def tmp_session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("homebase")


@pytest.fixture(scope="session", params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_session_dir: Path) -> AsyncIterator[str]:
    """A fresh, empty database for this run, per backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_session_dir / 'api.db'}"
        return
    name, url = await _create_pg_database()
    try:
        yield url
    finally:
        await _drop_pg_database(name)


@pytest.fixture(scope="session")
async def app(database_url: str) -> AsyncIterator[FastAPI]:
    application = create_app(test_settings(database_url))
    state: AppState = application.state.homebase
    await start(state)
    try:
        yield application
    finally:
        await state.close()


@pytest.fixture(scope="session")
def state(app: FastAPI) -> AppState:
    result: AppState = app.state.homebase
    return result


@pytest.fixture(autouse=True)
async def _clean_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Empty every table after each test that used the shared app."""
    if "state" not in request.fixturenames and "app" not in request.fixturenames:
        yield
        return
    state: AppState = request.getfixturevalue("state")
    yield
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    async with state.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            quoted = ", ".join(f'"{name}"' for name in tables)
            await connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                await connection.execute(text(f'DELETE FROM "{name}"'))  # noqa: S608
    await state.limiter.reset()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
def factory(state: AppState) -> Factory:
    return Factory(state)


@pytest.fixture
def anyio_backend() -> Iterator[str]:
    yield "asyncio"

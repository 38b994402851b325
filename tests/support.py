"""Helpers shared by the fixtures and by tests that build their own app or database."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event

from homebase.app_state import AppState
from homebase.core.config import Settings

PG_ADMIN_DSN = os.environ.get("HOMEBASE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = [
    name
    for name in os.environ.get("HOMEBASE_TEST_BACKENDS", "sqlite,postgresql").split(",")
    if name
]
# The API suite also runs through PgBouncer (tests/api/conftest.py) wherever PostgreSQL runs.
API_BACKENDS = BACKENDS + (
    ["pgbouncer"] if "postgresql" in BACKENDS and "pgbouncer" not in BACKENDS else []
)
# Databases reached through PgBouncer: their settings say so (`make_settings`).
POOLED_URLS: set[str] = set()
REDIS_URL = os.environ.get("HOMEBASE_TEST_REDIS", "redis://127.0.0.1:6379/0")


def make_settings(database_url: str, **overrides: Any) -> Settings:
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
    if database_url in POOLED_URLS:
        values["db_pooler"] = "pgbouncer"
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def create_pg_database() -> tuple[str, str]:
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


async def drop_pg_database(name: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@asynccontextmanager
async def scratch_database(backend: str, sqlite_path: Path) -> AsyncIterator[str]:
    """The URL of a new, empty database: the SQLite file `sqlite_path` for "sqlite", else a
    PostgreSQL database of its own, dropped after the block."""
    if backend == "sqlite":
        yield f"sqlite:///{sqlite_path}"
        return
    name, url = await create_pg_database()
    try:
        yield url
    finally:
        await drop_pg_database(name)


@contextmanager
def executed(state: AppState) -> Iterator[list[str]]:
    """The SQL the app runs while the block runs (the read engine is the engine with
    options: its statements reach the engine's events)."""
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    engine = state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)

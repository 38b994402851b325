"""A database made by the previous release (no recorded revision) is adopted and upgraded
with every row intact, on both backends; see tests/fixtures/previous_release/make.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from homebase.db.base import Base
from homebase.db.migrate import head_revision, include_for
from homebase.db.session import async_url
from homebase.main import create_app, start
from tests.fixtures.previous_release.rows import snapshot
from tests.support import BACKENDS, create_pg_database, drop_pg_database, make_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "previous_release"
ALICE = {"login": "alice", "password": "looking glass 42"}


async def _restore(backend: str, tmp_path: Path) -> tuple[str, str | None]:
    """A copy of the previous release's database: (url, PostgreSQL database name)."""
    if backend == "sqlite":
        target = tmp_path / "homebase.db"
        shutil.copyfile(FIXTURES / "homebase.db", target)
        return f"sqlite:///{target}", None
    name, url = await create_pg_database()
    connection = await asyncpg.connect(url)
    try:
        await connection.execute((FIXTURES / "postgresql.sql").read_text())
    finally:
        await connection.close()
    return url, name


@pytest.fixture(params=BACKENDS)
async def previous_database(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    url, name = await _restore(request.param, tmp_path)
    try:
        yield request.param, url
    finally:
        if name is not None:
            await drop_pg_database(name)


def _state_of(connection: Connection) -> dict[str, Any]:
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "include_object": include_for(connection.dialect.name)},
    )
    return {
        "revision": context.get_current_revision(),
        "tables": set(inspect(connection).get_table_names()),
        "diff": list(compare_metadata(context, Base.metadata)),
        "rows": snapshot(connection, Base.metadata),
    }


async def _inspect(url: str) -> dict[str, Any]:
    engine = create_async_engine(async_url(url), poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            result: dict[str, Any] = await connection.run_sync(_state_of)
            return result
    finally:
        await engine.dispose()


async def test_fixture_is_an_unversioned_database_with_data(
    previous_database: tuple[str, str],
) -> None:
    _backend, url = previous_database
    engine = create_async_engine(async_url(url), poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    assert "alembic_version" not in tables
    assert {"user", "task", "contact", "auth_session", "refresh_token", "audit_event"} <= set(
        tables
    )


async def test_start_up_adopts_and_upgrades_with_every_row(
    previous_database: tuple[str, str],
) -> None:
    backend, url = previous_database
    settings = make_settings(url)
    app = create_app(settings)
    await start(app.state.homebase)
    try:
        found = await _inspect(url)
        assert found["revision"] == head_revision(settings)
        assert found["diff"] == []
        expected = json.loads((FIXTURES / f"{backend}.json").read_text())
        for table, rows in expected.items():
            assert rows, table  # the fixture holds data in every table
            now = found["rows"][table]
            assert len(now) == len(rows), table
            kept = [{key: row[key] for key in old} for row, old in zip(now, rows, strict=True)]
            assert kept == rows, table

        # The data is usable: the old password hash verifies, the tasks are there.
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            login = await http.post("/auth/login", json=ALICE)
            assert login.status_code == 200, login.text
            token = login.json()["access_token"]
            tasks = await http.get("/tasks", headers={"Authorization": f"Bearer {token}"})
        assert sorted(task["title"] for task in tasks.json()) == [
            "Done already",
            "Write report",
            "Купить молоко",
        ]
    finally:
        await app.state.homebase.close()


async def test_a_second_start_up_changes_nothing(previous_database: tuple[str, str]) -> None:
    _backend, url = previous_database
    for _ in range(2):
        state = create_app(make_settings(url)).state.homebase
        try:
            await start(state)
        finally:
            await state.close()
    found = await _inspect(url)
    assert found["revision"] == head_revision(make_settings(url))
    assert found["diff"] == []

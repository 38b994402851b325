"""Migration 0005: every integer id becomes AUTOINCREMENT on SQLite, keeping every row,
index and constraint; a deleted id is never handed out again. A no-op on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from homebase.db.migrate import alembic_config, upgrade
from homebase.db.session import async_url
from tests.support import make_settings

TABLES = ("user", "task", "contact", "audit_event", "refresh_token")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def _seed(connection: AsyncConnection) -> None:
    await connection.execute(
        text(
            'INSERT INTO "user" (id, name, email, password_hash, is_admin, is_active,'
            " created_at, updated_at) VALUES"
            " (1, 'a', 'a@example.com', 'x', false, true, :now, :now),"
            " (2, 'b', 'b@example.com', 'x', false, true, :now, :now)"
        ),
        {"now": NOW},
    )
    await connection.execute(
        text(
            "INSERT INTO task (id, title, status, user_id, version, search_text, created_at,"
            " updated_at) VALUES (1, 'one', 'new', 1, 1, 'one', :now, :now),"
            " (2, 'two', 'done', 1, 3, 'two', :now, :now)"
        ),
        {"now": NOW},
    )
    await connection.execute(
        text(
            "INSERT INTO contact (id, first_name, last_name, email, search_text, user_id,"
            " version, created_at, updated_at)"
            " VALUES (1, 'Ada', 'L', 'ada@example.com', 'ada l', 2, 1, :now, :now)"
        ),
        {"now": NOW},
    )
    if connection.dialect.name == "postgresql":  # as if the rows had taken serial values
        for table, last in (("user", 2), ("task", 2), ("contact", 1)):
            await connection.execute(
                text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), {last})")
            )


async def _rows(connection: AsyncConnection) -> dict[str, list[tuple[object, ...]]]:
    queries = {
        "user": 'SELECT id, email FROM "user" ORDER BY id',
        "task": "SELECT id, title, status, version, user_id FROM task ORDER BY id",
        "contact": "SELECT id, email, user_id FROM contact ORDER BY id",
    }
    return {
        name: [tuple(row) for row in (await connection.execute(text(query))).all()]
        for name, query in queries.items()
    }


async def _schema(connection: AsyncConnection) -> dict[str, str]:
    rows = await connection.execute(
        text("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
    )
    return {name: sql for name, sql in rows.all()}


async def test_upgrade_keeps_rows_and_never_reuses_an_id(migration_database_url: str) -> None:
    settings = make_settings(migration_database_url)
    await asyncio.to_thread(upgrade, settings, "0004_task_keyset_indexes")
    engine = create_async_engine(async_url(migration_database_url), poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await _seed(connection)
            before = await _rows(connection)
            sqlite = connection.dialect.name == "sqlite"
            schema_before = await _schema(connection) if sqlite else {}

        await asyncio.to_thread(upgrade, settings, "0005_ids_never_reused")
        async with engine.begin() as connection:
            assert await _rows(connection) == before
            if sqlite:
                schema = await _schema(connection)
                for table in TABLES:
                    assert "AUTOINCREMENT" in schema[table], table
                assert "CHECK (status IN ('new', 'in_progress', 'done'))" in schema["task"]
                indexes = {name for name in schema_before if name.startswith(("ix_", "uq_"))}
                assert indexes <= set(schema)
                assert (
                    "FOREIGN KEY(user_id) REFERENCES user (id) ON DELETE CASCADE"
                    in (schema["task"])
                )
            # The newest task goes; the next one must not get its id back.
            await connection.execute(text("DELETE FROM task WHERE id = 2"))
            await connection.execute(
                text(
                    "INSERT INTO task (title, status, user_id, version, search_text,"
                    " created_at, updated_at) VALUES ('new', 'new', 1, 1, 'new', :now, :now)"
                ),
                {"now": NOW},
            )
            new_id = (await connection.execute(text("SELECT max(id) FROM task"))).scalar()
        assert new_id == 3

        await asyncio.to_thread(
            command.downgrade, alembic_config(settings), "0004_task_keyset_indexes"
        )
        async with engine.connect() as connection:
            assert (await _rows(connection))["user"] == before["user"]
            if sqlite:
                assert "AUTOINCREMENT" not in (await _schema(connection))["task"]
    finally:
        await engine.dispose()

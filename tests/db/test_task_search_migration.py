"""Migration 0002 fills the case-folded search column of existing tasks, and reverts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from homebase.db.migrate import alembic_config, upgrade
from homebase.db.session import async_url
from tests.support import make_settings


async def test_search_text_is_backfilled_and_removed_on_downgrade(
    migration_database_url: str,
) -> None:
    settings = make_settings(migration_database_url)
    await asyncio.to_thread(upgrade, settings, "0001")
    engine = create_async_engine(async_url(migration_database_url), poolclass=NullPool)
    # Explicit timestamps: 0001's now() server default is PostgreSQL-only.
    now = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    'INSERT INTO "user" (id, name, email, password_hash, is_admin, is_active,'
                    " created_at, updated_at)"
                    " VALUES (1, 'u', 'u@example.com', 'x', false, true, :now, :now)"
                ),
                {"now": now},
            )
            await connection.execute(
                text(
                    "INSERT INTO task (id, title, description, status, user_id, version,"
                    " created_at, updated_at)"
                    " VALUES (1, 'Купить Молоко', 'СРОЧНО', 'new', 1, 1, :now, :now),"
                    " (2, 'No description', NULL, 'done', 1, 1, :now, :now)"
                ),
                {"now": now},
            )

        await asyncio.to_thread(upgrade, settings)
        async with engine.connect() as connection:
            rows = (
                await connection.execute(text("SELECT id, search_text FROM task ORDER BY id"))
            ).all()
        assert [tuple(row) for row in rows] == [
            (1, "купить молоко\nсрочно"),
            (2, "no description\n"),
        ]

        await asyncio.to_thread(command.downgrade, alembic_config(settings), "0001")
        async with engine.connect() as connection:
            columns = await connection.run_sync(
                lambda sync: {column["name"] for column in inspect(sync).get_columns("task")}
            )
            count = await connection.scalar(text("SELECT count(*) FROM task"))
        assert "search_text" not in columns
        assert count == 2
    finally:
        await engine.dispose()

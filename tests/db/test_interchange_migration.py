"""Migration 0007 gives existing contacts and tasks a UID and a resource name, and reverts."""

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


async def test_uids_are_backfilled_unique_and_removed_on_downgrade(
    migration_database_url: str,
) -> None:
    settings = make_settings(migration_database_url)
    await asyncio.to_thread(upgrade, settings, "0004_task_keyset_indexes")
    engine = create_async_engine(async_url(migration_database_url), poolclass=NullPool)
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
            for number in (1, 2):
                await connection.execute(
                    text(
                        "INSERT INTO contact (id, first_name, last_name, email, search_text,"
                        " user_id, version, created_at, updated_at)"
                        " VALUES (:id, 'A', 'B', :email, '', 1, 1, :now, :now)"
                    ),
                    {"id": number, "email": f"c{number}@example.com", "now": now},
                )
                await connection.execute(
                    text(
                        "INSERT INTO task (id, title, status, search_text, user_id, version,"
                        " created_at, updated_at) VALUES (:id, 't', 'new', 't', 1, 1, :now, :now)"
                    ),
                    {"id": number, "now": now},
                )

        await asyncio.to_thread(upgrade, settings)
        async with engine.connect() as connection:
            for table, extension in (("contact", "vcf"), ("task", "ics")):
                rows = (await connection.execute(text(f"SELECT uid, href FROM {table}"))).all()  # noqa: S608
                assert len({uid for uid, _ in rows}) == 2
                assert all(href == f"{uid}.{extension}" for uid, href in rows)

        await asyncio.to_thread(
            command.downgrade, alembic_config(settings), "0004_task_keyset_indexes"
        )
        async with engine.connect() as connection:
            columns = await connection.run_sync(
                lambda sync: {column["name"] for column in inspect(sync).get_columns("contact")}
            )
        assert not {"uid", "href", "card"} & columns
    finally:
        await engine.dispose()

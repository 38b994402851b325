"""The Alembic migrations and the models describe the same schema, on both backends."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from homebase.db.base import Base
from homebase.db.migrate import include_for, upgrade
from homebase.db.session import async_url
from tests.support import make_settings


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "compare_server_default": False,
            "include_object": include_for(connection.dialect.name),
        },
    )
    return list(compare_metadata(context, Base.metadata))


async def test_migrated_schema_matches_models(migration_database_url: str) -> None:
    settings = make_settings(migration_database_url)
    await asyncio.to_thread(upgrade, settings)
    engine = create_async_engine(async_url(migration_database_url), poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(_diff)
    finally:
        await engine.dispose()
    assert diff == []

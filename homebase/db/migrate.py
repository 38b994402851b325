"""Alembic, configured from the package so that `homebase migrate` works from any folder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine

from homebase.core.config import Settings


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", "homebase:migrations")
    config.attributes["database_url"] = settings.database_url
    config.attributes["settings"] = settings
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings), revision)


def include_for(dialect_name: str) -> Callable[..., bool]:
    """An Alembic `include_object` hook that leaves out what the models build only on other
    backends (`.ddl_if(dialect=...)`), which autogenerate would otherwise report as missing."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        condition = getattr(obj, "_ddl_if", None)
        if condition is None or condition.dialect is None:
            return True
        dialects = (condition.dialect,) if isinstance(condition.dialect, str) else condition.dialect
        return dialect_name in dialects

    return include


async def create_all(engine: AsyncEngine, metadata: MetaData) -> None:
    """Create every missing table of `metadata` (the caller imports the models first)."""
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)

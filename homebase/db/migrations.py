"""Alembic, configured from the package so that `homebase migrate` works from any folder."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from homebase.core.config import Settings


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", "homebase:migrations")
    config.attributes["database_url"] = settings.database_url
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings), revision)

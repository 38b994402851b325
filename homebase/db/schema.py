"""Schema creation at start-up (the embedded default needs no migration step)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

import homebase.models  # noqa: F401 - registers every table on Base.metadata
from homebase.db.base import Base


async def create_all(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)

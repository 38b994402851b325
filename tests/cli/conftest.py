from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.app_state import AppState
from homebase.core.config import Settings

T = TypeVar("T")


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the CLI (which reads its settings from the environment) at a fresh SQLite file."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.chdir(tmp_path)  # no stray .env file
    for name, value in {
        "HOMEBASE_DATABASE_URL": url,
        "HOMEBASE_SECRET_KEY": "cli-test-secret-" + "x" * 32,
        "HOMEBASE_ARGON2_MEMORY_KIB": "64",
        "HOMEBASE_ARGON2_TIME_COST": "1",
        "HOMEBASE_LOG_JSON": "false",
    }.items():
        monkeypatch.setenv(name, value)
    return url


def in_database(work: Callable[[AppState, AsyncSession], Awaitable[T]]) -> T:
    """Run `work` against the database the CLI uses (settings from the same environment)."""

    async def run() -> T:
        state = AppState.build(Settings())
        try:
            async with state.sessionmaker() as session:
                result = await work(state, session)
                await session.commit()
                return result
        finally:
            await state.close()

    return asyncio.run(run())

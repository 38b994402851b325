"""The SQLite database holds password hashes: it and its -wal/-shm files are owner-only."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from homebase.db.session import create_engine
from tests.support import make_settings


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The common 022 umask, under which a plainly created file is world-readable."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


async def test_database_and_its_wal_files_are_created_0600(
    tmp_path: Path, usual_umask: None
) -> None:
    path = tmp_path / "homebase.db"
    engine = create_engine(make_settings(f"sqlite:///{path}"))
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (x INTEGER)"))
            await connection.execute(text("INSERT INTO t VALUES (1)"))
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        async with engine.connect() as connection:  # the WAL files exist while it is open
            await connection.execute(text("SELECT x FROM t"))
            modes = {file.name: stat.S_IMODE(file.stat().st_mode) for file in files}
    finally:
        await engine.dispose()
    assert modes == {file.name: 0o600 for file in files}


async def test_an_existing_database_keeps_its_mode(tmp_path: Path, usual_umask: None) -> None:
    # An operator's choice (a group that backs it up) is not overridden.
    path = tmp_path / "shared.db"
    path.touch(mode=0o640)
    path.chmod(0o640)
    engine = create_engine(make_settings(f"sqlite:///{path}"))
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640

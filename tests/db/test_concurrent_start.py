"""Several processes starting at once on one fresh database: one migrates, the others wait for
the lock and find the work done; while another process holds the lock, nobody migrates."""

from __future__ import annotations

import asyncio
import fcntl
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from homebase.db.migrate import head_revision
from homebase.db.migration_lock import ADVISORY_LOCK_KEY, lock_file
from homebase.db.session import async_url
from tests.support import make_settings

PROCESSES = 4
START = "import asyncio, homebase.main as m; asyncio.run(m.start(m.AppState.build(m.Settings())))"


def _start_processes(url: str, cwd: Path) -> list[subprocess.Popen[str]]:
    environment = {
        **os.environ,
        "HOMEBASE_DATABASE_URL": url,
        "HOMEBASE_SECRET_KEY": "concurrent-start-" + "x" * 32,
        "HOMEBASE_LOG_JSON": "false",
    }
    return [
        subprocess.Popen(
            [sys.executable, "-c", START],
            cwd=cwd,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(PROCESSES)
    ]


def _finish(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, output


async def _versions(url: str) -> list[str] | None:
    engine = create_async_engine(async_url(url), poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            if "alembic_version" not in tables:
                return None
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            return [row[0] for row in rows]
    finally:
        await engine.dispose()


async def test_processes_starting_together_migrate_once(
    migration_database_url: str, tmp_path: Path
) -> None:
    _finish(_start_processes(migration_database_url, tmp_path))
    assert await _versions(migration_database_url) == [
        head_revision(make_settings(migration_database_url))
    ]


async def test_start_up_waits_for_the_migration_lock(
    migration_database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(migration_database_url)
    holder = None
    descriptor = None
    if settings.is_sqlite:
        path = lock_file(settings)
        assert path is not None
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    else:
        holder = await asyncpg.connect(migration_database_url)
        await holder.execute("SELECT pg_advisory_lock($1)", ADVISORY_LOCK_KEY)
    processes = _start_processes(migration_database_url, tmp_path)
    try:
        # Not a timing assertion: whatever the delay, none may have migrated under our lock.
        await asyncio.sleep(3)
        assert all(process.poll() is None for process in processes)
        assert await _versions(migration_database_url) is None
    finally:
        if descriptor is not None:
            os.close(descriptor)
        if holder is not None:
            await holder.close()
    _finish(processes)
    assert await _versions(migration_database_url) == [head_revision(settings)]

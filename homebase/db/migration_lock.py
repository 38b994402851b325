"""One migrator at a time: the workers and replicas that start together never race.

PostgreSQL: a transaction-level advisory lock taken first in the migration's transaction and
dropped by its commit or rollback (or by the server if the connection dies); transaction-level,
so that it holds through PgBouncer's transaction pooling too. SQLite: an exclusive `flock` on a
file next to the database (the database file itself cannot serve: SQLite takes its own locks on
it), which the kernel drops with the process.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from homebase.core.config import Settings

# pg_advisory_lock takes a 64-bit key, scoped to the current database. This one is
# int.from_bytes(b"homebase", "big") >> 1: fixed, so that every release takes the same lock.
ADVISORY_LOCK_KEY = 3_762_676_892_284_533_170
LOCK_SUFFIX = ".migrate-lock"


def lock_file(settings: Settings) -> Path | None:
    """The file that serialises migrations of a SQLite database (None: in memory)."""
    database = settings.sqlite_path
    return None if database is None else database.with_name(database.name + LOCK_SUFFIX)


@asynccontextmanager
async def _file_lock(path: Path | None) -> AsyncIterator[None]:
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        # In a thread: the wait for another process's migration must not stop the event loop.
        await asyncio.to_thread(fcntl.flock, descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def lock_transaction(connection: Connection) -> None:
    """On PostgreSQL, wait until no other transaction migrates (call first in the transaction)."""
    if connection.dialect.name == "postgresql":
        statement = text("SELECT pg_advisory_xact_lock(:key)")
        connection.execute(statement, {"key": ADVISORY_LOCK_KEY})


@asynccontextmanager
async def locked_connection(
    engine: AsyncEngine, settings: Settings
) -> AsyncIterator[AsyncConnection]:
    """A connection to the database; on SQLite, held while no other process migrates it
    (on PostgreSQL the transaction takes the lock: `lock_transaction`)."""
    path = lock_file(settings) if settings.is_sqlite else None
    async with _file_lock(path), engine.connect() as connection:
        yield connection

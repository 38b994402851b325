"""Engine and session factory. The request's session dependency owns the transaction."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from sqlalchemy import Dialect, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

from homebase.core.config import Settings
from homebase.core.errors import AppError
from homebase.db import sqlite_driver

ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}


def async_url(database_url: str) -> URL:
    """Turn a plain `sqlite:///…` or `postgresql://…` URL into one with an async driver."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if url.drivername in ASYNC_DRIVERS:
        url = url.set(drivername=ASYNC_DRIVERS[url.drivername])
    elif backend == "postgresql" and url.get_driver_name() in ("psycopg2", "psycopg", "pg8000"):
        url = url.set(drivername="postgresql+asyncpg")
    return url


# Execution option naming how a SQLite transaction begins; see `_sqlite_begin`.
SQLITE_BEGIN = "homebase_sqlite_begin"
# Execution options of a read that may take long (a listing, a search, a count): on SQLite it
# runs in the connection's thread instead of on the event loop (see `sqlite_driver`).
LONG_READ_OPTION = "homebase_long_read"
LONG_READ = {LONG_READ_OPTION: True}


# SQLite's page cache is per connection (2 MiB by default), and a worker's pool holds up to
# 20 connections: after a few large reads a worker kept ~40 MB of caches (RSS 141 -> 191 MB at
# the end of the bench's SQLite phase). The pages stay in the OS's page cache, shared by all
# connections and workers, so a small per-connection cache costs a copy, not a disk read.
SQLITE_CACHE_KIB = 512


def _sqlite_pragmas(
    dbapi_connection: Any, _record: ConnectionPoolEntry, *, foreign_keys: bool = True
) -> None:
    # The driver's own implicit BEGIN is turned off: `_sqlite_begin` issues it instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """How a SQLite transaction begins, after the session's declared intent.

    - `write`: `BEGIN IMMEDIATE`. A deferred transaction that reads and then writes has to
      upgrade its lock; when another connection wrote in between, SQLite answers SQLITE_BUSY
      at once, without waiting on busy_timeout. Taking the write lock at BEGIN makes
      concurrent writers queue instead.
    - `read` (a GET): no BEGIN at all. Each SELECT sees a committed state, and the rare
      single-row write such a request makes (the audit event of a failed Basic login)
      commits by itself.
    - otherwise a deferred `BEGIN`.
    """
    mode = connection.get_execution_options().get(SQLITE_BEGIN)
    if mode == "write":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif mode != "read":
        connection.exec_driver_sql("BEGIN")


def _private(path: str) -> str:
    """Create the SQLite file owner-only (0600) before SQLite does: it holds password hashes,
    and SQLite gives its -wal and -shm files the database file's permissions."""
    if path != ":memory:" and not path.startswith("file:") and not os.path.exists(path):
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    return path


async def _connect_sqlite(path: str) -> sqlite_driver.InlineConnection:
    return await sqlite_driver.connect(_private(path))


def _sqlite_long_read(
    conn: Connection, _cursor: Any, _sql: str, _params: Any, context: Any, _many: bool
) -> None:
    if context is not None and context.execution_options.get(LONG_READ_OPTION):
        conn.connection.driver_connection.mark_long_read()  # type: ignore[union-attr]


def _sqlite_engine(url: URL, *, migrations: bool = False, **options: Any) -> AsyncEngine:
    engine = create_async_engine(
        url, async_creator=partial(_connect_sqlite, url.database or ":memory:"), **options
    )
    pragmas = partial(_sqlite_pragmas, foreign_keys=not migrations)
    event.listen(engine.sync_engine, "connect", pragmas)
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    event.listen(engine.sync_engine, "before_cursor_execute", _sqlite_long_read)
    return engine


def create_engine(settings: Settings) -> AsyncEngine:
    url = async_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        # The same 20 connections at most, all kept: a SQLite connection costs no server, and
        # an overflow one is opened and closed again for each request of a burst.
        return _sqlite_engine(url, pool_size=settings.db_pool_size + 10, max_overflow=0)
    url, connect_args = postgres_connection(url, settings)
    engine = create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=10,
        pool_timeout=settings.db_connect_timeout,
        connect_args=connect_args,
    )
    dialect = engine.sync_engine.dialect
    event.listen(engine.sync_engine.pool, "checkout", partial(_ping_if_idle, dialect))
    event.listen(engine.sync_engine.pool, "checkin", _mark_used)
    return engine


def postgres_connection(url: URL, settings: Settings) -> tuple[URL, dict[str, Any]]:
    """The URL and asyncpg arguments for PostgreSQL: TLS mode, time-outs, and what PgBouncer's
    transaction pooling needs (`HOMEBASE_DB_POOLER=pgbouncer`)."""
    url, ssl = tls_mode(url)
    connect_args: dict[str, Any] = {
        "timeout": settings.db_connect_timeout,
        "command_timeout": 30,
        "ssl": ssl,
    }
    if settings.db_pooler == "pgbouncer":
        url = url.update_query_dict({"prepared_statement_cache_size": "0"})
        connect_args["statement_cache_size"] = 0
        connect_args["prepared_statement_name_func"] = _unique_statement_name
    return url, connect_args


SSL_MODES = frozenset({"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})


def tls_mode(url: URL) -> tuple[URL, str]:
    """The URL without `sslmode`, and the TLS mode to connect with.

    `?sslmode=` is honoured as libpq defines it. Without it, a server on the loopback
    interface or a Unix socket is reached in plain text (asyncpg's own default, "prefer",
    would try a TLS handshake first on every new connection), and any other host with
    "prefer", as libpq does.
    """
    mode = url.query.get("sslmode")
    if isinstance(mode, tuple):
        mode = mode[-1]
    if mode is not None:
        if mode not in SSL_MODES:
            raise ValueError(f"sslmode must be one of {', '.join(sorted(SSL_MODES))}")
        return url.difference_update_query(["sslmode"]), mode
    return url, "disable" if _is_local(url.host) else "prefer"


def _is_local(host: str | None) -> bool:
    if not host or host.startswith("/") or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _unique_statement_name() -> str:
    # Behind PgBouncer a statement may be prepared on a server connection that another
    # client used before: names must never repeat across clients.
    return f"__asyncpg_{uuid.uuid4().hex}__"


def create_migration_engine(settings: Settings) -> AsyncEngine:
    """An engine for one migration run: no pool, no statement timeout (an index build on a
    large table may take minutes) and, on SQLite, foreign keys off, as Alembic's batch mode
    rebuilds a table by dropping it, which would otherwise cascade into the rows that refer
    to it. The migration checks the keys itself before it commits."""
    url = async_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, migrations=True, poolclass=NullPool)
    url, connect_args = postgres_connection(url, settings)
    connect_args["command_timeout"] = None
    return create_async_engine(url, poolclass=NullPool, connect_args=connect_args)


# A pooled connection idle for longer than this is pinged before it is handed out, so one
# that died with a database restart is replaced instead of failing a request. SQLAlchemy's
# pool_pre_ping pings on every checkout (three round trips with asyncpg); a busy pool, whose
# connections were in use a moment ago, skips it.
PING_AFTER_IDLE_SECONDS = 1.0
_LAST_USED = "homebase_last_used"


def _mark_used(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info[_LAST_USED] = time.monotonic()


def _ping_if_idle(
    dialect: Dialect, dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any
) -> None:
    if time.monotonic() - record.info.get(_LAST_USED, 0.0) <= PING_AFTER_IDLE_SECONDS:
        return
    try:
        dialect.do_ping(dbapi_connection)
    except Exception as exc:
        # The pool discards this connection and checks out (or opens) another.
        raise DisconnectionError() from exc


def bind_for(
    engine: AsyncEngine, intent: str | None, *, autocommit_reads: bool = True
) -> AsyncEngine:
    """`engine` with the options of `intent`: "read" runs each statement on its own
    (autocommit), as a GET reads and at most writes one audit row; "write" begins, on SQLite,
    with the write lock (see `_sqlite_begin`). Behind PgBouncer (`autocommit_reads=False`)
    reads keep their transaction: asyncpg prepares and executes in two steps, which
    PgBouncer's transaction mode may send to two different server connections unless a
    transaction holds them."""
    if intent is not None and engine.dialect.name == "sqlite":
        return engine.execution_options(**{SQLITE_BEGIN: intent})
    if intent == "read" and autocommit_reads:
        # A GET needs no transaction: without BEGIN and COMMIT it costs two round trips less.
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


def create_sessionmaker(
    engine: AsyncEngine, intent: str | None = None, *, autocommit_reads: bool = True
) -> async_sessionmaker[AsyncSession]:
    """Sessions on `engine`, bound as `bind_for` says."""
    bind = bind_for(engine, intent, autocommit_reads=autocommit_reads)
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Yield a session; commit if the work succeeded (or the error says to keep it)."""
    async with factory() as session:
        try:
            yield session
        except AppError as exc:
            if exc.keeps_changes:
                await session.commit()
            else:
                await session.rollback()
            raise
        except BaseException:
            await session.rollback()
            raise
        await session.commit()

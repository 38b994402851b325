"""An aiosqlite-compatible connection that reads on the event loop and writes in a thread.

aiosqlite runs every call (cursor, execute, fetch, close, commit) in the connection's own thread
and hands the result back to the event loop: four or more thread hops per statement, which cost
more than the statement itself when it is a point read served from SQLite's page cache.

In WAL mode a reader never waits for a lock (writers append to the WAL; readers keep reading
their snapshot), so a SELECT is pure CPU work of a few microseconds: it runs inline. Anything
that may wait on the write lock or do file I/O — `BEGIN IMMEDIATE`, INSERT/UPDATE/DELETE, the
COMMIT of a transaction that wrote — runs in a worker thread, one hop per statement, so the
event loop keeps serving other requests while a writer queues for the lock (`busy_timeout`).

Writing transactions of one process take turns before they ask SQLite for its lock: SQLite's
busy handler retries by sleeping, which is unfair under load (with twenty connections of a
worker waiting, one could wait out `busy_timeout` and fail while later ones got through).
A first-come, first-served gate per event loop queues them instead, so at most one writer
per process waits on SQLite, and only for the other processes' writers.

A read that may take long (a listing, a search: SQLAlchemy execution option `LONG_READ`)
runs in that thread too, fetch included, so one slow search never stalls the requests beside
it; the short reads by id stay inline.

SQLAlchemy's aiosqlite dialect drives it unchanged, through `async_creator`.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import weakref
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")

# Statements that neither write nor wait for a lock in WAL mode.
_INLINE_PREFIXES = ("SELECT", "WITH", "PRAGMA", "BEGIN", "BEGIN DEFERRED", "ROLLBACK", "SAVEPOINT")
_WAITING_PREFIXES = ("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE")
# A common table expression may lead a write (`WITH … INSERT/UPDATE/DELETE`). Any of these
# words in it sends it to the thread: a read mistaken for a write only costs a thread hop,
# a write mistaken for a read would block the event loop on the write lock.
_WRITE_WORD = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


# One gate per event loop (an asyncio.Lock belongs to one loop; tests run several).
_GATES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _gate() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    gate = _GATES.get(loop)
    if gate is None:
        gate = _GATES[loop] = asyncio.Lock()
    return gate


def _begins_writing(sql: str) -> bool:
    return sql.lstrip()[:20].upper().startswith(_WAITING_PREFIXES)


def _runs_inline(sql: str) -> bool:
    if _begins_writing(sql):
        return False
    text = sql.lstrip()
    head = text[:20].upper()
    if head.startswith("WITH"):
        return _WRITE_WORD.search(text) is None
    return head.startswith(_INLINE_PREFIXES)


class _Queue:
    """The one private part of aiosqlite that SQLAlchemy touches (to set isolation_level)."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:
            future.set_exception(exc)


class InlineCursor:
    def __init__(self, connection: InlineConnection, cursor: sqlite3.Cursor) -> None:
        self._connection = connection
        self._cursor = cursor
        # The rows of a read run in the thread, fetched there at once.
        self._rows: list[Any] | None = None

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        args = (sql,) if parameters is None else (sql, parameters)
        self._rows = None
        if self._connection.take_long_read():
            self._rows = await self._connection.read_in_thread(self._execute_and_fetch, *args)
        elif _begins_writing(sql):
            await self._connection.begin_writing(partial(self._cursor.execute, *args))
        elif _runs_inline(sql):
            self._cursor.execute(*args)
        else:
            await self._connection.in_thread(self._cursor.execute, *args)
        return self

    def _execute_and_fetch(self, *args: Any) -> list[Any]:
        return self._cursor.execute(*args).fetchall()

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        await self._connection.in_thread(self._cursor.executemany, sql, list(parameters))
        return self

    async def fetchone(self) -> Any:
        if self._rows is not None:
            return self._rows.pop(0) if self._rows else None
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        size = size if size is not None else self._cursor.arraysize
        if self._rows is not None:
            rows, self._rows = self._rows[:size], self._rows[size:]
            return rows
        return self._cursor.fetchmany(size)

    async def fetchall(self) -> list[Any]:
        if self._rows is not None:
            rows, self._rows = self._rows, []
            return rows
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    def __init__(self, connection: sqlite3.Connection, busy_timeout: float = 5.0) -> None:
        self._conn = connection
        self._busy_timeout = busy_timeout
        self._gate: asyncio.Lock | None = None  # held from BEGIN IMMEDIATE to its end
        self._connection: sqlite3.Connection | None = connection
        self._tx = _Queue()
        self._wrote = False
        self._long_read = False
        # A thread of its own, as aiosqlite has: in a shared pool, writers waiting for the
        # lock could take every thread and starve the one transaction that holds it.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")

    async def in_thread(self, function: Callable[..., T], *args: Any) -> T:
        self._wrote = True
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, partial(function, *args))

    async def begin_writing(self, begin: Callable[[], Any]) -> None:
        """`begin` (a BEGIN IMMEDIATE) once this process's earlier writers are done; waiting
        longer than `busy_timeout` is SQLite's own "database is locked"."""
        gate = _gate()
        try:
            await asyncio.wait_for(gate.acquire(), self._busy_timeout)
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        self._gate = gate
        try:
            await self.in_thread(begin)
        except BaseException:
            self._open_gate()
            raise

    def _open_gate(self) -> None:
        gate, self._gate = self._gate, None
        if gate is not None:
            gate.release()

    def mark_long_read(self) -> None:
        """The next statement is a read that may take long: run it in the thread."""
        self._long_read = True

    def take_long_read(self) -> bool:
        long_read, self._long_read = self._long_read, False
        return long_read

    async def read_in_thread(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, partial(function, *args))

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self, self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        try:
            if self._wrote:
                await self.in_thread(self._conn.commit)
            else:
                self._conn.commit()
        finally:
            self._wrote = False
            if not self._conn.in_transaction:
                self._open_gate()

    async def rollback(self) -> None:
        self._wrote = False
        try:
            self._conn.rollback()
        finally:
            self._open_gate()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        self._open_gate()
        if self._connection is not None:
            self._connection = None
            self._thread.shutdown(wait=True)
            self._conn.close()


async def connect(path: str, busy_timeout: float = 5.0) -> InlineConnection:
    """Open `path`; the connection moves between the loop and its thread, never at once
    (SQLAlchemy awaits each call before the next), hence check_same_thread=False."""
    connection = sqlite3.connect(
        path, timeout=busy_timeout, check_same_thread=False, isolation_level=None
    )
    return InlineConnection(connection, busy_timeout)

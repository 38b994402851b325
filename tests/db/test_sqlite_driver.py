"""The SQLite driver: reads run on the event loop, anything that may wait for the write lock
runs in the connection's own thread, and commit/rollback keep SQLite's semantics."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from homebase.db.session import LONG_READ, SQLITE_CACHE_KIB, create_engine
from homebase.db.sqlite_driver import InlineConnection, _runs_inline, connect
from tests.support import make_settings


@pytest.fixture
async def conn(tmp_path: Path) -> AsyncIterator[InlineConnection]:
    connection = await connect(str(tmp_path / "driver.db"))
    # Which thread runs a statement: SQLite calls this function where the statement runs.
    await connection.create_function("thread", 0, threading.get_ident)
    await connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, ran_in INTEGER)")
    yield connection
    await connection.close()


async def _rows(conn: InlineConnection, sql: str) -> list[tuple[int, ...]]:
    cursor = await conn.execute(sql)
    return await cursor.fetchall()


async def test_a_select_runs_on_the_event_loop(conn: InlineConnection) -> None:
    assert await _rows(conn, "SELECT thread()") == [(threading.get_ident(),)]


async def test_a_read_only_common_table_expression_runs_on_the_event_loop(
    conn: InlineConnection,
) -> None:
    rows = await _rows(conn, "WITH x(n) AS (SELECT thread()) SELECT n FROM x")
    assert rows == [(threading.get_ident(),)]


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO t (ran_in) VALUES (thread())",
        "WITH x(n) AS (SELECT thread()) INSERT INTO t (ran_in) SELECT n FROM x",
        "with x(n) as (select thread())\ninsert into t (ran_in) select n from x",
    ],
)
async def test_a_write_runs_in_the_connection_thread(conn: InlineConnection, sql: str) -> None:
    await conn.execute(sql)
    [(ran_in,)] = await _rows(conn, "SELECT ran_in FROM t")
    assert ran_in != threading.get_ident()


@pytest.mark.parametrize(
    "sql",
    [
        "WITH x(n) AS (SELECT 1) UPDATE t SET ran_in = thread() WHERE id IN (SELECT n FROM x)",
        "WITH x(n) AS (SELECT 2) DELETE FROM t WHERE id IN (SELECT n FROM x)",
    ],
)
async def test_updates_and_deletes_led_by_a_cte_are_writes(
    conn: InlineConnection, sql: str
) -> None:
    assert not _runs_inline(sql)
    await conn.execute("INSERT INTO t (id, ran_in) VALUES (1, 0), (2, 0)")
    await conn.execute(sql)
    assert await _rows(conn, "SELECT count(*) FROM t WHERE ran_in = 0") == [(1,)]


@pytest.mark.parametrize(
    ("sql", "inline"),
    [
        ("  select 1", True),
        ("PRAGMA journal_mode", True),
        ("BEGIN", True),
        ("BEGIN IMMEDIATE", False),
        ("BEGIN EXCLUSIVE", False),
        ("ROLLBACK", True),
        ("SAVEPOINT sa_1", True),
        ("UPDATE t SET ran_in = 1", False),
        ("CREATE TABLE u (id INTEGER)", False),
        ("WITH x AS (SELECT updated_at FROM t) SELECT * FROM x", True),
    ],
)
def test_what_runs_inline(sql: str, inline: bool) -> None:
    assert _runs_inline(sql) is inline


async def test_executemany_runs_in_the_thread(conn: InlineConnection) -> None:
    cursor = conn.cursor()
    await cursor.executemany("INSERT INTO t (ran_in) VALUES (thread() + ?)", [(0,), (0,)])
    rows = await _rows(conn, "SELECT DISTINCT ran_in FROM t")
    assert len(rows) == 1 and rows[0][0] != threading.get_ident()


async def test_commit_makes_a_write_visible_to_another_connection(
    conn: InlineConnection, tmp_path: Path
) -> None:
    await conn.execute("BEGIN IMMEDIATE")
    await conn.execute("INSERT INTO t (ran_in) VALUES (1)")
    other = sqlite3.connect(tmp_path / "driver.db")
    try:
        assert other.execute("SELECT count(*) FROM t").fetchone() == (0,)
        await conn.commit()
        assert other.execute("SELECT count(*) FROM t").fetchone() == (1,)
    finally:
        other.close()


async def test_rollback_discards_the_write(conn: InlineConnection) -> None:
    await conn.execute("BEGIN")
    await conn.execute("INSERT INTO t (ran_in) VALUES (1)")
    await conn.rollback()
    assert await _rows(conn, "SELECT count(*) FROM t") == [(0,)]


async def test_a_failed_write_raises_on_the_loop(conn: InlineConnection) -> None:
    await conn.execute("INSERT INTO t (id, ran_in) VALUES (1, 0)")
    with pytest.raises(sqlite3.IntegrityError):
        await conn.execute("INSERT INTO t (id, ran_in) VALUES (1, 0)")


async def test_close_stops_the_thread_and_the_connection(tmp_path: Path) -> None:
    connection = await connect(str(tmp_path / "closing.db"))
    await connection.execute("CREATE TABLE t (id INTEGER)")
    await connection.close()
    await connection.close()  # closing twice is harmless
    with pytest.raises(sqlite3.ProgrammingError):
        await connection.execute("SELECT 1")


async def test_a_long_read_runs_in_the_thread_fetch_included(conn: InlineConnection) -> None:
    # Every row calls thread(): a fetch on the loop would show the loop's thread in later rows.
    sql = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) "
        "SELECT i, thread() FROM n"
    )
    conn.mark_long_read()
    cursor = await conn.execute(sql)
    first = await cursor.fetchone()
    some = await cursor.fetchmany(9)
    rest = await cursor.fetchall()
    rows = [first, *some, *rest]
    assert [row[0] for row in rows] == list(range(1, 501))
    assert {row[1] for row in rows} != {threading.get_ident()}
    assert len({row[1] for row in rows}) == 1
    assert await cursor.fetchone() is None
    # The mark is for one statement: the next read runs on the loop again.
    assert await _rows(conn, "SELECT thread()") == [(threading.get_ident(),)]


async def test_the_long_read_option_sends_a_statement_to_the_thread(tmp_path: Path) -> None:
    engine = create_engine(make_settings(f"sqlite:///{tmp_path / 'engine.db'}"))
    try:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            await raw.driver_connection.create_function("thread", 0, threading.get_ident)
            inline = await connection.scalar(text("SELECT thread()"))
            long = await connection.scalar(text("SELECT thread()").execution_options(**LONG_READ))
        assert inline == threading.get_ident()
        assert long != threading.get_ident()
    finally:
        await engine.dispose()


async def test_writers_of_one_process_take_turns_in_arrival_order(tmp_path: Path) -> None:
    """Writers queue on the process's gate, first come first served, and each one's turn
    starts when the one before commits or rolls back."""
    path = str(tmp_path / "turns.db")
    setup = await connect(path)
    await setup.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, writer INTEGER)")
    await setup.close()
    writers = [await connect(path, busy_timeout=5.0) for _ in range(4)]
    order: list[int] = []

    async def write(n: int) -> None:
        await writers[n].execute("BEGIN IMMEDIATE")
        order.append(n)
        await writers[n].execute("INSERT INTO t (writer) VALUES (?)", (n,))
        await asyncio.sleep(0.02)
        await (writers[n].rollback() if n == 1 else writers[n].commit())

    try:
        await writers[0].execute("BEGIN IMMEDIATE")  # holds the turn
        tasks = []
        for n in (1, 2, 3):
            tasks.append(asyncio.create_task(write(n)))
            await asyncio.sleep(0.01)  # arrive in this order
        assert order == []  # all wait, none failed on SQLite's busy handler
        await writers[0].commit()
        await asyncio.gather(*tasks)
        assert order == [1, 2, 3]
        rows = await _rows(writers[0], "SELECT writer FROM t ORDER BY id")
        assert rows == [(2,), (3,)]  # the rolled-back writer's row is gone
    finally:
        for writer in writers:
            await writer.close()


async def test_a_writer_waiting_past_the_busy_timeout_is_told_the_database_is_locked(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "locked.db")
    holder, waiter = await connect(path), await connect(path, busy_timeout=0.2)
    try:
        await holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            await waiter.execute("BEGIN IMMEDIATE")
        await holder.rollback()
        await waiter.execute("BEGIN IMMEDIATE")  # the turn is free again
        await waiter.rollback()
    finally:
        await holder.close()
        await waiter.close()


async def test_closing_a_writer_ends_its_turn(tmp_path: Path) -> None:
    path = str(tmp_path / "closed.db")
    holder, waiter = await connect(path), await connect(path, busy_timeout=1.0)
    try:
        await holder.execute("BEGIN IMMEDIATE")
        await holder.close()
        await waiter.execute("BEGIN IMMEDIATE")
        await waiter.rollback()
    finally:
        await waiter.close()


async def test_every_pooled_connection_keeps_a_small_page_cache(tmp_path: Path) -> None:
    """SQLite's page cache is per connection: with SQLite's 2 MiB default, a worker whose
    pool held 20 connections kept ~40 MB of caches after large reads."""
    engine = create_engine(make_settings(f"sqlite:///{tmp_path / 'cache.db'}"))
    try:
        async with engine.connect() as first, engine.connect() as second:
            for connection in (first, second):
                size = await connection.scalar(text("PRAGMA cache_size"))
                assert size == -SQLITE_CACHE_KIB
        assert SQLITE_CACHE_KIB <= 1024
    finally:
        await engine.dispose()

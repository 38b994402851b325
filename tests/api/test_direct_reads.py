"""db/direct.py: the hot reads by id run on the driver, with SQLAlchemy's types and errors.

Under tests/api, so it runs on SQLite, PostgreSQL and PostgreSQL through PgBouncer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Row, bindparam, event, exc, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from homebase.app_state import AppState
from homebase.db import direct
from homebase.db.base import utcnow
from homebase.db.direct import DirectSelect
from homebase.db.session import LONG_READ
from homebase.models import AppPassword, AuthSession, Contact, Task
from homebase.repositories.contacts import contacts
from homebase.repositories.tasks import tasks
from tests.api.app_password_support import issue
from tests.factories import Factory

TASK = Task.__table__
CONTACT = Contact.__table__


@contextmanager
def _driver_only() -> Iterator[None]:
    """SQLAlchemy's execution is off limits in the block: a read that fell back fails."""

    async def refuse(*_args: object, **_kw: object) -> Any:
        raise AssertionError("the direct read fell back to SQLAlchemy")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(AsyncConnection, "execute", refuse)
        yield


def _same(got: Any, want: Row[Any] | None) -> None:
    """Equal values of equal types under equal names, as SQLAlchemy's own row has them."""
    assert want is not None
    assert got is not None
    assert got._fields == want._fields
    assert tuple(got) == tuple(want)
    assert [type(value) for value in got] == [type(value) for value in want]
    assert dict(got._mapping) == dict(want._mapping)


async def _rows(state: AppState, factory: Factory, client: httpx.AsyncClient) -> dict[str, Any]:
    user = await factory.user()
    full = await client.post(
        "/tasks",
        headers=user.bearer,
        json={
            "title": "Ünïcode ✓ 'quoted'",
            "description": "line\nbreak",
            "status": "done",
            "due_date": "2028-02-29",
        },
    )
    bare = await client.post("/tasks", headers=user.bearer, json={"title": "bare"})
    card = await client.post(
        "/contacts",
        headers=user.bearer,
        json={
            "first_name": "Ада",
            "last_name": "Lovelace",
            "email": "ada@example.org",
            "birthday": "1815-12-10",
        },
    )
    assert full.status_code == bare.status_code == card.status_code == 201, card.text
    token = (await issue(client, user, ["tasks:read"]))["token"]
    return {
        "user": user,
        "task": full.json()["id"],
        "bare": bare.json()["id"],
        "contact": card.json()["id"],
        "token": token,
    }


async def test_rows_equal_sqlalchemys_own(
    state: AppState, factory: Factory, client: httpx.AsyncClient
) -> None:
    made = await _rows(state, factory, client)
    user = made["user"]
    async with state.read_engine.connect() as reader:
        secret_hash = (
            await reader.execute(select(AppPassword.__table__.c.secret_hash))
        ).scalar_one()
        session_id = (
            (
                await reader.execute(
                    select(AuthSession.__table__.c.id).where(
                        AuthSession.__table__.c.user_id == user.id
                    )
                )
            )
            .scalars()
            .first()
        )
        open_session = {"user_id": user.id, "session_id": session_id, "now": utcnow()}
        cases: list[tuple[DirectSelect, dict[str, Any]]] = [
            (tasks._row_by_id, {"id": made["task"]}),
            (tasks._row_by_id, {"id": made["bare"]}),
            (tasks._own_row_by_id, {"id": made["task"], "user_id": user.id}),
            (contacts._row_by_id, {"id": made["contact"]}),
            (tasks._token_row_by_id, {"secret_hash": secret_hash, "id": made["task"]}),
            (tasks._session_row_by_id, open_session | {"id": made["task"]}),
            (contacts._session_row_by_id, open_session | {"id": made["contact"]}),
            (tasks._session_row_by_id, open_session | {"id": 10**9}),
            (contacts._token_row_by_id, {"secret_hash": secret_hash, "id": made["contact"]}),
        ]
        wants = [(await reader.execute(read.statement, params)).first() for read, params in cases]
        # Each statement reads its row; the session's read of no task reads the reader's
        # columns and the task's as None.
        readers = [want for want in wants if "reader_is_active" in want._fields]
        assert len(readers) == 5 and all(want.reader_is_active for want in readers)
        assert sorted(want.id is None for want in wants) == [False] * 8 + [True]
        with _driver_only():
            for (read, params), want in zip(cases, wants, strict=True):
                _same(await read.first(reader, params), want)
            # Absent rows are None, as SQLAlchemy's `first()` is.
            assert await tasks._row_by_id.first(reader, {"id": 10**9}) is None


async def test_binds_go_through_the_columns_types(
    state: AppState, factory: Factory, client: httpx.AsyncClient
) -> None:
    """A datetime (the UTC type: text on SQLite), a date, a value the statement binds itself,
    and a list of many rows read in the thread (a long read on SQLite)."""
    made = await _rows(state, factory, client)
    soon = utcnow() + timedelta(minutes=1)
    statement = (
        select(TASK.c.id, TASK.c.due_date, TASK.c.created_at)
        .where(
            TASK.c.created_at < bindparam("before"),
            TASK.c.status != "cancelled",
            TASK.c.user_id == bindparam("owner"),
        )
        .order_by(TASK.c.id)
    )
    params = {"before": soon, "owner": made["user"].id}
    reads = DirectSelect(statement)
    long_reads = DirectSelect(statement.execution_options(**LONG_READ))
    assert long_reads.long_read and not reads.long_read
    async with state.read_engine.connect() as reader:
        want = (await reader.execute(statement, params)).all()
        assert [row.id for row in want] == [made["task"], made["bare"]]
        assert want[0].due_date == date(2028, 2, 29)
        with _driver_only():
            for read in (reads, long_reads):
                got = await read.all(reader, params)
                assert len(got) == len(want)
                for one, other in zip(got, want, strict=True):
                    _same(one, other)
            none = await reads.all(reader, {"before": soon - timedelta(days=1), "owner": 0})
            assert none == []


async def test_the_engine_listeners_hear_each_statement(state: AppState) -> None:
    heard: list[tuple[str, Any]] = []

    def listener(_conn: object, cursor: object, sql: str, params: Any, *_rest: object) -> None:
        heard.append((sql, params))
        assert cursor is None

    engine = state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        async with state.read_engine.connect() as reader:
            assert await tasks._row_by_id.first(reader, {"id": 7}) is None
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(heard) == 1
    sql, params = heard[0]
    assert sql.startswith("SELECT") and "task" in sql
    assert list(params) == [7]


async def test_a_driver_failure_is_read_again_by_sqlalchemy(
    state: AppState, factory: Factory, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The statement runs again through SQLAlchemy on the same connection: a passing failure
    still answers the row, with SQLAlchemy's types."""
    made = await _rows(state, factory, client)
    failures: list[str] = []

    async def fail(_driver: object, sql: str, *_args: object, **_kw: object) -> Any:
        failures.append(sql)
        raise OSError("connection reset by peer")

    monkeypatch.setattr(direct, "_fetch", fail)
    params = {"id": made["task"]}
    async with state.read_engine.connect() as reader:
        want = (await reader.execute(tasks._row_by_id.statement, params)).first()
        _same(await tasks._row_by_id.first(reader, params), want)
        many = await tasks._row_by_id.all(reader, params)
        assert len(many) == 1
        _same(many[0], want)
    assert len(failures) == 2


async def test_an_error_is_sqlalchemys_and_the_connection_is_sound_after_it(
    state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When SQLAlchemy fails too, its error is raised (the API's database handlers know it),
    and the pool still serves reads."""

    async def fail(*_args: object, **_kw: object) -> Any:
        raise OSError("gone")

    async def broken(self: AsyncConnection, *_args: object, **_kw: object) -> Any:
        raise exc.OperationalError("SELECT", {}, OSError("gone"))

    with monkeypatch.context() as patch:
        patch.setattr(direct, "_fetch", fail)
        patch.setattr(AsyncConnection, "execute", broken)
        async with state.read_engine.connect() as reader:
            with pytest.raises(exc.OperationalError):
                await tasks._row_by_id.first(reader, {"id": 1})
    async with state.read_engine.connect() as reader:
        assert await tasks._row_by_id.first(reader, {"id": 1}) is None


async def test_a_read_sees_a_write_committed_before_it(
    state: AppState, factory: Factory, client: httpx.AsyncClient
) -> None:
    """No snapshot is held between reads of a pooled connection: each read by id sees the
    newest commit (the ETag of a task changed by another request)."""
    made = await _rows(state, factory, client)
    params = {"id": made["task"]}
    async with state.read_engine.connect() as reader:
        before = await tasks._row_by_id.first(reader, params)
    async with state.write_sessions() as session:
        await session.execute(
            update(Task).where(Task.id == made["task"]).values(version=Task.version + 1)
        )
        await session.commit()
    async with state.read_engine.connect() as reader:
        after = await tasks._row_by_id.first(reader, params)
    assert after.version == before.version + 1


def test_an_in_list_is_refused_when_compiled(state: AppState) -> None:
    statement = select(TASK.c.id).where(TASK.c.id.in_(bindparam("ids", expanding=True)))
    with pytest.raises(TypeError, match="expanding"):
        DirectSelect(statement).compiled(state.engine.dialect)

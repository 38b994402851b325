"""A Core SELECT of the hot read routes, run on the driver of a pooled connection.

SQLAlchemy's execution of a point read (execution context, events, the result's metadata,
the greenlet hops of its asyncio layer) costs more than the driver's own execute and fetch: on
a pooled connection in one process, 175 µs of CPU against 108 on SQLite, 314 against 228 on
PostgreSQL (`python -m bench.driver_floor`; docs/performance.md, round 7). A `DirectSelect`
keeps SQLAlchemy for everything but that: the statement is written in Core and compiled by the
connection's dialect (once per dialect), its parameters go through the columns' bind
processors, its values through their result processors, and the connection comes from, and
goes back to, the engine's pool (`AsyncConnection.get_raw_connection`). Only the execute and
the fetch go to the driver.

A failure there is not interpreted here: the statement is run again through SQLAlchemy on the
same connection, so a broken connection is invalidated and its error is SQLAlchemy's, handled
as every other database error is (a read runs twice only when the first attempt failed).

Two drivers are known: Homebase's inline SQLite driver (`sqlite_driver`) and asyncpg. A read
through the driver runs outside any transaction: in autocommit, as the read routes' engine
reads anyway (`bind_for(..., "read")`). The engine's `before_cursor_execute` listeners hear
each statement (with no cursor and no execution context), as they hear SQLAlchemy's own.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, Select
from sqlalchemy.ext.asyncio import AsyncConnection

from homebase.db.session import LONG_READ_OPTION

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    binds: tuple[tuple[str, Processor], ...]  # in the statement's positional order
    defaults: Mapping[str, Any]  # the values the statement itself binds
    results: tuple[Processor, ...]  # one a column, in the SELECT's order
    row: Callable[[Iterable[Any]], Any]  # a named tuple of the values


def _row_maker(keys: Sequence[str]) -> Callable[[Iterable[Any]], Any]:
    """Named tuples of the columns, with the `_mapping` a SQLAlchemy `Row` has."""
    fields = namedtuple("DirectRow", keys)  # type: ignore[misc]
    row: Any = type("DirectRow", (fields,), {"__slots__": (), "_mapping": property(fields._asdict)})
    make: Callable[[Iterable[Any]], Any] = row._make
    return make


class DirectSelect:
    """`statement`, run on the driver by `first` and `all`, with SQLAlchemy's types."""

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        self.statement = statement
        self.long_read = bool(statement.get_execution_options().get(LONG_READ_OPTION))
        self._by_dialect: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        known = self._by_dialect.get(dialect.name)
        if known is None:
            known = self._by_dialect[dialect.name] = self._compile(dialect)
        return known

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        if not compiled.positional or compiled.positiontup is None:
            raise TypeError(f"{dialect.name}: direct reads need a positional paramstyle")
        binds, defaults = [], {}
        for name in compiled.positiontup:
            parameter = compiled.binds[name]
            if parameter.expanding:
                raise TypeError(f"{name}: an expanding parameter (IN) is not supported")
            binds.append((name, parameter.type.dialect_impl(dialect).bind_processor(dialect)))
            if not parameter.required:
                defaults[name] = parameter.effective_value
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in self.statement.selected_columns
        )
        return _Compiled(
            sql=str(compiled),
            binds=tuple(binds),
            defaults=defaults,
            results=results,
            row=_row_maker(list(self.statement.selected_columns.keys())),
        )

    async def first(self, connection: AsyncConnection, params: Mapping[str, Any]) -> Any:
        """The first row (a named tuple of the columns), or None."""
        rows = await self._run(connection, params, one=True)
        return rows[0] if rows else None

    async def all(self, connection: AsyncConnection, params: Mapping[str, Any]) -> list[Any]:
        return await self._run(connection, params, one=False)

    async def _run(
        self, connection: AsyncConnection, params: Mapping[str, Any], *, one: bool
    ) -> list[Any]:
        compiled = self.compiled(connection.dialect)
        values = []
        for name, process in compiled.binds:
            value = params[name] if name in params else compiled.defaults[name]
            values.append(value if process is None else process(value))
        sync = connection.sync_connection
        if sync is not None:  # the engine's listeners hear the statement, as they would
            for listener in sync.dispatch.before_cursor_execute:
                listener(sync, None, compiled.sql, values, None, False)
        driver = (await connection.get_raw_connection()).driver_connection
        try:
            fetched = await _fetch(driver, compiled.sql, values, one=one, long=self.long_read)
        except Exception:
            # SQLAlchemy's turn: its error, and a broken connection invalidated.
            result = await connection.execute(self.statement, dict(params))
            fetched = [tuple(row) for row in (result.fetchmany(1) if one else result.all())]
            return [compiled.row(row) for row in fetched]
        row = compiled.row
        processors = compiled.results
        return [
            row(
                value if process is None else process(value)
                for process, value in zip(processors, values_, strict=True)
            )
            for values_ in fetched
        ]


async def _fetch(
    driver: Any, sql: str, values: list[Any], *, one: bool, long: bool
) -> Sequence[Sequence[Any]]:
    if hasattr(driver, "fetchrow"):  # asyncpg
        if one:
            record = await driver.fetchrow(sql, *values)
            return [] if record is None else [record]
        return await driver.fetch(sql, *values)  # type: ignore[no-any-return]
    if long:  # on SQLite, in the connection's thread (see `sqlite_driver`)
        driver.mark_long_read()
    cursor = await driver.execute(sql, values)
    try:
        if one:
            first = await cursor.fetchone()
            return [] if first is None else [first]
        return await cursor.fetchall()  # type: ignore[no-any-return]
    finally:
        await cursor.close()

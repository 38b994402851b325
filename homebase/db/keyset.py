"""Keyset paging: an ORDER BY made of sort keys, and the condition "after this row" matching it.

The condition compares row values, `(a, b, id) > (:a, :b, :id)`, when every key runs in the
same direction and none may be NULL: a B-tree index on (owner, a, b, id) then starts the scan
at the cursor, so a deep page costs what the first one does. Other orders get the expanded
form `a > :a OR (a = :a AND (b > :b OR ...))`, with NULLs last in both directions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, false, or_, tuple_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from homebase.core.cursor import CursorValue, KeyType


class unindexed_on_postgresql(FunctionElement[Any]):
    """A text column sorted in the same order, but in a form no PostgreSQL index provides:
    `column || ''`. Elsewhere it is the column itself, which an index may serve.

    PostgreSQL, given a LIMIT, may walk an index in the ORDER BY's order hoping to stop early,
    and filter as it goes; this makes it find the matches first (by another index) and sort
    them. SQLite has no other index to find them: the column's own index order is the cheap way
    there (no sort at all), so it keeps it (docs/performance.md, round 6)."""

    name = "unindexed_on_postgresql"
    inherit_cache = True

    def __init__(self, column: ColumnElement[str]) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed_on_postgresql)
def _the_column(element: unindexed_on_postgresql, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(unindexed_on_postgresql, "postgresql")
def _appended_nothing(element: unindexed_on_postgresql, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} || '')"


@dataclass(frozen=True, slots=True)
class SortKey:
    """One key of an order: the SQL expression, its direction, and how to read its value
    from a loaded row (for the next cursor)."""

    expression: ColumnElement[Any]
    read: Callable[[Any], CursorValue]
    type: KeyType
    descending: bool = False
    # What ORDER BY sorts on when it must differ from `expression` (same order, but not one
    # an index provides): see repositories/contacts.py.
    sort_expression: ColumnElement[Any] | None = None

    def ordered(self) -> ColumnElement[Any]:
        expression = self.expression if self.sort_expression is None else self.sort_expression
        clause = expression.desc() if self.descending else expression.asc()
        return clause.nulls_last() if self.type.nullable else clause

    def bound(self, value: CursorValue) -> ColumnElement[Any]:
        return bindparam(None, value, type_=self.expression.type)

    def beyond(self, value: CursorValue) -> ColumnElement[bool]:
        """Rows strictly after `value` on this key alone (NULLs come last)."""
        if value is None:
            return false()
        column = self.expression
        strictly = column < self.bound(value) if self.descending else column > self.bound(value)
        return or_(strictly, column.is_(None)) if self.type.nullable else strictly

    def equal(self, value: CursorValue) -> ColumnElement[bool]:
        return self.expression.is_(None) if value is None else self.expression == self.bound(value)


def order_by(keys: Sequence[SortKey]) -> list[ColumnElement[Any]]:
    return [key.ordered() for key in keys]


def values_of(keys: Sequence[SortKey], row: Any) -> tuple[CursorValue, ...]:
    return tuple(key.read(row) for key in keys)


def _row_value_form(keys: Sequence[SortKey]) -> bool:
    directions = {key.descending for key in keys}
    return len(directions) == 1 and not any(key.type.nullable for key in keys)


def after(keys: Sequence[SortKey], values: Sequence[CursorValue]) -> ColumnElement[bool]:
    """Rows that come after the row whose keys are `values`, in the order of `keys`."""
    if _row_value_form(keys):
        left = tuple_(*(key.expression for key in keys))
        right = tuple_(*(key.bound(value) for key, value in zip(keys, values, strict=True)))
        return left < right if keys[0].descending else left > right
    pairs = list(zip(keys, values, strict=True))
    last, last_value = pairs[-1]
    condition = last.beyond(last_value)
    for key, value in reversed(pairs[:-1]):
        condition = or_(key.beyond(value), and_(key.equal(value), condition))
    first, first_value = keys[0], values[0]
    if first.type.nullable or first_value is None:
        return condition
    # Redundant, but a range an index on the first key can start from.
    column = first.expression
    start = (
        column <= first.bound(first_value)
        if first.descending
        else column >= first.bound(first_value)
    )
    return and_(start, condition)

"""The keyset condition takes the index-friendly row-value form where it can, the expanded
form (with NULLs last) where it must."""

from __future__ import annotations

from datetime import date
from operator import attrgetter

from sqlalchemy import ColumnElement
from sqlalchemy.dialects import postgresql, sqlite

from homebase.core.cursor import KeyType
from homebase.db.keyset import SortKey, after, order_by
from homebase.models import Task

TITLE = SortKey(Task.title.expression, attrgetter("title"), KeyType("str"))
TITLE_DESC = SortKey(Task.title.expression, attrgetter("title"), KeyType("str"), True)
DUE = SortKey(Task.due_date.expression, attrgetter("due_date"), KeyType("date", True))
ID = SortKey(Task.id.expression, attrgetter("id"), KeyType("int"))
ID_DESC = SortKey(Task.id.expression, attrgetter("id"), KeyType("int"), True)


def sql(condition: ColumnElement[bool], dialect: str = "sqlite") -> str:
    chosen = postgresql.dialect() if dialect == "postgresql" else sqlite.dialect()
    compiled = condition.compile(dialect=chosen, compile_kwargs={"literal_binds": True})
    return " ".join(str(compiled).split())


def test_one_direction_without_nulls_compares_row_values() -> None:
    assert sql(after([TITLE, ID], ["b", 7])) == "(task.title, task.id) > ('b', 7)"
    assert sql(after([TITLE_DESC, ID_DESC], ["b", 7])) == "(task.title, task.id) < ('b', 7)"


def test_mixed_directions_expand_and_bound_the_first_key() -> None:
    assert sql(after([TITLE_DESC, ID], ["b", 7])) == (
        "task.title <= 'b' AND (task.title < 'b' OR task.title = 'b' AND task.id > 7)"
    )


def test_nulls_come_last_after_a_value_and_only_nulls_after_a_null() -> None:
    moment = date(2026, 12, 1)
    assert sql(after([DUE, ID], [moment, 7]), "postgresql") == (
        "task.due_date > '2026-12-01' OR task.due_date IS NULL "
        "OR task.due_date = '2026-12-01' AND task.id > 7"
    )
    assert sql(after([DUE, ID], [None, 7])) == "task.due_date IS NULL AND task.id > 7"


def test_order_by_puts_nulls_last_for_nullable_keys_only() -> None:
    clauses = [sql(clause, "postgresql") for clause in order_by([DUE, TITLE_DESC, ID])]
    assert clauses == ["task.due_date ASC NULLS LAST", "task.title DESC", "task.id ASC"]

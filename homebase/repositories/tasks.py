"""Task queries: the owner rule, `GET /tasks` filters, and the sort keys of `?sort=`."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from sqlalchemy import Select, case
from sqlalchemy.sql.elements import ColumnElement

from homebase.core.cursor import CursorValue, KeyType
from homebase.db.keyset import SortKey
from homebase.models import Task, TaskStatus
from homebase.repositories.owned import Actor, OwnedRepository
from homebase.schemas.task import TaskFilters

tasks = OwnedRepository(Task, "task_not_found")

_STATUS_RANK = {TaskStatus.NEW.value: 0, TaskStatus.IN_PROGRESS.value: 1, TaskStatus.DONE.value: 2}
_STATUS_ORDER = case(_STATUS_RANK, value=Task.status)
_STR, _INT = KeyType("str"), KeyType("int")
_MOMENT = KeyType("datetime")
# The whitelist of `?sort=` (validated by TaskFilters): status sorts in workflow order, tasks
# without a due date come last either way.
_SORT_KEYS: dict[str, tuple[ColumnElement[Any], Callable[[Task], CursorValue], KeyType]] = {
    "created_at": (Task.created_at.expression, attrgetter("created_at"), _MOMENT),
    "updated_at": (Task.updated_at.expression, attrgetter("updated_at"), _MOMENT),
    "due_date": (Task.due_date.expression, attrgetter("due_date"), KeyType("date", True)),
    "title": (Task.title.expression, attrgetter("title"), _STR),
    "status": (_STATUS_ORDER, lambda task: _STATUS_RANK[task.status], _INT),
    "id": (Task.id.expression, attrgetter("id"), _INT),
}


def sort_keys(sort: str) -> list[SortKey]:
    """The keys of a validated `?sort=`, ties broken by id in the direction of the first."""
    names = sort.split(",")
    if "id" not in {name.removeprefix("-") for name in names}:
        names.append("-id" if sort.startswith("-") else "id")
    return [SortKey(*_SORT_KEYS[name.removeprefix("-")], name.startswith("-")) for name in names]


def filtered_query(actor: Actor, filters: TaskFilters, *, rows: bool = False) -> Select[Any]:
    """The actor's tasks (an admin may name another owner with `user_id`), filtered; with
    `rows`, as plain rows of the table."""
    query = tasks.visible(actor, rows=rows).where(Task.user_id == (filters.user_id or actor.id))
    if filters.status is not None:
        query = query.where(Task.status == filters.status.value)
    if filters.q and filters.q.strip():
        query = query.where(
            Task.search_text.contains(filters.q.strip().casefold(), autoescape=True)
        )
    if filters.due_before is not None:
        query = query.where(Task.due_date <= filters.due_before)
    if filters.due_after is not None:
        query = query.where(Task.due_date >= filters.due_after)
    return query

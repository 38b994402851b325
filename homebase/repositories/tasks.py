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
from homebase.schemas.task import TaskFilters, TaskPublic

tasks = OwnedRepository(Task, "task_not_found")
# What `GET /tasks` reads of a task: its public schema's columns, in the schema's order (the
# list answers each row's leading columns as they are, see `RowJson.leading`). Not the
# iCalendar source, nor the search text, which is as long as the title and description.
LISTED = tuple(Task.__table__.c[name] for name in TaskPublic.model_fields)

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


def filtered_query(actor: Actor, filters: TaskFilters) -> Select[Any]:
    """The actor's tasks (an admin may name another owner with `user_id`), filtered, as rows
    of the `LISTED` columns."""
    status = None if filters.status is None else filters.status.value
    conditions = matching(
        filters.user_id or actor.id, status, filters.due_before, filters.due_after
    )
    query = tasks.visible(actor, columns=LISTED).where(*conditions)
    if filters.q and filters.q.strip():
        query = query.where(
            Task.search_text.contains(filters.q.strip().casefold(), autoescape=True)
        )
    return query


def matching(owner: Any, status: Any, due_before: Any, due_after: Any) -> list[ColumnElement[bool]]:
    """The conditions of `GET /tasks` but its search: values, or `bindparam`s for a statement
    built once (None: no such filter)."""
    conditions = [Task.user_id == owner]
    if status is not None:
        conditions.append(Task.status == status)
    if due_before is not None:
        conditions.append(Task.due_date <= due_before)
    if due_after is not None:
        conditions.append(Task.due_date >= due_after)
    return conditions

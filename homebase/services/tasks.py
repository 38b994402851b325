"""Task rules: who sees which task, filters and sorting, versioned writes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from homebase.core.errors import FieldError, NotFound
from homebase.core.etag import TagList, flush_versioned, require_match
from homebase.db.base import utcnow
from homebase.models import Task, TaskStatus, User
from homebase.schemas.task import TaskCreate, TaskFilters, TaskReplace, TaskUpdate

_STATUS_ORDER = case(
    {TaskStatus.NEW.value: 0, TaskStatus.IN_PROGRESS.value: 1, TaskStatus.DONE.value: 2},
    value=Task.status,
)
# The whitelist of `?sort=` (validated by TaskFilters): status sorts in workflow order.
_SORT_COLUMNS: dict[str, ColumnElement[Any]] = {
    "created_at": Task.created_at.expression,
    "updated_at": Task.updated_at.expression,
    "due_date": Task.due_date.expression,
    "title": Task.title.expression,
    "status": _STATUS_ORDER,
    "id": Task.id.expression,
}


def owned_task_query(actor: User) -> Select[Task]:
    """The tasks `actor` may see and manage: their own, or every task for an admin.

    The one place the ownership rule lives; anything outside it is "not found".
    """
    query = select(Task)
    if not actor.is_admin:
        query = query.where(Task.user_id == actor.id)
    return query


def search_text(title: str, description: str | None) -> str:
    """What `?q=` searches: title and description, case-folded (Unicode-aware)."""
    return f"{title}\n{description or ''}".casefold()


def _order_by(sort: str) -> list[ColumnElement[Any]]:
    order: list[ColumnElement[Any]] = []
    for key in sort.split(","):
        name = key.removeprefix("-")
        column = _SORT_COLUMNS[name]
        ordered = column.desc() if key.startswith("-") else column.asc()
        # Tasks without a due date come last either way, on every backend.
        order.append(ordered.nulls_last() if name == "due_date" else ordered)
    if "id" not in {key.removeprefix("-") for key in sort.split(",")}:
        order.append(Task.id.desc() if sort.startswith("-") else Task.id.asc())
    return order


async def list_tasks(
    session: AsyncSession, actor: User, filters: TaskFilters, *, limit: int, offset: int
) -> tuple[list[Task], int]:
    """The actor's tasks (an admin may name another owner with `user_id`), filtered and
    sorted, one page of them and the total."""
    query = owned_task_query(actor).where(Task.user_id == (filters.user_id or actor.id))
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
    total = await session.scalar(query.with_only_columns(func.count(), maintain_column_froms=True))
    rows = await session.scalars(
        query.order_by(*_order_by(filters.sort)).limit(limit).offset(offset)
    )
    return list(rows), int(total or 0)


# Built once, for the hot path of reading one task: the ownership rule of `owned_task_query`.
_TASK_BY_ID = select(Task).where(Task.id == bindparam("task_id"))
_OWN_TASK_BY_ID = _TASK_BY_ID.where(Task.user_id == bindparam("user_id"))


async def get_task(session: AsyncSession, actor: User, task_id: int) -> Task:
    if actor.is_admin:
        task = await session.scalar(_TASK_BY_ID, {"task_id": task_id})
    else:
        task = await session.scalar(_OWN_TASK_BY_ID, {"task_id": task_id, "user_id": actor.id})
    if task is None:
        raise NotFound("task_not_found")
    return task


async def _new_owner(session: AsyncSession, actor: User, requested: int | None) -> int | None:
    """The owner an admin asked for (checked to exist); None keeps the default. A normal
    user's `user_id` is ignored."""
    if requested is None or not actor.is_admin:
        return None
    if await session.scalar(select(User.id).where(User.id == requested)) is None:
        raise FieldError("user_id", "unknown_user")
    return requested


def _apply(task: Task, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        setattr(task, field, value.value if isinstance(value, TaskStatus) else value)
    task.search_text = search_text(task.title, task.description)


async def _flush(session: AsyncSession) -> None:
    try:
        await flush_versioned(session)
    except IntegrityError as exc:  # the new owner was deleted meanwhile
        raise FieldError("user_id", "unknown_user") from exc


async def create_task(session: AsyncSession, actor: User, data: TaskCreate) -> Task:
    """A task owned by the caller, or by the user an admin names."""
    owner = await _new_owner(session, actor, data.user_id) or actor.id
    now = utcnow()
    task = Task(user_id=owner, created_at=now, updated_at=now)
    _apply(task, data.model_dump(exclude={"user_id"}))
    session.add(task)
    await _flush(session)
    return task


async def _write(
    session: AsyncSession,
    actor: User,
    task_id: int,
    changes: dict[str, Any],
    requested_owner: int | None,
    if_match: TagList | None,
) -> Task:
    task = await get_task(session, actor, task_id)
    require_match(if_match, task)
    owner = await _new_owner(session, actor, requested_owner)
    if owner is not None:
        changes["user_id"] = owner
    _apply(task, changes)
    # The UPDATE carries `WHERE version = <the version checked above>`: a write that slipped
    # in between fails here with 412 instead of being overwritten.
    await _flush(session)
    return task


async def replace_task(
    session: AsyncSession,
    actor: User,
    task_id: int,
    data: TaskReplace,
    *,
    if_match: TagList | None = None,
) -> Task:
    """PUT: every field is replaced (omitted optional ones take their defaults)."""
    changes = data.model_dump(exclude={"user_id"})
    return await _write(session, actor, task_id, changes, data.user_id, if_match)


async def update_task(
    session: AsyncSession,
    actor: User,
    task_id: int,
    data: TaskUpdate,
    *,
    if_match: TagList | None = None,
) -> Task:
    """PATCH: only the fields given change."""
    changes = data.model_dump(exclude_unset=True, exclude={"user_id"})
    return await _write(session, actor, task_id, changes, data.user_id, if_match)


async def delete_task(
    session: AsyncSession, actor: User, task_id: int, *, if_match: TagList | None = None
) -> None:
    task = await get_task(session, actor, task_id)
    require_match(if_match, task)
    await session.delete(task)
    await flush_versioned(session)

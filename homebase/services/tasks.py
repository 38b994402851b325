"""Task rules: who sees which task, filters and sorting, versioned writes."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from sqlalchemy import Select, bindparam, case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from homebase.core.cursor import CursorSpec, CursorValue, KeyType, fingerprint
from homebase.core.errors import FieldError, NotFound
from homebase.core.preconditions import TagList, require_match
from homebase.db.base import utcnow
from homebase.db.keyset import SortKey
from homebase.db.versioning import flush_versioned
from homebase.models import Task, TaskStatus, User
from homebase.schemas.task import TaskCreate, TaskFilters, TaskReplace, TaskUpdate
from homebase.services.paging import Listing, Page, PageRequest, fetch_page

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


def sort_keys(sort: str) -> list[SortKey]:
    """The keys of a validated `?sort=`, ties broken by id in the direction of the first."""
    names = sort.split(",")
    if "id" not in {name.removeprefix("-") for name in names}:
        names.append("-id" if sort.startswith("-") else "id")
    return [SortKey(*_SORT_KEYS[name.removeprefix("-")], name.startswith("-")) for name in names]


def listing(filters: TaskFilters) -> Listing:
    """The order `?sort=` asks for; its cursors are refused under another sort or filters."""
    keys = sort_keys(filters.sort)
    scope = fingerprint(
        filters.status, filters.q, filters.due_before, filters.due_after, filters.user_id
    )
    shape = f"tasks:{filters.sort}:{scope}"
    return Listing(keys, CursorSpec(shape, tuple(key.type for key in keys)))


def filtered_query(actor: User, filters: TaskFilters) -> Select[Task]:
    """The actor's tasks (an admin may name another owner with `user_id`), filtered."""
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
    return query


async def list_tasks(
    session: AsyncSession, actor: User, filters: TaskFilters, page: PageRequest
) -> Page[Task]:
    """One page of the actor's tasks, filtered and sorted."""
    return await fetch_page(session, filtered_query(actor, filters), listing(filters), page)


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

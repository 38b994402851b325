"""Task rules: filters and sorting, the search text, versioned writes by owner or admin."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from homebase.core.cursor import CursorSpec, fingerprint
from homebase.core.preconditions import TagList
from homebase.core.security import AppPasswordClaim, SessionClaim
from homebase.db.base import utcnow
from homebase.models import Task, TaskStatus, User
from homebase.repositories.owned import Actor
from homebase.repositories.tasks import filtered_query, sort_keys, tasks
from homebase.schemas.task import TaskCreate, TaskFilters, TaskReplace, TaskUpdate
from homebase.services import app_passwords
from homebase.services.interchange.task_calendars import mapped_of, rewrite_ical
from homebase.services.owned import flush_owned, requested_owner, writable
from homebase.services.paging import Listing, Page, PageRequest, fetch_page


def search_text(title: str, description: str | None) -> str:
    """What `?q=` searches: title and description, case-folded (Unicode-aware)."""
    return f"{title}\n{description or ''}".casefold()


def listing(filters: TaskFilters) -> Listing:
    """The order `?sort=` asks for; its cursors are refused under another sort or filters."""
    keys = sort_keys(filters.sort)
    scope = fingerprint(
        filters.status, filters.q, filters.due_before, filters.due_after, filters.user_id
    )
    shape = f"tasks:{filters.sort}:{scope}"
    return Listing(keys, CursorSpec(shape, tuple(key.type for key in keys)))


async def list_tasks(
    reader: AsyncConnection, actor: Actor, filters: TaskFilters, page: PageRequest
) -> Page[Row[Any]]:
    """One page of the actor's tasks, filtered and sorted (rows of the table)."""
    query = filtered_query(actor, filters, rows=True)
    return await fetch_page(reader, query, listing(filters), page)


async def get_task(session: AsyncSession, actor: User, task_id: int) -> Task:
    """A task of the actor's (any task, for an admin); 404 hides the others."""
    return await tasks.get(session, actor, task_id)


async def read_task(
    reader: AsyncConnection, actor: Actor | SessionClaim | AppPasswordClaim, task_id: int
) -> Row[Any]:
    """`get_task` as a row, for the read route; for a login session's token or an app
    password, one statement checks the credential and reads the task."""
    if isinstance(actor, SessionClaim):
        return await tasks.session_row(reader, actor, task_id, utcnow())
    if isinstance(actor, AppPasswordClaim):
        return await app_passwords.owned_row(reader, tasks, actor, task_id)
    return await tasks.row(reader, actor, task_id)


def _apply(task: Task, changes: dict[str, Any]) -> None:
    before = mapped_of(task) if task.ical is not None else None
    for field, value in changes.items():
        setattr(task, field, value.value if isinstance(value, TaskStatus) else value)
    task.search_text = search_text(task.title, task.description)
    if before is not None:
        rewrite_ical(task, before)


async def create_task(session: AsyncSession, actor: User, data: TaskCreate) -> Task:
    """A task owned by the caller, or by the user an admin names."""
    owner = await requested_owner(session, actor, data.user_id) or actor.id
    now = utcnow()
    task = Task(user_id=owner, created_at=now, updated_at=now)
    _apply(task, data.model_dump(exclude={"user_id"}))
    session.add(task)
    await flush_owned(session)
    return task


async def _write(
    session: AsyncSession,
    actor: User,
    task_id: int,
    changes: dict[str, Any],
    owner_id: int | None,
    if_match: TagList | None,
) -> Task:
    task = await writable(session, tasks, actor, task_id, if_match)
    owner = await requested_owner(session, actor, owner_id)
    if owner is not None:
        changes["user_id"] = owner
    _apply(task, changes)
    await flush_owned(session)
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
    """Delete a task of the actor's, if `If-Match` (when given) names its version."""
    task = await writable(session, tasks, actor, task_id, if_match)
    await session.delete(task)
    await flush_owned(session)

"""Task rules: filters and sorting, the search text, versioned writes by owner or admin."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Row, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from homebase.core.cursor import CursorSpec, fingerprint
from homebase.core.preconditions import TagList
from homebase.core.security import AppPasswordClaim, SessionClaim
from homebase.db.base import utcnow
from homebase.db.direct import DirectSelect
from homebase.db.keyset import order_by
from homebase.db.session import LONG_READ
from homebase.models import Task, TaskStatus, User
from homebase.repositories.owned import Actor
from homebase.repositories.tasks import LISTED, filtered_query, matching, sort_keys, tasks
from homebase.repositories.users import check_open, with_open_session
from homebase.schemas.task import TaskCreate, TaskFilters, TaskReplace, TaskUpdate
from homebase.services import app_passwords
from homebase.services.interchange.task_calendars import mapped_of, rewrite_ical
from homebase.services.owned import flush_owned, requested_owner, writable
from homebase.services.paging import (
    Listing,
    Page,
    PageRequest,
    fetch_page,
    offset_result,
    page_by_keys,
)


def search_text(title: str, description: str | None) -> str:
    """What `?q=` searches: title and description, case-folded (Unicode-aware)."""
    return f"{title}\n{description or ''}".casefold()


def listing(filters: TaskFilters) -> Listing:
    """The order `?sort=` asks for; its cursors are refused under another sort or filters."""
    scope = (filters.status, filters.q, filters.due_before, filters.due_after, filters.user_id)
    return _listing(filters.sort, *scope)


@lru_cache(maxsize=256)
def _listing(sort: str, *scope_values: object) -> Listing:
    keys = sort_keys(sort)
    shape = f"tasks:{sort}:{fingerprint(*scope_values)}"
    return Listing(keys, CursorSpec(shape, tuple(key.type for key in keys)))


async def list_tasks(
    reader: AsyncConnection, actor: Actor, filters: TaskFilters, page: PageRequest
) -> Page[Row[Any]]:
    """One page of the actor's tasks, filtered and sorted (rows of `LISTED` columns)."""
    query = filtered_query(actor, filters)
    return await fetch_page(reader, query, listing(filters), page)


async def list_own_tasks(
    reader: AsyncConnection, claim: SessionClaim, filters: TaskFilters, page: PageRequest
) -> Page[Row[Any]] | None:
    """`list_tasks` for the holder of a login session's access token, in one statement that
    also counts the matches and confirms the session as `with_open_session` does (revoked or
    ended: 401, user inactive: 401). None where that statement does not answer: a search,
    another owner's tasks, a cursor, or no row on the page (nothing then says whether the
    session is open): the caller confirms the claim and calls `list_tasks`."""
    if filters.q or filters.user_id not in (None, claim.user_id) or page.cursor is not None:
        return None
    shape = (filters.status, filters.due_before, filters.due_after)
    statement = _own_page(filters.sort, *(value is not None for value in shape), page.offset > 0)
    params = claim.params(utcnow()) | {"limit": page.limit, "offset": page.offset}
    params |= {
        "status": None if filters.status is None else filters.status.value,
        "due_before": filters.due_before,
        "due_after": filters.due_after,
    }
    rows = await statement.all(reader, params)
    if not rows:
        return None
    check_open(rows[0].reader_is_active)
    return offset_result(rows, rows[0].homebase_total, listing(filters), page)


# The login session's check, a value on every row of `_own_page` (NULL: not open).
_READER_ACTIVE = with_open_session(select(User.__table__.c.is_active))


@lru_cache(maxsize=64)
def _own_page(
    sort: str, status: bool, due_before: bool, due_after: bool, deep: bool
) -> DirectSelect:
    """The statement of `list_own_tasks` for one shape of filters, built once and run on the
    driver (db/direct.py). Its two subqueries depend on no row, so each database evaluates
    them once."""
    conditions = matching(
        bindparam("user_id"),
        bindparam("status") if status else None,
        bindparam("due_before") if due_before else None,
        bindparam("due_after") if due_after else None,
    )
    matches = select(*LISTED).where(*conditions)
    total = select(func.count()).select_from(Task).where(*conditions)
    ordering = order_by(sort_keys(sort))
    limit, offset = bindparam("limit", type_=Integer), bindparam("offset", type_=Integer)
    if deep:
        page = page_by_keys(matches, ordering, limit, offset, Task.__table__.c.id)
    else:
        page = matches.order_by(*ordering).limit(limit).offset(offset)
    statement = page.add_columns(
        total.correlate(None).scalar_subquery().label("homebase_total"),
        _READER_ACTIVE.correlate(None).scalar_subquery().label("reader_is_active"),
    ).execution_options(**LONG_READ)
    return DirectSelect(statement)


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

"""Keyset paging agrees with the ORDER BY it follows: for every task order (ties, NULL due
dates, workflow status, mixed directions) and every row, "after this row's cursor" is exactly
the rest of the ordered list, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.app_state import AppState
from homebase.models import Task, User
from homebase.repositories.tasks import filtered_query
from homebase.schemas.task import TaskFilters
from homebase.services import tasks as task_service
from homebase.services.paging import PageRequest, cursor_query, fetch_page
from tests.factories import Factory

SORTS = [
    "-created_at",
    "created_at",
    "updated_at",
    "-updated_at",
    "title",
    "-title",
    "due_date",
    "-due_date",
    "status",
    "-status",
    "id",
    "-id",
    "due_date,-title",
    "-status,due_date,title",
    "title,-created_at",
    "-due_date,id,title",
]
T0 = datetime(2026, 11, 25, 9, 30, 0, 123456, tzinfo=UTC)


def _tasks(owner_id: int) -> list[Task]:
    """Ties on every key, NULL due dates, the same instant written twice."""
    rows = []
    for n in range(14):
        moment = T0 + timedelta(microseconds=n // 3)
        rows.append(
            Task(
                user_id=owner_id,
                title=("Б", "a", "B", "Ёж")[n % 4],
                status=("new", "in_progress", "done")[n % 3],
                due_date=None if n % 4 == 1 else date(2026, 12, 1 + n % 3),
                created_at=moment,
                updated_at=moment - timedelta(days=n % 2),
            )
        )
    return rows


async def _ordered_ids(session: AsyncSession, actor: User, filters: TaskFilters) -> list[int]:
    listing = task_service.listing(filters)
    query = cursor_query(filtered_query(actor, filters), listing, "", 1000)
    return [task.id for task in await session.execute(query)]


@pytest.mark.parametrize("sort", SORTS)
async def test_after_each_row_comes_the_rest_of_the_order(
    state: AppState, factory: Factory, sort: str
) -> None:
    owner, other = await factory.user(), await factory.user()
    filters = TaskFilters(sort=sort)
    listing = task_service.listing(filters)
    async with state.sessionmaker() as session:
        session.add_all(_tasks(owner.id) + _tasks(other.id))
        await session.commit()
        query = filtered_query(owner.user, filters)
        rows = list(await session.execute(cursor_query(query, listing, "", 1000)))
        ids = [row.id for row in rows]
        assert len(ids) == 14 and ids == await _ordered_ids(session, owner.user, filters)
        for position, row in enumerate(rows):
            cursor = listing.next_cursor(row)
            rest = await session.execute(cursor_query(query, listing, cursor, 1000))
            assert [task.id for task in rest] == ids[position + 1 :], (sort, position)


async def test_pages_by_offset_name_the_next_cursor(state: AppState, factory: Factory) -> None:
    owner = await factory.user()
    filters = TaskFilters(sort="due_date,-title")
    async with state.sessionmaker() as session:
        session.add_all(_tasks(owner.id))
        await session.commit()
        query = filtered_query(owner.user, filters)
        listing = task_service.listing(filters)
        reader = await session.connection()  # the list reads rows (see `LISTED`)
        by_offset = await fetch_page(reader, query, listing, PageRequest(limit=4, offset=4))
        assert by_offset.total == 14 and by_offset.next_cursor is not None
        then = await fetch_page(
            reader, query, listing, PageRequest(4, cursor=by_offset.next_cursor)
        )
        skipped = await fetch_page(reader, query, listing, PageRequest(limit=4, offset=8))
        assert then.total is None
        assert [task.id for task in then.items] == [task.id for task in skipped.items]
        last = await fetch_page(reader, query, listing, PageRequest(limit=4, offset=12))
        assert len(last.items) == 2 and last.next_cursor is None

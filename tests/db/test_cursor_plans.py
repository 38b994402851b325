"""On PostgreSQL a deep cursor page costs what the first one does: EXPLAIN ANALYZE of the very
query the paging service builds, 90,000 rows deep into 100,000 contacts (and tasks) of one
user in a migrated database, reads the page straight from the sort index, starting at the
cursor: no Sort node, and no more index rows than the page needs. The same depth by offset
reads every skipped row, which is what the cursor avoids."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import Select, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from homebase.db.keyset import order_by
from homebase.db.migrate import upgrade
from homebase.db.session import async_url
from homebase.models import User
from homebase.repositories import contacts as contact_repository
from homebase.repositories import tasks as task_repository
from homebase.schemas.contact import ContactFilters
from homebase.schemas.task import TaskFilters
from homebase.services import contacts as contact_service
from homebase.services import tasks as task_service
from homebase.services.paging import Listing, cursor_query
from tests.db.test_contact_indexes import INSERT as INSERT_CONTACTS
from tests.support import BACKENDS, create_pg_database, drop_pg_database, make_settings

ROWS = 100_000
DEPTH = 90_000
LIMIT = 50

# Task g of user u: titles and instants tie in pairs, a fifth have no due date.
INSERT_TASKS = """
INSERT INTO task (title, status, due_date, search_text, user_id, created_at, updated_at, uid,
                  href)
SELECT 'Task ' || (g / 2), (ARRAY['new', 'in_progress', 'done'])[g % 3 + 1],
       CASE WHEN g % 5 = 0 THEN NULL ELSE DATE '2026-01-01' + g % 365 END,
       'task ' || (g / 2) || chr(10), :user_id, moment, moment + (g % 7) * INTERVAL '1 hour',
       't' || g, 't' || g || '.ics'
FROM generate_series(1, :count) AS g,
     LATERAL (SELECT TIMESTAMPTZ '2026-01-01 00:00:00+00' + (g / 2) * INTERVAL '1 second')
         AS t(moment)
"""


@pytest.fixture(scope="module", params=[b for b in BACKENDS if b == "postgresql"])
async def crowded(request: pytest.FixtureRequest) -> AsyncIterator[AsyncConnection]:
    """A migrated PostgreSQL database: user 1 with 100,000 contacts and 100,000 tasks, user 2
    with 1,000 of each."""
    name, url = await create_pg_database()
    engine = create_async_engine(async_url(url), poolclass=NullPool)
    try:
        await asyncio.to_thread(upgrade, make_settings(url))
        async with engine.connect() as connection:
            await connection.execute(
                text(
                    'INSERT INTO "user" (id, name, email, password_hash) VALUES '
                    "(1, 'a', 'a@example.com', 'x'), (2, 'b', 'b@example.com', 'x')"
                )
            )
            for user_id, count in ((1, ROWS), (2, 1_000)):
                await connection.execute(
                    text(INSERT_CONTACTS), {"user_id": user_id, "count": count}
                )
                await connection.execute(text(INSERT_TASKS), {"user_id": user_id, "count": count})
            await connection.commit()
            await connection.execute(text("ANALYZE contact"))
            await connection.execute(text("ANALYZE task"))
            yield connection
    finally:
        await engine.dispose()
        await drop_pg_database(name)


async def analyzed(connection: AsyncConnection, query: Select[Any]) -> str:
    sql = query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    options = "ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF"
    rows = await connection.execute(text(f"EXPLAIN ({options}) {sql}"))
    return "\n".join(row[0] for row in rows)


def rows_read(plan: str, node: str) -> int:
    """The rows the first plan node starting with `node` produced."""
    line = next(line for line in plan.splitlines() if line.strip(" ->").startswith(node))
    found = re.search(r"actual rows=(\d+)", line)
    assert found, plan
    return int(found[1])


async def deep_cursor(
    connection: AsyncConnection, query: Select[Any], listing: Listing, depth: int
) -> str:
    """The cursor a walk holds after `depth` rows: the keys of that row in this order."""
    ordered = query.order_by(*order_by(listing.keys)).offset(depth - 1).limit(1)
    row = (await connection.execute(ordered)).one()
    return listing.next_cursor(row)


async def check_deep_page(
    connection: AsyncConnection,
    query: Select[Any],
    listing: Listing,
    index: str,
    *,
    owner_id: int = 1,
    depth: int = DEPTH,
) -> None:
    cursor = await deep_cursor(connection, query, listing, depth)
    plan = await analyzed(connection, cursor_query(query, listing, cursor, LIMIT))
    assert f"Index Scan using {index}" in plan or f"Index Scan Backward using {index}" in plan
    assert "Sort" not in plan and "Seq Scan" not in plan, plan
    # The scan starts at the cursor: the keyset condition is part of the index condition.
    condition = plan.split("Index Cond:", 1)[1].splitlines()[0]
    assert f"user_id = {owner_id}" in condition and ("ROW(" in condition or "id <" in condition), (
        plan
    )
    assert rows_read(plan, "Index Scan") == LIMIT + 1, plan
    page = (await connection.execute(cursor_query(query, listing, cursor, LIMIT))).all()
    expected = await connection.execute(
        query.order_by(*order_by(listing.keys)).offset(depth).limit(LIMIT + 1)
    )
    assert [row.id for row in page] == [row.id for row in expected]


async def test_deep_contact_page_by_cursor_reads_only_the_page(crowded: AsyncConnection) -> None:
    filters = ContactFilters()
    query = contact_repository.filtered_query(1, filters)
    index = "ix_contact_user_id_last_name_first_name_id"
    await check_deep_page(crowded, query, contact_service.listing(filters), index)


async def test_the_same_depth_by_offset_reads_every_skipped_row(
    crowded: AsyncConnection,
) -> None:
    filters = ContactFilters()
    listing = contact_service.listing(filters)
    query = contact_repository.filtered_query(1, filters).order_by(*order_by(listing.keys))
    plan = await analyzed(crowded, query.offset(DEPTH).limit(LIMIT))
    assert rows_read(plan, "Index Scan") == DEPTH + LIMIT, plan


@pytest.mark.parametrize(
    ("sort", "index", "owner_id", "depth"),
    [
        ("-created_at", "ix_task_user_id_created_at_id", 1, DEPTH),
        ("created_at", "ix_task_user_id_created_at_id", 1, DEPTH),
        ("-updated_at", "ix_task_user_id_updated_at_id", 1, DEPTH),
        ("title", "ix_task_user_id_title_id", 1, DEPTH),
        # By id, the primary key serves a user who owns most rows; (owner, id) the others.
        ("-id", "ix_task_user_id_id", 2, 500),
    ],
)
async def test_deep_task_page_by_cursor_reads_only_the_page(
    crowded: AsyncConnection, sort: str, index: str, owner_id: int, depth: int
) -> None:
    filters = TaskFilters(sort=sort)
    query = task_repository.filtered_query(User(id=owner_id, is_admin=False), filters)
    listing = task_service.listing(filters)
    await check_deep_page(crowded, query, listing, index, owner_id=owner_id, depth=depth)

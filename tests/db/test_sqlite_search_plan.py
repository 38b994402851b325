"""On SQLite a contacts search's page is read in the name index's order and counted apart:
EXPLAIN QUERY PLAN of the very statements the service runs, over 2,000 contacts of one user in
a migrated database, shows no sort of the matches and no window count holding them all.

(A sort, or `count(*) OVER ()`, keeps every match in SQLite's memory first: at 100,000 matches
a 4.8 MB peak per search, which a worker's many connection threads each kept as their own
malloc arena's high-water mark; docs/performance.md, round 6.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from homebase.db.migrate import upgrade
from homebase.db.session import create_engine
from homebase.models import Contact, User
from homebase.repositories.contacts import search_text
from homebase.schemas.contact import ContactFilters
from homebase.services.contacts import list_contacts
from homebase.services.paging import PageRequest
from tests.db.test_contact_indexes import NAME_INDEX
from tests.support import make_settings

CONTACTS = 2_000


@pytest.fixture
async def crowded(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A migrated SQLite database: user 1 with 2,000 contacts, every one holding an "e"."""
    settings = make_settings(f"sqlite:///{tmp_path / 'search.db'}")
    await asyncio.to_thread(upgrade, settings)
    engine = create_engine(settings)
    names = [("Eva", "Zeller"), ("Lena", "Berg"), ("Peter", "Adler"), ("Ines", "Keller")]
    rows = []
    for g in range(CONTACTS):
        first, last = names[g % len(names)]
        email = f"c{g}@example.com"
        rows.append(
            {"user_id": 1, "first_name": first, "last_name": f"{last}{g % 97}", "email": email,
             "search_text": search_text(first, f"{last}{g % 97}", email)}
        )  # fmt: skip
    try:
        async with engine.begin() as connection:
            owner = {"id": 1, "name": "a", "email": "a@example.com", "password_hash": "x"}
            await connection.execute(insert(User), [owner])
            await connection.execute(insert(Contact), rows)
            await connection.execute(text("ANALYZE"))
        yield engine
    finally:
        await engine.dispose()


async def test_a_search_page_is_read_in_the_name_index_order_and_counted_apart(
    crowded: AsyncEngine,
) -> None:
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, sql: str, params: Any, _context: Any, _many: Any) -> None:
        if "FROM contact" in sql:
            statements.append((sql, params))

    event.listen(crowded.sync_engine, "before_cursor_execute", record)
    sessions = async_sessionmaker(crowded, expire_on_commit=False)
    async with sessions() as session:
        user = await session.get(User, 1)
        assert user is not None
        page = await list_contacts(
            session, user, ContactFilters(q="e"), PageRequest(limit=50, offset=CONTACTS - 60)
        )
    event.remove(crowded.sync_engine, "before_cursor_execute", record)

    assert page.total == CONTACTS
    names = [(c.last_name, c.first_name, c.id) for c in page.items]
    assert len(names) == 50 and names == sorted(names)
    assert not any("over (" in sql.lower() for sql, _ in statements), statements
    assert any(sql.lstrip().lower().startswith("select count(*)") for sql, _ in statements)

    (page_sql, params), *_ = [(s, p) for s, p in statements if "LIMIT" in s]
    async with crowded.connect() as connection:
        rows = (await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {page_sql}", params)).all()
    plan = {row[0]: (row[1], row[3]) for row in rows}
    # The page's keys are found in a subquery: it walks the name index, and sorts nothing.
    inner = {node for node, (_, detail) in plan.items() if NAME_INDEX in detail}
    assert inner, rows
    parents = {plan[node][0] for node in inner}
    sorted_inside = [
        detail for parent, detail in plan.values() if parent in parents and "TEMP B-TREE" in detail
    ]
    assert not sorted_inside, rows

"""On PostgreSQL, contact search and upcoming birthdays are served by indexes, not by scanning
a user's contacts: EXPLAIN of the very queries the services build, over 100,000 contacts of one
user in a migrated database, shows the trigram and the birthday index at work."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy import Select, func, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from homebase.app_state import AppState
from homebase.db.keyset import order_by
from homebase.db.migrate import upgrade
from homebase.db.session import async_url
from homebase.models import Contact
from homebase.repositories.contacts import NAME_ORDER, list_query
from homebase.schemas.contact import ContactFilters
from homebase.services.birthdays import soonest_first, upcoming_query
from homebase.services.paging import page_by_keys
from tests.support import BACKENDS, create_pg_database, drop_pg_database, make_settings

CONTACTS = 100_000
SMALL_OWNERS = 300
TRIGRAM_INDEX = "ix_contact_user_id_search_text_trgm"
BIRTHDAY_INDEX = "ix_contact_user_id_birthday_key_last_name_first_name_id"
NAME_INDEX = "ix_contact_user_id_last_name_first_name_id"

# Contact g of user u: "Иван<g>" "Petrov<g>" <c<g>@example.com>, born on day g*37 % 20000
# after 1950-01-01. search_text is written already folded (as the service would write it).
INSERT = """
INSERT INTO contact (first_name, last_name, email, birthday, birthday_key, search_text, user_id,
                     uid, href)
SELECT 'Иван' || g, 'Petrov' || g, 'c' || g || '@example.com', day,
       EXTRACT(MONTH FROM day)::int * 100 + EXTRACT(DAY FROM day)::int,
       'иван' || g || chr(31) || 'petrov' || g || chr(31) || 'c' || g || '@example.com',
       :user_id, 'c' || g, 'c' || g || '.vcf'
FROM generate_series(1, :count) AS g,
     LATERAL (SELECT DATE '1950-01-01' + (g * 37 % 20000) AS day) AS born
"""


@pytest.fixture(scope="module", params=[b for b in BACKENDS if b == "postgresql"])
async def crowded(request: pytest.FixtureRequest) -> AsyncIterator[AsyncConnection]:
    """A migrated PostgreSQL database: user 1 with 100,000 contacts, user 2 with 1,000, and
    300 more with 50 each."""
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
            await connection.execute(text(INSERT), {"user_id": 1, "count": CONTACTS})
            await connection.execute(text(INSERT), {"user_id": 2, "count": 1_000})
            # Many small address books beside them, as a real database has: a plan made
            # without knowing the owner then expects a few hundred contacts for any owner.
            await connection.execute(
                text(
                    'INSERT INTO "user" (id, name, email, password_hash) '
                    "SELECT u, 'u' || u, 'u' || u || '@example.com', 'x' "
                    "FROM generate_series(3, :last) AS u"
                ),
                {"last": SMALL_OWNERS + 2},
            )
            for owner in range(3, SMALL_OWNERS + 3):
                await connection.execute(text(INSERT), {"user_id": owner, "count": 50})
            await connection.commit()
        # Statistics and a visibility map, as a settled database has (VACUUM runs outside a
        # transaction; a test that rolls its own settings back cannot take them with it).
        async with engine.connect() as maintenance:
            maintenance = await maintenance.execution_options(isolation_level="AUTOCOMMIT")
            await maintenance.execute(text("VACUUM ANALYZE contact"))
        async with engine.connect() as connection:
            yield connection
    finally:
        await engine.dispose()
        await drop_pg_database(name)


def uses(index: str, explained: str) -> bool:
    """Whether the plan reads `index`, as a plain, index-only or bitmap index scan."""
    return any(
        form in explained
        for form in (
            f"Index Scan using {index} ",
            f"Index Only Scan using {index} ",
            f"Bitmap Index Scan on {index}",
        )
    )


async def plan(connection: AsyncConnection, query: Select[object]) -> str:
    sql = query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    rows = await connection.execute(text(f"EXPLAIN {sql}"))
    return "\n".join(row[0] for row in rows)


def counted(query: Select[object]) -> Select[object]:
    return select(func.count()).select_from(query.order_by(None).subquery())


@pytest.mark.parametrize(
    "filters",
    [
        ContactFilters(q="иВАН4242"),
        ContactFilters(q="PETROV4242 иван"),
        ContactFilters(email="C4242@"),
        ContactFilters(last_name="trov77777"),
    ],
)
async def test_search_uses_the_trigram_index(
    crowded: AsyncConnection, filters: ContactFilters
) -> None:
    query = list_query(1, filters)
    for explained in (await plan(crowded, query.limit(50)), await plan(crowded, counted(query))):
        assert uses(TRIGRAM_INDEX, explained), explained
        # Walking the name index in order, hoping LIMIT stops early, is what reads a million
        # rows for a rare match; a search's order is one that index cannot provide.
        assert NAME_INDEX not in explained, explained
        assert "Seq Scan" not in explained, explained
    found = (await crowded.execute(query)).all()
    assert found and all(row.user_id == 1 for row in found)


async def test_search_uses_the_trigram_index_whatever_the_estimates(
    crowded: AsyncConnection,
) -> None:
    """With sorting priced out (as a planner that trusts LIMIT to stop a walk early would),
    a search still cannot read the name index in order: it finds its matches by trigram."""
    await crowded.execute(text("SET LOCAL enable_sort = off"))
    try:
        explained = await plan(crowded, list_query(1, ContactFilters(q="иван4242")).limit(50))
    finally:
        await crowded.rollback()
    assert uses(TRIGRAM_INDEX, explained), explained
    assert NAME_INDEX not in explained, explained


async def test_a_cached_generic_plan_searches_one_owner_in_the_trigram_index(
    crowded: AsyncConnection,
) -> None:
    """asyncpg prepares a statement once per connection, and PostgreSQL may then keep a
    generic plan, made without the owner or the fragment. That plan, too, finds the owner's
    matches in the one GIN index that holds both, not by intersecting the trigram index with a
    bitmap of all the owner's rows."""
    query = counted(list_query(1, ContactFilters(q="иван4242")))
    compiled = query.compile(dialect=crowded.dialect)
    values = ", ".join(
        f"'{value}'" if isinstance(value, str) else str(value)
        for value in (compiled.params[name] for name in compiled.positiontup or ())
    )
    await crowded.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
    try:
        await crowded.execute(text(f"PREPARE owner_search AS {compiled}"))
        rows = await crowded.execute(text(f"EXPLAIN EXECUTE owner_search({values})"))
        explained = "\n".join(row[0] for row in rows)
        found = (await crowded.execute(text(f"EXECUTE owner_search({values})"))).scalar_one()
    finally:
        await crowded.rollback()
        await crowded.execute(text("DEALLOCATE ALL"))
    assert "$" in explained, explained  # the generic plan, with its parameters
    assert uses(TRIGRAM_INDEX, explained), explained
    assert "BitmapAnd" not in explained, explained
    assert "Seq Scan" not in explained, explained
    assert found == (await crowded.execute(query)).scalar_one() == 11  # 4242, 42420…42429


async def test_a_deep_offset_page_skips_rows_in_the_name_index_alone(
    crowded: AsyncConnection,
) -> None:
    """Offset paging skips its rows in a query of ids, which the name index answers without
    the table (an index-only scan); only the page's rows are then read whole, by primary key.
    The page is the one the plain `OFFSET` gives."""
    query, ordering = list_query(1, ContactFilters()).order_by(None), order_by(NAME_ORDER)
    deep = page_by_keys(query, ordering, 50, CONTACTS - 50, Contact.id)
    explained = await plan(crowded, deep)
    assert f"Index Only Scan using {NAME_INDEX} " in explained, explained
    assert uses("pk_contact", explained), explained
    assert "Seq Scan" not in explained, explained
    plain = query.order_by(*ordering).limit(50).offset(CONTACTS - 50)
    expected = (await crowded.execute(plain)).all()
    assert len(expected) == 50
    assert (await crowded.execute(deep)).all() == expected


@pytest.mark.parametrize(
    "today", [date(2027, 5, 10), date(2027, 12, 28), date(2027, 2, 25), date(2028, 2, 25)]
)
async def test_upcoming_birthdays_use_the_birthday_index(
    crowded: AsyncConnection, today: date
) -> None:
    query = upcoming_query(1, today, 7)
    for explained in (await plan(crowded, query.limit(50)), await plan(crowded, counted(query))):
        assert uses(BIRTHDAY_INDEX, explained), explained
        assert "Seq Scan" not in explained, explained
    rows = (await crowded.execute(query.limit(5))).all()
    assert len(rows) == 5 and all(row.user_id == 1 for row in rows)


async def test_an_upcoming_birthdays_page_is_sorted_from_the_birthday_index_alone(
    crowded: AsyncConnection,
) -> None:
    """Every contact in the window is sorted (soonest, then by name): the index carries those
    keys, so the ids are sorted from an index-only scan and only the page's rows are read."""
    today = date(2027, 5, 10)
    query = upcoming_query(1, today, 7).order_by(None)
    page = page_by_keys(query, soonest_first(today, 7), 50, 0, Contact.id.expression)
    explained = await plan(crowded, page)
    assert f"Index Only Scan using {BIRTHDAY_INDEX} " in explained, explained
    assert "Seq Scan" not in explained, explained
    # In index order: the only sort is of the page's 50 rows, none under the LIMIT.
    limit_and_below = explained[explained.index("->  Limit") :]
    assert "Sort" not in limit_and_below, explained
    expected = (await crowded.execute(upcoming_query(1, today, 7).limit(50))).all()
    assert len(expected) == 50
    assert (await crowded.execute(page)).all() == expected


async def test_create_all_builds_the_trigram_index_on_postgresql_only(state: AppState) -> None:
    async with state.engine.connect() as connection:
        names = await connection.run_sync(
            lambda sync: {index["name"] for index in inspect(sync).get_indexes("contact")}
        )
        backend = connection.dialect.name
    assert BIRTHDAY_INDEX in names
    assert (TRIGRAM_INDEX in names) is (backend == "postgresql")

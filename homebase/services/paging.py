"""One page of a listing, by offset or by cursor (keyset).

Offset paging counts the matching rows (`X-Total-Count`) and skips `offset` of them. Cursor
paging neither counts nor skips: it starts after the row the cursor names and fetches one row
more than the page to learn whether another page follows. Both give the cursor of the next
page, so a client may switch from offsets to cursors at any page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeGuard, TypeVar

from sqlalchemy import ColumnElement, Select, func
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from homebase.core.cursor import CursorSpec, decode_cursor, encode_cursor
from homebase.db.keyset import SortKey, after, order_by, values_of
from homebase.db.session import LONG_READ


@dataclass(frozen=True, slots=True)
class PageRequest:
    """`cursor` None: offset paging; "" : the first page of a cursor walk; else a cursor."""

    limit: int = 50
    offset: int = 0
    cursor: str | None = None


T = TypeVar("T")
# A listing reads through an ORM session (items are objects) or, on the hot read routes, a
# Core connection (items are rows).
Db = AsyncSession | AsyncConnection


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int | None  # counted in offset mode only
    next_cursor: str | None  # None on the last page


@dataclass(frozen=True, slots=True)
class Listing:
    """A listing's order and the cursor spec it issues and accepts."""

    keys: Sequence[SortKey]
    spec: CursorSpec
    # The page's query reads every match anyway (a search sorts all its matches): offset
    # paging then counts them in that same pass instead of in a second query, on PostgreSQL.
    # SQLite reads a search's page in its index's order (no sort), where a window count would
    # hold every match in memory first: it counts them apart (`_counts_in_page`).
    counts_in_page: bool = False

    def next_cursor(self, row: Any) -> str:
        return encode_cursor(self.spec, values_of(self.keys, row))


async def _items(db: Db, query: Select[Any]) -> list[Any]:
    result = await db.execute(query.execution_options(**LONG_READ))
    return list(result if isinstance(db, AsyncConnection) else result.scalars())


async def offset_page(
    db: Db,
    query: Select[Any],
    ordering: Sequence[ColumnElement[Any]],
    limit: int,
    offset: int,
    key: ColumnElement[Any] | None = None,
) -> tuple[list[Any], int]:
    """`limit` rows of `query` (filtered, not yet ordered) after `offset` in `ordering`, and
    how many rows match in all. With `key`, the table's primary key, the page's keys are
    found first, in a query of keys alone (`page_by_keys`)."""
    total = await _count(db, query)
    if key is not None:
        page = page_by_keys(query, ordering, limit, offset, key)
    else:
        page = query.order_by(*ordering).limit(limit).offset(offset)
    rows = await _items(db, page)
    return rows, total


def page_by_keys(
    query: Select[Any],
    ordering: Sequence[ColumnElement[Any]],
    limit: int | ColumnElement[int],
    offset: int | ColumnElement[int],
    key: ColumnElement[Any],
) -> Select[Any]:
    """The page as "the rows whose key is among the page's keys": the rows to skip or to sort
    are read from an index that holds the order's columns (on PostgreSQL an index-only scan)
    instead of being fetched whole one by one. A page 999,950 rows deep took 0.66 s fetched
    directly and 0.14 s this way (docs/performance.md)."""
    keys = query.with_only_columns(key, maintain_column_froms=True)
    keys = keys.order_by(*ordering).limit(limit).offset(offset).correlate(None)
    return query.where(key.in_(keys)).order_by(*ordering)


def _primary_key(keys: Sequence[SortKey]) -> ColumnElement[Any] | None:
    """The key of `keys` that is its table's primary key (every listing has one: the id)."""
    return next((k.expression for k in keys if getattr(k.expression, "primary_key", False)), None)


async def counted_in_page(
    session: AsyncSession,
    query: Select[Any],
    ordering: Sequence[ColumnElement[Any]],
    limit: int,
    offset: int,
    key: ColumnElement[Any],
) -> tuple[list[Any], int]:
    """`offset_page` in one pass over the matches: the page's keys each carry the count of
    all matches (a window), and the rows are read by key as in `page_by_keys`. A search of a
    fragment in 25,000 of a million contacts took 0.29 s as a count and a page, 0.15 s so
    (docs/performance.md). Past the last match no row carries the count: then it is counted
    on its own."""
    total = func.count().over().label("homebase_total")
    keyed = query.with_only_columns(key.label("homebase_key"), total, maintain_column_froms=True)
    keys = keyed.order_by(*ordering).limit(limit).offset(offset).subquery()
    page = query.join(keys, key == keys.c.homebase_key).add_columns(keys.c.homebase_total)
    result = await session.execute(page.order_by(*ordering).execution_options(**LONG_READ))
    rows = result.all()
    if rows:
        return [row[0] for row in rows], int(rows[0][-1])
    if offset == 0:
        return [], 0
    return [], await _count(session, query)


async def _count(db: Db, query: Select[Any]) -> int:
    """How many rows `query` (filtered, not yet ordered) matches."""
    count = query.with_only_columns(func.count(), maintain_column_froms=True)
    return int(await db.scalar(count.execution_options(**LONG_READ)) or 0)


def _counts_in_page(db: Db, listing: Listing) -> TypeGuard[AsyncSession]:
    """Whether this page counts its matches in its own query (see `Listing.counts_in_page`).

    On SQLite the window count is both slower and heavier than a count beside the page: at
    100,000 matches 202 ms and a 4.8 MB peak of SQLite's memory, against 22 + 74 ms and
    0.1 MB (docs/performance.md, round 6)."""
    return (
        listing.counts_in_page
        and isinstance(db, AsyncSession)
        and db.get_bind().dialect.name == "postgresql"
    )


async def _by_offset(db: Db, query: Select[Any], listing: Listing, page: PageRequest) -> Page[Any]:
    ordering = order_by(listing.keys)
    key = _primary_key(listing.keys)
    if key is not None and _counts_in_page(db, listing):
        rows, total = await counted_in_page(db, query, ordering, page.limit, page.offset, key)
    else:
        # A first page in an index's order stops after its rows: nothing to skip.
        skips = key if page.offset > 0 else None
        rows, total = await offset_page(db, query, ordering, page.limit, page.offset, skips)
    return offset_result(rows, total, listing, page)


def offset_result(rows: list[T], total: int, listing: Listing, page: PageRequest) -> Page[T]:
    """The page of `rows` read at `page.offset` of `total` matches, with the next cursor."""
    more = bool(rows) and page.offset + len(rows) < total
    return Page(rows, total, listing.next_cursor(rows[-1]) if more else None)


def cursor_query(query: Select[T], listing: Listing, cursor: str, limit: int) -> Select[T]:
    """The rows after the one `cursor` names ("" for the start), in order, `limit` + 1 of
    them: the extra row tells whether another page follows."""
    if cursor:
        query = query.where(after(listing.keys, decode_cursor(listing.spec, cursor)))
    return query.order_by(*order_by(listing.keys)).limit(limit + 1)


async def _by_cursor(
    db: Db, query: Select[Any], listing: Listing, cursor: str, limit: int
) -> Page[Any]:
    rows = await _items(db, cursor_query(query, listing, cursor, limit))
    if len(rows) <= limit:
        return Page(rows, None, None)
    rows = rows[:limit]
    return Page(rows, None, listing.next_cursor(rows[-1]))


async def fetch_page(db: Db, query: Select[T], listing: Listing, page: PageRequest) -> Page[T]:
    """One page of `query` (filtered, not yet ordered) in the order of `listing`: ORM
    objects through a session, rows through a connection."""
    if page.cursor is None:
        return await _by_offset(db, query, listing, page)
    return await _by_cursor(db, query, listing, page.cursor, page.limit)

"""`python -m bench.search_floor`: what PostgreSQL alone needs for `GET /contacts?q=` at a
million contacts, beside what the service's own page statement takes.

`q=` answers an exact total (`X-Total-Count`, SPEC §4), so every match is counted. The trigram
index finds candidates, but PostgreSQL rechecks each one against its table row (a GIN index has
no index-only scan, and pg_trgm asks for a recheck of every `LIKE`), so a term costs a visit to
every table page holding a match. For each of the bench's search terms this prints the matches,
the table pages the count visited, the bare `SELECT count(*)` of the service's own condition and
the service's page statement (`fetch_page`, as `GET /contacts?q=` runs it), each the best of
three, on one connection. The bare count is the floor of any exact answer on this stack.

It seeds the bench's data (a scratch database, dropped after) unless `--url` names a database
the bench's seed already filled: `--url postgresql://…/db --owner ID`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from bench import seed
from bench.runner import _settings
from bench.scenarios import SEARCH_TERMS
from homebase.db.session import async_url
from homebase.repositories.contacts import filtered_query
from homebase.schemas.contact import ContactFilters
from homebase.services.contacts import listing
from homebase.services.paging import PageRequest, fetch_page

ROUNDS = 3


@dataclass
class Term:
    term: str
    matches: int
    pages: int
    count_ms: float
    page_ms: float


async def _best(run: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(ROUNDS):
        started = time.perf_counter()
        value = await run()
        best = min(best, (time.perf_counter() - started) * 1000)
    return best, value


async def _heap_pages(connection: AsyncConnection, sql: str) -> int:
    rows = await connection.execute(text(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}"))
    found: list[int] = []

    def walk(node: dict[str, Any]) -> None:
        found.append(int(node.get("Exact Heap Blocks", 0)) + int(node.get("Lossy Heap Blocks", 0)))
        for child in node.get("Plans", []):
            walk(child)

    walk(rows.scalar_one()[0]["Plan"])
    return sum(found)


async def measure(url: str, owner: int, terms: list[str]) -> list[Term]:
    engine = create_async_engine(async_url(url), poolclass=NullPool)
    measured = []
    try:
        async with engine.connect() as connection:
            session = AsyncSession(bind=connection)
            for term in terms:
                filters = ContactFilters(q=term)
                query = filtered_query(owner, filters)
                count = query.with_only_columns(func.count(), maintain_column_froms=True)

                async def counted(count: Any = count) -> Any:
                    return await connection.scalar(count)

                async def paged(filters: ContactFilters = filters, query: Any = query) -> Any:
                    return await fetch_page(session, query, listing(filters), PageRequest())

                count_ms, matches = await _best(counted)
                literal = count.compile(
                    connection.sync_connection, compile_kwargs={"literal_binds": True}
                )
                pages = await _heap_pages(connection, str(literal))
                page_ms, page = await _best(paged)
                if page.total != matches:
                    raise RuntimeError(f"{term}: the page says {page.total}, the count {matches}")
                session.expunge_all()
                measured.append(Term(term, int(matches), pages, count_ms, page_ms))
    finally:
        await engine.dispose()
    return measured


def table(rows: list[Term]) -> str:
    lines = [
        f"{'q=':<8} {'matches':>8} {'pages':>7} {'count(*) ms':>12} {'service page ms':>16}",
    ]
    for row in rows:
        lines.append(
            f"{row.term:<8} {row.matches:>8,} {row.pages:>7,} {row.count_ms:>12.1f}"
            f" {row.page_ms:>16.1f}"
        )
    return "\n".join(lines)


async def _seeded(heavy: int) -> tuple[str, str, int]:
    name, url = await seed.create_pg_database("homebase_search_floor")
    env = {"HOMEBASE_DATABASE_URL": url, "HOMEBASE_SECRET_KEY": "x" * 48}
    seeded = await seed.seed_homebase(_settings(env), 10, 1)
    await seed.seed_contacts(url, seeded, heavy, 100)
    return name, url, seeded.heavy_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search_floor", description=__doc__)
    parser.add_argument("--url", help="a database the bench's seed filled (default: seed one)")
    parser.add_argument("--owner", type=int, help="the contacts-heavy user's id, with --url")
    parser.add_argument("--contacts", type=int, default=1_000_000, help="contacts to seed")
    args = parser.parse_args(argv)
    name = None
    if args.url:
        if args.owner is None:
            parser.error("--url needs --owner")
        url, owner = args.url, args.owner
    else:
        print(f"seeding {args.contacts:,} contacts ...", flush=True)
        name, url, owner = asyncio.run(_seeded(args.contacts))
    try:
        print(table(asyncio.run(measure(url, owner, SEARCH_TERMS))))
    finally:
        if name is not None:
            asyncio.run(seed.drop_pg_database(name))
    return 0


if __name__ == "__main__":
    sys.exit(main())

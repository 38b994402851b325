"""`python -m bench.search_floor` counts what the service's search finds, over the bench's own
seeded contacts: its floor is the count of the same matches, not of other ones."""

from __future__ import annotations

import asyncpg

from bench import search_floor, seed
from bench.runner import _settings
from tests.support import create_pg_database, drop_pg_database


async def test_the_floor_counts_the_services_matches() -> None:
    name, url = await create_pg_database()
    try:
        env = {"HOMEBASE_DATABASE_URL": url, "HOMEBASE_SECRET_KEY": "x" * 48}
        seeded = await seed.seed_homebase(_settings(env), 3, 1)
        await seed.seed_contacts(url, seeded, 2_000, 10)
        rows = await search_floor.measure(url, seeded.heavy_id, ["ivan", "Bor", "zzzz"])
        connection = await asyncpg.connect(url)
        try:
            expected = [
                await connection.fetchval(
                    "SELECT count(*) FROM contact WHERE user_id = $1 AND search_text LIKE $2",
                    seeded.heavy_id,
                    f"%{term}%",
                )
                for term in ("ivan", "bor", "zzzz")
            ]
        finally:
            await connection.close()
    finally:
        await drop_pg_database(name)
    assert [row.matches for row in rows] == expected
    assert expected[0] > 0 and expected[1] > 0 and expected[2] == 0
    assert all(row.count_ms > 0 and row.page_ms > 0 for row in rows)
    assert rows[0].pages > 0
    printed = search_floor.table(rows)
    assert printed.splitlines()[1].split()[:2] == ["ivan", f"{expected[0]:,}"]

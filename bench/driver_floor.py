"""`python -m bench.driver_floor`: what one read of a task by id costs through SQLAlchemy's
execution, and through the driver as the hot read routes run it (`homebase.db.direct`).

Each row is the CPU time (`time.process_time`) of one read on the service's own read engine,
on a connection checked out of its pool and returned, in one process on uvloop: the best of a
few rounds of N reads. `pool` is the checkout and return alone, the part every way pays.

    python -m bench.driver_floor                     # SQLite and PostgreSQL, 5,000 reads a round
    python -m bench.driver_floor --backend sqlite -n 2000
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import uvloop
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.inprocess import best_cpu_us
from homebase.app_state import AppState
from homebase.db.base import utcnow
from homebase.db.direct import DirectSelect
from homebase.main import start
from homebase.models import Task
from tests.factories import Factory
from tests.support import make_settings, scratch_database

TASK = Task.__table__
BY_ID = select(TASK).where(TASK.c.id == bindparam("id"), TASK.c.user_id == bindparam("owner"))
DIRECT = DirectSelect(BY_ID)


def ways(engine: AsyncEngine, params: dict[str, int]) -> dict[str, Callable[[], Awaitable[Any]]]:
    async def sqlalchemy() -> Any:
        async with engine.connect() as connection:
            return (await connection.execute(BY_ID, params)).first()

    async def driver() -> Any:
        async with engine.connect() as connection:
            return await DIRECT.first(connection, params)

    async def pool() -> None:
        async with engine.connect():
            pass

    return {"SQLAlchemy execute": sqlalchemy, "driver (db/direct.py)": driver, "pool": pool}


async def measure(database_url: str, n: int) -> dict[str, float]:
    settings = make_settings(database_url, env="production", secret_key=secrets.token_urlsafe(32))
    state = AppState.build(settings)
    await start(state)
    try:
        owner = (await Factory(state).user()).id
        now = utcnow()
        async with state.sessionmaker() as session:
            task = Task(
                title="A task", search_text="a task", user_id=owner, created_at=now, updated_at=now
            )
            session.add(task)
            await session.commit()
            params = {"id": task.id, "owner": owner}
        calls = ways(state.read_engine, params)
        found = [await call() for call in calls.values()]
        if found[0] is None or tuple(found[0]) != tuple(found[1]):
            raise RuntimeError(f"the two reads differ: {found[0]} / {found[1]}")
        return {label: await best_cpu_us(call, n, warmup=300) for label, call in calls.items()}
    finally:
        await state.close()


async def run(backends: list[str], n: int) -> dict[str, dict[str, float]]:
    results = {}
    for backend in backends:
        with tempfile.TemporaryDirectory() as folder:
            async with scratch_database(backend, Path(folder) / "floor.db") as url:
                results[backend] = await measure(url, n)
    return results


def table(results: dict[str, dict[str, float]]) -> str:
    lines = [f"{'backend':<11} {'one read by id, pooled connection':<34} {'µs CPU':>7}"]
    for backend, rows in results.items():
        lines += [f"{backend:<11} {label:<34} {us:7.0f}" for label, us in rows.items()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.driver_floor", description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("-n", type=int, default=5000, help="reads per round")
    args = parser.parse_args()
    print(table(uvloop.run(run(args.backend or ["sqlite", "postgresql"], args.n))))


if __name__ == "__main__":
    main()

"""`python -m bench.inprocess`: CPU time per request of the hot reads, in one process.

wrk's req/s on a shared 2-core machine swings with what else runs; the CPU time the app spends
on one request does not (much). This drives the app through httpx's ASGI transport (no
uvicorn, no sockets), so it measures Homebase's own work per request — middleware, routing,
dependencies, queries, serialisation — as `time.process_time()` over N requests, the best of
a few rounds. Before/after figures of a change to the hot path come from here.

    python -m bench.inprocess                    # SQLite and PostgreSQL, 500 requests a row
    python -m bench.inprocess --backend sqlite -n 5000
"""

from __future__ import annotations

import argparse
import gc
import random
import secrets
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import uvloop

from homebase.db.base import utcnow
from homebase.main import create_app, start
from homebase.models import Task
from tests.factories import Factory
from tests.support import make_settings, scratch_database

ROUNDS = 3
TASKS = 100


class Asgi:
    """Calls the ASGI app directly: httpx's transport would cost more than the app itself."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def get(self, target: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        path, _, query = target.partition("?")
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": query.encode(), "root_path": "",
            "headers": [(b"host", b"bench")]
            + [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80), "state": {},
        }  # fmt: skip
        status, body = 0, bytearray()

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            else:
                body.extend(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, bytes(body)


async def best_cpu_us(call: Callable[[], Awaitable[Any]], n: int, *, warmup: int = 200) -> float:
    """The fewest CPU microseconds per call over ROUNDS rounds of `n` calls, after
    `min(n, warmup)` calls that warm caches, pools and compiled statements."""
    for _ in range(min(n, warmup)):
        await call()
    best = float("inf")
    for _ in range(ROUNDS):
        gc.collect()
        start = time.process_time()
        for _ in range(n):
            await call()
        best = min(best, (time.process_time() - start) / n * 1e6)
    return best


async def _per_request_us(call: Callable[[], Awaitable[tuple[int, bytes]]], n: int) -> float:
    """`best_cpu_us` of requests, each of which must succeed."""

    async def checked() -> None:
        status, body = await call()
        if status >= 300:
            raise RuntimeError(f"{status}: {body[:200]!r}")

    return await best_cpu_us(checked, n)


async def measure(database_url: str, n: int, only: str | None = None) -> dict[str, float]:
    settings = make_settings(
        database_url, env="production", log_level="WARNING", secret_key=secrets.token_urlsafe(32)
    )
    app = create_app(settings)
    state = app.state.homebase
    await start(state)
    try:
        factory = Factory(state)
        handle = await factory.user()
        now = utcnow()
        async with state.sessionmaker() as session:
            tasks = [
                Task(
                    title=f"Task {i}",
                    description="A task of the in-process benchmark.",
                    search_text=f"task {i}",
                    user_id=handle.id,
                    created_at=now,
                    updated_at=now,
                )
                for i in range(TASKS)
            ]
            session.add_all(tasks)
            await session.commit()
            ids = [task.id for task in tasks]
        rng = random.Random(1)
        client = Asgi(app)
        bearer = handle.bearer
        rows = {
            "Bearer GET /tasks/{id}": lambda: client.get(
                f"/tasks/{rng.choice(ids)}", headers=bearer
            ),
            "Bearer GET /tasks?limit=50": lambda: client.get("/tasks?limit=50", headers=bearer),
            "Bearer GET /users/me": lambda: client.get("/users/me", headers=bearer),
            "GET /health": lambda: client.get("/health"),
            "GET /health/live": lambda: client.get("/health/live"),
        }
        return {
            label: await _per_request_us(call, n)
            for label, call in rows.items()
            if only is None or only in label
        }
    finally:
        await state.close()


async def run(backends: list[str], n: int, only: str | None = None) -> None:
    for backend in backends:
        with tempfile.TemporaryDirectory() as folder:
            async with scratch_database(backend, Path(folder) / "bench.db") as url:
                results = await measure(url, n, only)
        for label, us in results.items():
            print(f"{backend:<11} {label:<28} {us:8.0f} µs CPU/request")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("-n", type=int, default=500, help="requests per round")
    parser.add_argument("--only", help="only the rows whose label contains this")
    args = parser.parse_args()
    # On uvloop, as `homebase serve` runs (uvicorn's "auto" loop): a long read's thread hop
    # costs ~55 µs of CPU there and ~170 µs on asyncio's own loop.
    uvloop.run(run(args.backend or ["sqlite", "postgresql"], args.n, args.only))


if __name__ == "__main__":
    main()

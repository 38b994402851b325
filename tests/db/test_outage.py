"""A PostgreSQL outage under load (operations issue §3), on a private cluster of its own.

While writers register users and a prober polls /health/ready, the cluster is stopped
(`pg_ctl stop -m fast`) for a few seconds and started again. Every request must end quickly with
a success or a 503 `database_unavailable` (no hang, no 500), the service must serve writes again
within 5 seconds of the database's return, and every acknowledged write must still be there.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from homebase.app_state import AppState
from homebase.main import create_app, start
from tests.db.cluster import PrivateCluster
from tests.support import make_settings

pytestmark = pytest.mark.slow

WRITERS = 3
WARM_UP = 1.5
OUTAGE = 3.0
RECOVERY_BOUND = 5.0
HANG_BOUND = 10.0  # longer than any timeout of the service: past it, a request hangs


@dataclass(frozen=True)
class Outcome:
    kind: str  # "write" or "ready"
    started: float
    finished: float
    status: int  # 0: no answer within HANG_BOUND
    detail: str | None  # the error code, or what /health/ready said about the database


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    cluster = PrivateCluster()
    try:
        cluster.create()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


class Load:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.clock = asyncio.get_running_loop().time
        self.outcomes: list[Outcome] = []
        self.acked: dict[int, str] = {}
        self.done = asyncio.Event()
        self.back_at: float | None = None  # when the database accepted connections again
        self.recovered = asyncio.Event()  # a write succeeded after that

    async def call(
        self, kind: str, method: str, url: str, **kwargs: object
    ) -> httpx.Response | None:
        started = self.clock()
        try:
            response = await asyncio.wait_for(self.http.request(method, url, **kwargs), HANG_BOUND)  # type: ignore[arg-type]
        except TimeoutError:
            self.outcomes.append(Outcome(kind, started, self.clock(), 0, "hang"))
            return None
        body = response.json() if response.content else {}
        detail = body.get("code") if kind == "write" else body.get("database")
        finished = self.clock()
        self.outcomes.append(Outcome(kind, started, finished, response.status_code, detail))
        if kind == "write" and response.status_code == 201 and self.back_at is not None:
            self.recovered.set()
        return response

    async def writer(self, number: int) -> None:
        for index in itertools.count():
            if self.done.is_set():
                return
            email = f"writer{number}-{index}@example.com"
            body = {"email": email, "password": "long enough pw"}
            response = await self.call("write", "POST", "/auth/register", json=body)
            if response is not None and response.status_code == 201:
                self.acked[response.json()["id"]] = email
            await asyncio.sleep(0.01)

    async def prober(self) -> None:
        while not self.done.is_set():
            await self.call("ready", "GET", "/health/ready")
            await asyncio.sleep(0.05)

    def writes(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.kind == "write"]

    def first_success_after(self, moment: float) -> Outcome | None:
        successes = [w for w in self.writes() if w.status == 201 and w.finished >= moment]
        return min(successes, key=lambda w: w.finished, default=None)


@dataclass(frozen=True)
class Moments:
    down: float  # the stop was asked for
    stopped: float  # the cluster is down
    starting: float  # the start was asked for
    back: float  # the cluster accepts connections again


async def run_outage(app: FastAPI, cluster: PrivateCluster) -> tuple[Load, Moments]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        load = Load(http)
        tasks = [asyncio.create_task(load.writer(n)) for n in range(WRITERS)]
        tasks.append(asyncio.create_task(load.prober()))
        try:
            await asyncio.sleep(WARM_UP)
            down = load.clock()
            await asyncio.to_thread(cluster.stop)
            stopped = load.clock()
            await asyncio.sleep(OUTAGE)
            starting = load.clock()
            await asyncio.to_thread(cluster.start)
            load.back_at = back = load.clock()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(load.recovered.wait(), RECOVERY_BOUND + 5)
            await asyncio.sleep(1.0)  # the load goes on a little after recovery
        finally:
            load.done.set()
            await asyncio.gather(*tasks)
    return load, Moments(down, stopped, starting, back)


async def test_outage_fails_fast_recovers_and_keeps_acknowledged_writes(
    cluster: PrivateCluster,
) -> None:
    app = create_app(make_settings(cluster.url, db_connect_timeout=2.0))
    state: AppState = app.state.homebase
    await start(state)
    try:
        load, moments = await run_outage(app, cluster)
    finally:
        await state.close()
    writes = load.writes()
    probes = [outcome for outcome in load.outcomes if outcome.kind == "ready"]
    during = [w for w in writes if w.started >= moments.stopped and w.finished <= moments.starting]
    before = [w for w in writes if w.finished < moments.down]
    recovered = load.first_success_after(moments.back)
    worst = max(w.finished - w.started for w in writes if w.started >= moments.down)
    print(
        f"\noutage figures: {len(writes)} writes ({len(before)} before the outage), "
        f"{sum(w.status == 503 for w in writes)} answered 503, {len(during)} while the "
        f"database was down (all 503); slowest answer from the stop on {worst * 1000:.0f} ms; "
        f"stop took {(moments.stopped - moments.down) * 1000:.0f} ms; recovery "
        + (f"{(recovered.finished - moments.back) * 1000:.0f} ms" if recovered else "none")
        + f" after the database was back; {len(load.acked)} writes acknowledged"
    )

    assert not [o for o in load.outcomes if o.status == 0], "a request hung"
    assert {w.status for w in writes} <= {201, 503}
    assert {w.detail for w in writes if w.status == 503} == {"database_unavailable"}
    assert {p.status for p in probes} <= {200, 503}
    assert before, "no write succeeded before the outage"
    assert len(during) >= 3 and all(w.status == 503 for w in during)
    assert any(p.status == 503 and p.detail == "unavailable" for p in probes)

    assert recovered is not None, "no write succeeded after the database came back"
    assert recovered.finished - moments.back <= RECOVERY_BOUND
    after = [w for w in writes if w.started >= recovered.finished]
    assert after and all(w.status == 201 for w in after)
    assert probes[-1].status == 200

    connection = await asyncpg.connect(cluster.url, timeout=10)
    try:
        stored = {
            row["id"]: row["email"]
            for row in await connection.fetch('SELECT id, email FROM "user"')
        }
    finally:
        await connection.close()
    lost = {user_id for user_id, email in load.acked.items() if stored.get(user_id) != email}
    assert not lost, f"{len(lost)} acknowledged writes are missing"

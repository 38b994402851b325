"""Schemathesis fuzzes every operation of `/openapi.json`, in-process, with a real Bearer token.

Positive and negative data for each operation, `HOMEBASE_FUZZ_EXAMPLES` examples per
operation and mode (5 by default, which keeps `make test` within its time; 50 or more for a
deeper run), derandomised so a run is reproducible. Checks: no 5xx,
and status codes, content types, headers and bodies as the OpenAPI document declares them;
invalid data must be refused. The figures (operations, cases, failures) are printed (-s).
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import checks
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi
from sqlalchemy import select

from homebase.app_state import AppState
from homebase.db.migrate import migrate
from homebase.main import create_app
from homebase.models import User
from tests.cli.server import free_port
from tests.support import BACKENDS, create_pg_database, drop_pg_database, make_settings

EXAMPLES = int(os.environ.get("HOMEBASE_FUZZ_EXAMPLES", "5"))
ADMIN_EMAIL = "fuzzer@example.com"
ADMIN_PASSWORD = "correct horse battery staple"
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]
T = TypeVar("T")


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine on a loop of its own, in a thread (the test's thread has one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


async def seed_admin(database_url: str) -> None:
    """The fuzzer's admin, as it was: the fuzzer may delete, deactivate or re-password it."""
    state = AppState.build(make_settings(database_url))
    try:
        await migrate(state.settings)
        async with state.sessionmaker() as session:
            user = await session.scalar(select(User).where(User.email == ADMIN_EMAIL))
            if user is None:
                user = User(name="Fuzzer", email=ADMIN_EMAIL, password_hash="")
                session.add(user)
            user.password_hash = state.hasher.hash_sync(ADMIN_PASSWORD)
            user.is_admin = user.is_active = True
            await session.commit()
    finally:
        await state.close()


@dataclass
class Credentials:
    """A Bearer token of the admin, renewed whenever a fuzzed call may have ended it."""

    app: Any
    database_url: str
    token: str = ""
    stale: bool = True

    def headers(self) -> dict[str, str]:
        if self.stale:
            self._renew()
        return {"Authorization": f"Bearer {self.token}"}

    def _renew(self) -> None:
        with asgi.get_client(self.app) as http:
            if self.token and http.get("/auth/me", headers=self._bearer()).status_code == 200:
                self.stale = False
                return
            run_async(lambda: seed_admin(self.database_url))
            response = http.post(
                "/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
            )
            assert response.status_code == 200, response.text
            self.token = response.json()["access_token"]
        self.stale = False

    def _bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Figures:
    operations: int = 0
    cases: int = 0
    failures: dict[str, str] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)

    def summary(self, backend: str) -> str:
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        return (
            f"schemathesis on {backend}: {self.operations} operations, {self.cases} cases, "
            f"{len(self.failures)} failures ({statuses})"
        )


def fuzz(app: Any, database_url: str) -> Figures:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    credentials = Credentials(app, database_url)
    figures = Figures()
    for result in schema.get_all_operations():
        operation = result.ok()
        figures.operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case: schemathesis.Case) -> None:
                headers = credentials.headers()
                response = case.call(headers=headers)
                figures.cases += 1
                figures.statuses[response.status_code] += 1
                if case.method != "GET" and response.status_code < 300:
                    credentials.stale = True
                case.validate_response(response, checks=CHECKS, headers=headers)

            try:
                run()
            except Unsatisfiable:
                pass  # no negative data exists for an operation without parameters
            except Exception as exc:  # every failure of every operation, reported together
                figures.failures[f"{operation.label} ({mode.value})"] = str(exc)[:2000]
    return figures


@pytest.fixture(params=BACKENDS)
def fuzz_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fuzz.db'}"
        return
    name, url = run_async(create_pg_database)
    try:
        yield url
    finally:
        run_async(lambda: drop_pg_database(name))


def test_schemathesis_finds_nothing(fuzz_database: str, capsys: pytest.CaptureFixture[str]) -> None:
    # Mail configured (to a port nobody listens on; no worker sends), so that the mail
    # endpoints are fuzzed past their 503 `mail_unavailable`.
    settings = make_settings(
        fuzz_database,
        smtp_url=f"smtp://127.0.0.1:{free_port()}",
        mail_from="Homebase <noreply@home.example.com>",
        public_url="https://home.example.com",
        mail_worker_interval=0,
    )
    app = create_app(settings)
    try:
        figures = fuzz(app, fuzz_database)
    finally:
        asgi.shutdown_lifespans()
    backend = fuzz_database.split(":", 1)[0]
    with capsys.disabled():
        print("\n" + figures.summary(backend))
    assert figures.operations >= 20
    assert figures.cases >= figures.operations * EXAMPLES
    assert not figures.failures, "\n\n".join(f"{k}:\n{v}" for k, v in figures.failures.items())

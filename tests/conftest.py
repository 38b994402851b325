"""Test fixtures: every API test runs once on SQLite and once on PostgreSQL.

`HOMEBASE_TEST_BACKENDS=sqlite` (or `postgresql`) narrows a local run to one backend. The
PostgreSQL server is required: when it is unreachable the tests fail, they never skip (outside
CI a throwaway one is started when PostgreSQL is installed but not running: local_servers.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from homebase.app_state import AppState
from homebase.core.ratelimit import RateLimiter
from homebase.core.smtp import SmtpConfig, SmtpSender
from homebase.db.base import Base
from homebase.main import create_app, start
from homebase.services.mail import Mailer
from tests import local_servers
from tests.factories import Factory
from tests.mail_server import MAIL_FROM, PUBLIC_URL, MailBox, MailServer
from tests.pgbouncer import PgBouncer, PgBouncerError
from tests.support import (
    API_BACKENDS,
    BACKENDS,
    make_settings,
    scratch_database,
)


@pytest.hookimpl(trylast=True)  # after the terminal reporter exists
def pytest_configure(config: pytest.Config) -> None:
    local_servers.ensure(config)


@pytest.fixture(scope="session")
def tmp_session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("homebase")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The API suite (tests/api) also runs through PgBouncer; elsewhere that backend would
    only repeat PostgreSQL's runs. One `database_url` fixture serves both, so that every
    session-wide app and its database stay one pair."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        pooled = callspec is not None and callspec.params.get("database_url") == "pgbouncer"
        (drop if pooled and not item.nodeid.startswith("tests/api/") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    # The longest files first: `make test` hands tests to its workers in this order, and a
    # long test handed out last keeps one worker busy while the others idle.
    keep.sort(key=_longest_first)
    items[:] = keep


def _longest_first(item: pytest.Item) -> int:
    path = item.nodeid.split("::", 1)[0]
    return LONGEST_FILES.index(path) if path in LONGEST_FILES else len(LONGEST_FILES)


# The test files that take longest (real servers, whole-suite runs, fuzzing), longest first.
LONGEST_FILES = (
    "tests/security/test_fuzz.py",
    "tests/test_local_servers.py",
    "tests/db/test_concurrent_start.py",
    "tests/cli/test_serve.py",
    "tests/security/test_shared_limits.py",
    "tests/db/test_cursor_plans.py",
    "tests/cli/test_readme_tour.py",
    "tests/api/dav/test_vdirsyncer.py",
    "tests/db/test_contact_indexes.py",
    "tests/test_packaging.py",
)


@pytest.fixture(scope="session")
def pgbouncer() -> Iterator[PgBouncer]:
    """A PgBouncer in transaction pooling mode in front of the test server (started once)."""
    try:
        bouncer = PgBouncer()
    except PgBouncerError as exc:
        pytest.fail(str(exc))
    try:
        yield bouncer
    finally:
        bouncer.stop()


async def open_database(request: pytest.FixtureRequest, folder: Path) -> AsyncIterator[str]:
    """A fresh, empty database on the backend named by the fixture's parameter: `sqlite`,
    `postgresql`, or `pgbouncer` (PostgreSQL reached through PgBouncer)."""
    backend = "sqlite" if request.param == "sqlite" else "postgresql"
    async with scratch_database(backend, folder / "api.db") as url:
        if request.param == "pgbouncer":
            url = request.getfixturevalue("pgbouncer").url_for(url)
        yield url


@pytest.fixture(scope="session", params=API_BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_session_dir: Path) -> AsyncIterator[str]:
    """A fresh, empty database for this run, per backend (PgBouncer: tests/api only)."""
    async for url in open_database(request, tmp_session_dir):
        yield url


@pytest.fixture(params=BACKENDS)
async def migration_database_url(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[str]:
    """An empty database of its own, for a test that migrates it."""
    async with scratch_database(request.param, tmp_path / "migrated.db") as url:
        yield url


@pytest.fixture(scope="session")
async def app(database_url: str) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(database_url))
    state: AppState = application.state.homebase
    await start(state)
    try:
        yield application
    finally:
        await state.close()


@pytest.fixture(scope="session")
def state(app: FastAPI) -> AppState:
    result: AppState = app.state.homebase
    return result


@pytest.fixture(autouse=True)
async def _clean_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Empty every table after each test that used the shared app."""
    if "state" not in request.fixturenames and "app" not in request.fixturenames:
        yield
        return
    state: AppState = request.getfixturevalue("state")
    yield
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    # DELETE, children first, on both backends: on a few rows it costs a fraction of
    # PostgreSQL's TRUNCATE (new files for every table, each test). Ids are not restarted, on
    # PostgreSQL as on SQLite (AUTOINCREMENT): no test may rely on an id's value.
    async with state.engine.begin() as connection:
        for name in tables:
            await connection.execute(text(f'DELETE FROM "{name}"'))  # noqa: S608
    await state.limiter.reset()
    state.credential_cache.clear()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
def factory(state: AppState) -> Factory:
    return Factory(state)


@pytest.fixture
def anyio_backend() -> Iterator[str]:
    yield "asyncio"


@pytest.fixture
async def mail(state: AppState) -> AsyncIterator[MailBox]:
    """A real SMTP server, and the app's mailer pointed at it (its worker is run by hand)."""
    server = MailServer().start()
    original = state.mailer
    # The account manager mails too (the refused login of an unverified address).
    state.mailer = state.accounts.mailer = Mailer(
        state.write_sessions,
        sender_address=MAIL_FROM,
        public_url=PUBLIC_URL,
        transport=SmtpSender(SmtpConfig.from_url(server.url)),
    )
    try:
        yield MailBox(server, state.mailer)
    finally:
        state.mailer = state.accounts.mailer = original
        server.stop()


@pytest.fixture
async def rate_limits(state: AppState) -> AsyncIterator[RateLimiter]:
    """Rate limits and the lock on (the shared test app runs without them)."""
    original = state.limiter
    limiter = RateLimiter(state.settings.model_copy(update={"rate_limit_enabled": True}))
    # The account manager holds the limiter and the lock too (services/accounts.py).
    state.limiter = state.accounts.limiter = limiter
    state.accounts.lockout = limiter.lockout
    try:
        yield limiter
    finally:
        await limiter.reset()
        state.limiter = state.accounts.limiter = original
        state.accounts.lockout = original.lockout

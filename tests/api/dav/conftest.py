"""DAV test fixtures: a live server over the database store for the real clients."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.api.dav.live import Live, live_server, register
from tests.conftest import open_database
from tests.support import BACKENDS

_numbers = itertools.count(1)


@pytest.fixture(scope="module", params=BACKENDS)
async def live_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A database of its own for the live server (the shared one is emptied between tests)."""
    async for url in open_database(request, tmp_path_factory.mktemp("live")):
        yield url


@pytest.fixture(scope="module")
def live_base(live_database: str) -> Iterator[str]:
    """A live server over the database store, for the whole module."""
    with live_server(live_database) as base:
        yield base


@pytest.fixture
def live(live_base: str) -> Live:
    """A fresh registered user on the live server: every test starts with empty collections."""
    email, password = f"live{next(_numbers)}@example.com", "correct horse battery"
    return Live(live_base, email, password, register(live_base, email, password))

"""The API suite runs on every backend, and on PostgreSQL through PgBouncer as well."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import open_database
from tests.support import API_BACKENDS


@pytest.fixture(scope="session", params=API_BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_session_dir: Path) -> AsyncIterator[str]:
    """A fresh, empty database for this run, per backend (PgBouncer included)."""
    async for url in open_database(request, tmp_session_dir):
        yield url

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI


@pytest.fixture
async def sweep_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Like `client`, but an unhandled exception comes back as the 500 the app sends, so a
    sweep can list every failure instead of stopping at the first."""
    transport = httpx.ASGITransport(
        app=app, client=("203.0.113.7", 50000), raise_app_exceptions=False
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http

"""A live Homebase on a real port, for the DAV clients that speak only HTTP (caldav,
vdirsyncer): uvicorn in a thread, on the backend's own database and its own event loop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import uvicorn

from homebase.main import create_app
from tests.cli.server import free_port
from tests.support import make_settings

START_TIMEOUT = 30.0


@dataclass(frozen=True)
class Live:
    base: str
    login: str
    password: str
    user_id: int

    @property
    def home(self) -> str:
        return f"{self.base}/dav/users/{self.user_id}/"


@contextmanager
def live_server(database_url: str) -> Iterator[str]:
    app = create_app(make_settings(database_url))
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise AssertionError("the live server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def register(base: str, email: str, password: str) -> int:
    response = httpx.post(f"{base}/auth/register", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    user_id: int = response.json()["id"]
    return user_id

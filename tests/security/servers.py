"""Real `homebase serve` processes for the tests that need more than one worker."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(**settings: str) -> dict[str, str]:
    """The environment for a server: HOMEBASE_* from `settings`, nothing inherited."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOMEBASE_")}
    env.update({f"HOMEBASE_{key.upper()}": value for key, value in settings.items()})
    return env


@contextlib.contextmanager
def running_server(env: dict[str, str], cwd: Path, *extra: str) -> Iterator[str]:
    """Start `homebase serve` on a free 127.0.0.1 port; yield its base URL; stop it."""
    port = free_port()
    log = (cwd / f"server-{port}.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "homebase",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *list(extra),
        ],
        env=env,
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {(cwd / log.name).read_text()[-2000:]}")
            try:
                if httpx.get(f"{base_url}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start within 30 s")
            time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()

"""A real `homebase serve` process on a free 127.0.0.1 port, for tests that need one."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.port = port
        self.lines: list[str] = []
        self.startup_seconds = 0.0
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_for_line(self, predicate: Callable[[str], bool], timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = next((line for line in self.lines if predicate(line)), None)
                if found is not None:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.process.poll() is not None:
                    raise AssertionError("expected log line never came:\n" + self.output())
                self._changed.wait(min(remaining, 0.5))

    def wait_ready(self) -> float:
        """Poll /health/ready; return the seconds it took from the process start."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("server exited during start-up:\n" + self.output())
            try:
                if httpx.get(self.url("/health/ready"), timeout=2).status_code == 200:
                    return time.monotonic()
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError("server not ready in time:\n" + self.output())

    def stop(self, timeout: float = 40) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        self._reader.join(5)
        return code

    def output(self) -> str:
        return "\n".join(self.lines)


def server_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("HOMEBASE_") and key != "PROMETHEUS_MULTIPROC_DIR"
    }
    env.update(
        {
            "HOMEBASE_ENV": "test",
            "HOMEBASE_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
            "HOMEBASE_ARGON2_MEMORY_KIB": "64",
            "HOMEBASE_ARGON2_TIME_COST": "1",
            "HOMEBASE_RATE_LIMIT_ENABLED": "false",
        }
    )
    env.update(extra)
    return env


@contextmanager
def running_server(tmp_path: Path, *args: str, **env: str) -> Iterator[Server]:
    """Start `python -m homebase serve` in tmp_path; it is killed if the test leaves it up."""
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "homebase", "serve", "--port", str(port), *args],
        cwd=tmp_path,
        env=server_env(tmp_path, **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    server = Server(process, port)
    try:
        server.startup_seconds = server.wait_ready() - started
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        server._reader.join(5)
        if process.stderr is not None:
            process.stderr.close()

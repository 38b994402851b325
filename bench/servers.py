"""Server processes under test: started in their own process group, always stopped."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
ACCESS_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3})')
BIN = Path(sys.executable).parent
WORKERS = 2
# The flags `homebase serve` gives uvicorn, so the FastAPI references run the same way.
UVICORN_FLAGS = ["--log-level", "info", "--no-proxy-headers", "--no-server-header"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http(
    method: str,
    url: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, Any]:
    """A small JSON client for set-up calls (never for measuring)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


class Server:
    """One server command on a free 127.0.0.1 port. Use as a context manager."""

    def __init__(
        self,
        name: str,
        command: list[str],
        *,
        port: int,
        cwd: Path,
        env: dict[str, str] | None = None,
        ready_path: str = "/",
    ) -> None:
        self.name = name
        self.command = command
        self.port = port
        self.cwd = cwd
        # Only the bench's HOMEBASE_* settings: none leak in from the caller's environment.
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("HOMEBASE_")}
        self.env = {**inherited, "PYTHONPATH": str(ROOT), **(env or {})}
        self.ready_path = ready_path
        self.log_path = cwd / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.ready_seconds: float | None = None
        self.database: str | None = None  # the PostgreSQL database it serves, if any
        self.keeps_alive = True  # gunicorn's sync workers close every connection

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> float:
        """Start; return the seconds from process start to the first 200 on `ready_path`."""
        log = self.log_path.open("ab")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log_tail()}")
            try:
                status, _ = http("GET", self.url + self.ready_path, timeout=2)
            except OSError:
                status = 0
            if status == 200:
                self.ready_seconds = time.perf_counter() - started
                return self.ready_seconds
            time.sleep(0.01)
        raise RuntimeError(f"{self.name} was not ready in {timeout:g} s:\n{self.log_tail()}")

    def problems(self) -> dict[str, Any]:
        """What the server's own log says went wrong: non-2xx answers by request (from the
        access log) and the first error lines."""
        answers: Counter[str] = Counter()
        errors: list[str] = []
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return {}
        for line in text.splitlines():
            found = ACCESS_LINE.search(line)
            if found and not found["status"].startswith("2"):
                path = re.sub(r"\d+", "N", found["path"].split("?", 1)[0])
                answers[f"{found['method']} {path} {found['status']}"] += 1
            elif line.startswith(("ERROR", "Traceback")) and len(errors) < 5:
                errors.append(line[:300])
        return {"non_2xx": dict(answers), "error_lines": errors}

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def workers(self) -> list[psutil.Process]:
        if self.process is None:
            return []
        try:
            children = psutil.Process(self.process.pid).children()
        except psutil.NoSuchProcess:
            return []
        return [c for c in children if "resource_tracker" not in " ".join(_cmdline(c))]

    def connection_split(self) -> list[int]:
        """Established client connections held by each worker."""
        split = []
        for worker in self.workers():
            try:
                sockets = worker.net_connections(kind="tcp")
            except psutil.Error:
                continue
            split.append(
                sum(1 for c in sockets if c.laddr and c.laddr.port == self.port
                    and c.status == psutil.CONN_ESTABLISHED)
            )  # fmt: skip
        return split

    def worker_rss_mb(self) -> list[float]:
        sizes = []
        for worker in self.workers():
            try:
                sizes.append(round(worker.memory_info().rss / 2**20, 1))
            except psutil.NoSuchProcess:
                continue
        return sizes

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        pgid = self.process.pid  # its own session: the group holds the workers too
        for sig, wait in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def uvicorn_server(
    name: str, app: str, cwd: Path, env: dict[str, str] | None = None, ready_path: str = "/"
) -> Server:
    port = free_port()
    command = [
        str(BIN / "python"),
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
        *UVICORN_FLAGS,
    ]
    return Server(name, command, port=port, cwd=cwd, env=env, ready_path=ready_path)


def gunicorn_server(name: str, app: str, cwd: Path, env: dict[str, str] | None = None) -> Server:
    port = free_port()
    command = [
        str(BIN / "python"),
        "-m",
        "gunicorn",
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        app,
    ]
    server = Server(name, command, port=port, cwd=cwd, env=env, ready_path="/users/1")
    server.keeps_alive = False
    return server


def homebase_server(name: str, cwd: Path, env: dict[str, str], workers: int = WORKERS) -> Server:
    port = free_port()
    command = [
        str(BIN / "homebase"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    return Server(name, command, port=port, cwd=cwd, env=env, ready_path="/health/ready")

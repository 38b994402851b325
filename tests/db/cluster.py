"""A private, throw-away PostgreSQL cluster (initdb + pg_ctl on a free port).

The fault test stops and starts this one, never the shared server other test runs use.
As root, the PostgreSQL tools run as the `postgres` user (initdb refuses to run as root).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.cli.server import free_port


def find_postgres_bindir() -> Path | None:
    """Where initdb and pg_ctl are (pg_config's answer, or Debian's versioned folders)."""
    try:
        found = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        found = ""
    for candidate in [found, *sorted(map(str, Path("/usr/lib/postgresql").glob("*/bin")))[::-1]]:
        if candidate and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def postgres_bindir() -> Path:
    found = find_postgres_bindir()
    if found is None:
        pytest.fail("the PostgreSQL server binaries (initdb, pg_ctl) are required for this test")
    return found


class PrivateCluster:
    def __init__(self) -> None:
        self.bindir = postgres_bindir()
        # Not under pytest's tmp_path: the postgres user must be able to reach the folder.
        self.root = Path(tempfile.mkdtemp(prefix="homebase-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.running = False
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bindir / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        finished = subprocess.run(command, capture_output=True, text=True, timeout=30)
        if finished.returncode != 0:
            pytest.fail(f"{tool} failed: {finished.stdout}{finished.stderr}")

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        log = str(self.root / "server.log")
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "-t", "15", "start"
        )
        self.running = True

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "15", "stop")
        self.running = False

    def destroy(self) -> None:
        try:
            if self.running:
                self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

"""A real PgBouncer (Debian's `pgbouncer`) in transaction pooling mode, in front of the test
PostgreSQL server, on a free port (for the test suite and for `make bench`).

As root it runs as the `postgres` user (PgBouncer refuses to run as root).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import make_url

from tests import support
from tests.cli.server import free_port
from tests.support import POOLED_URLS

START_TIMEOUT = 15.0


class PgBouncerError(RuntimeError):
    pass


def pgbouncer_binary() -> str:
    found = shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
    )
    if found is None:
        raise PgBouncerError("PgBouncer is required: apt-get install pgbouncer")
    return found


class PgBouncer:
    def __init__(self, pool_size: int = 2) -> None:
        upstream = make_url(support.PG_ADMIN_DSN)  # read late: a throwaway server may serve
        self.root = Path(tempfile.mkdtemp(prefix="homebase-pgbouncer-"))
        self.port = free_port()
        user = upstream.username or "postgres"
        (self.root / "users.txt").write_text(f'"{user}" ""\n')
        (self.root / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={upstream.host or '127.0.0.1'} port={upstream.port or 5432}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self.root / 'users.txt'}\n"
            "pool_mode = transaction\n"
            "max_client_conn = 500\n"
            f"default_pool_size = {pool_size}\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
        )
        command = [pgbouncer_binary(), str(self.root / "pgbouncer.ini")]
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres")
            for name in ("users.txt", "pgbouncer.ini"):
                shutil.chown(self.root / name, user="postgres")
            command = ["runuser", "-u", "postgres", "--", *command]
        self.log = open(self.root / "pgbouncer.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_until_listening()

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.root / "pgbouncer.log").read_text()
                self.stop()
                raise PgBouncerError(f"PgBouncer exited: {log}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise PgBouncerError("PgBouncer did not start listening in time")

    def url_for(self, database_url: str) -> str:
        """The same database, reached through PgBouncer."""
        url = make_url(database_url).set(host="127.0.0.1", port=self.port)
        pooled = url.render_as_string(hide_password=False)
        POOLED_URLS.add(pooled)
        return pooled

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()
        shutil.rmtree(self.root, ignore_errors=True)

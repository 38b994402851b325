"""`make test` on a machine where PostgreSQL and Redis are installed but not running: the suite
starts throwaway ones (a private cluster, a Redis without persistence, on free ports) and stops
them at the end. Where they are not installed it stops with one line saying what to install.

Under CI=true nothing is started: the configured servers must answer (tests fail otherwise).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest

from tests import support
from tests.cli.server import free_port
from tests.db.cluster import PrivateCluster, find_postgres_bindir
from tests.pgbouncer import PgBouncerError, pgbouncer_binary

INSTALL_HINT = (
    "make test needs PostgreSQL, PgBouncer and Redis: install them (Debian/Ubuntu: apt-get "
    "install postgresql pgbouncer redis-server), or point "
    "HOMEBASE_TEST_PG / HOMEBASE_TEST_REDIS at running servers"
)


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def start_redis() -> tuple[str, Callable[[], None]]:
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 15
    while not reachable(url, port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.exit(f"a throwaway redis-server did not start on port {port}", returncode=4)
        time.sleep(0.05)

    def stop() -> None:
        process.terminate()
        process.wait(10)

    return url, stop


def start_postgresql() -> tuple[str, Callable[[], None]]:
    cluster = PrivateCluster()
    try:
        cluster.create()
        cluster.start()
    except pytest.fail.Exception as exc:
        cluster.destroy()
        pytest.exit(f"a throwaway PostgreSQL did not start: {exc}".splitlines()[0], returncode=4)
    return cluster.url, cluster.destroy


def ensure(config: pytest.Config) -> None:
    """Make support.PG_ADMIN_DSN and support.REDIS_URL answer, or stop the run with one line."""
    if os.environ.get("CI") == "true":
        return
    uses_pg = bool({"postgresql", "pgbouncer"} & set(support.BACKENDS))
    need_pg = uses_pg and not reachable(support.PG_ADMIN_DSN, 5432)
    need_redis = not reachable(support.REDIS_URL, 6379)
    missing = []
    if need_pg and find_postgres_bindir() is None:
        missing.append("PostgreSQL (initdb, pg_ctl)")
    if uses_pg and not _has_pgbouncer():
        missing.append("PgBouncer (pgbouncer)")
    if need_redis and shutil.which("redis-server") is None:
        missing.append("Redis (redis-server)")
    if missing:
        pytest.exit(f"{' and '.join(missing)} not found. {INSTALL_HINT}", returncode=4)
    if need_pg:
        support.PG_ADMIN_DSN, stop = start_postgresql()
        os.environ["HOMEBASE_TEST_PG"] = support.PG_ADMIN_DSN
        config.add_cleanup(stop)
        _say(config, f"started a throwaway PostgreSQL at {support.PG_ADMIN_DSN}")
    if need_redis:
        support.REDIS_URL, stop = start_redis()
        os.environ["HOMEBASE_TEST_REDIS"] = support.REDIS_URL
        config.add_cleanup(stop)
        _say(config, f"started a throwaway Redis at {support.REDIS_URL}")


def _has_pgbouncer() -> bool:
    try:
        pgbouncer_binary()
    except PgBouncerError:
        return False
    return True


def _say(config: pytest.Config, line: str) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(line)

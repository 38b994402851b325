"""The newcomer path of `make test`: installed-but-stopped servers are started for the run;
missing ones stop it with one line; under CI=true nothing is started."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import local_servers, support

ROOT = Path(__file__).resolve().parent.parent
DEAD_PG = "postgresql://postgres@127.0.0.1:1/postgres"
DEAD_REDIS = "redis://127.0.0.1:2/0"


def _run_pytest(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    environment.update(HOMEBASE_TEST_PG=DEAD_PG, HOMEBASE_TEST_REDIS=DEAD_REDIS, **env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_missing_servers_stop_the_run_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(support, "PG_ADMIN_DSN", DEAD_PG)
    monkeypatch.setattr(support, "REDIS_URL", DEAD_REDIS)
    monkeypatch.setattr(support, "BACKENDS", ["sqlite", "postgresql"])
    monkeypatch.setattr(local_servers, "find_postgres_bindir", lambda: None)
    monkeypatch.setattr(local_servers.shutil, "which", lambda name: None)
    monkeypatch.setattr(local_servers, "_has_pgbouncer", lambda: False)
    with pytest.raises(pytest.exit.Exception) as stopped:
        local_servers.ensure(pytest.Config.__new__(pytest.Config))
    message = str(stopped.value)
    assert "\n" not in message
    assert "PostgreSQL" in message and "Redis" in message and "PgBouncer" in message
    assert "apt-get install postgresql pgbouncer redis-server" in message


def test_under_ci_nothing_is_started(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(support, "PG_ADMIN_DSN", DEAD_PG)
    monkeypatch.setattr(support, "REDIS_URL", DEAD_REDIS)
    local_servers.ensure(pytest.Config.__new__(pytest.Config))
    assert (support.PG_ADMIN_DSN, support.REDIS_URL) == (DEAD_PG, DEAD_REDIS)


@pytest.mark.slow
def test_stopped_servers_are_started_for_the_run() -> None:
    """A whole pytest run, PostgreSQL and Redis pointed at closed ports: it passes on
    throwaway servers, which are gone afterwards."""
    finished = _run_pytest(
        "tests/api/test_health.py", "-k", "redis", HOMEBASE_TEST_BACKENDS="postgresql"
    )
    output = finished.stdout + finished.stderr
    assert finished.returncode == 0, output
    assert "started a throwaway PostgreSQL" in output
    assert "started a throwaway Redis" in output
    port = output.split("started a throwaway Redis at redis://127.0.0.1:", 1)[1].split("/")[0]
    assert not local_servers.reachable(f"redis://127.0.0.1:{port}/0", 6379)


@pytest.mark.slow
def test_under_ci_unreachable_servers_fail_the_tests() -> None:
    finished = _run_pytest(
        "tests/api/test_health.py", "-k", "redis", HOMEBASE_TEST_BACKENDS="postgresql", CI="true"
    )
    output = finished.stdout + finished.stderr
    assert finished.returncode == 1, output
    assert "throwaway" not in output
    assert "unreachable" in output or "Connection refused" in output or "Error" in output

"""`homebase serve` as a real process: graceful SIGTERM, JSON logs, several workers (slow)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from homebase.cli.serve import (
    MMAP_THRESHOLD,
    keep_large_allocations_off_the_heap,
    share_hash_threads,
)
from homebase.core.config import Settings
from tests.cli.server import running_server
from tests.support import make_settings

pytestmark = pytest.mark.slow


def test_sigterm_lets_the_in_flight_request_finish(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        print(f"start-up to ready: {server.startup_seconds:.2f} s")
        slow = InFlight(server.url("/__test__/slow"), seconds=2)
        server.wait_for_line(lambda line: "slow request started" in line)
        stop_code = server.stop()
        slow.join(30)

    assert stop_code == 0
    response = slow.response
    assert response is not None and response.status_code == 200
    assert response.json() == {"slept": 2.0}

    entries = [json.loads(line) for line in server.lines]  # every line is one JSON object
    access = [entry for entry in entries if entry["logger"] == "homebase.access"]
    slow = [entry for entry in access if entry["route"] == "/__test__/slow"]
    assert len(slow) == 1
    assert slow[0]["status"] == 200
    assert slow[0]["duration_ms"] >= 2000
    assert slow[0]["request_id"] == response.headers["X-Request-ID"]
    assert not [entry for entry in entries if entry["logger"] == "uvicorn.access"]
    assert any(entry["message"].startswith("Shutting down") for entry in entries)


def _metric(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


def _pids(folder: Path) -> set[int]:
    return {
        int(match.group(1))
        for p in folder.glob("*.db")
        if (match := re.search(r"_(\d+)\.db$", p.name))
    }


def test_two_workers_share_the_secret_the_database_and_the_metrics(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    with running_server(tmp_path, "--workers", "2", TMPDIR=str(scratch)) as server:
        (metrics_dir,) = scratch.glob("homebase-metrics-*")
        deadline = time.monotonic() + 60
        while len(_pids(metrics_dir)) < 3 and time.monotonic() < deadline:  # parent + 2 workers
            time.sleep(0.1)
        assert len(_pids(metrics_dir)) >= 3

        body = {"email": "multi@example.com", "password": "long enough pw"}
        assert httpx.post(server.url("/auth/register"), json=body).status_code == 201
        login = httpx.post(server.url("/auth/login"), json=body)
        assert login.status_code == 200
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        # A new connection each time, so that both workers take some: a token signed by one
        # worker is accepted by the other only if they share the secret.
        statuses = [
            httpx.get(server.url("/auth/me"), headers=bearer).status_code for _ in range(30)
        ]
        assert statuses == [200] * 30

        text = httpx.get(server.url("/metrics")).text
        assert (
            _metric(
                text, "homebase_http_requests_total", method="GET", route="/auth/me", status="200"
            )
            == 30
        )
        assert _metric(text, "homebase_logins_total", result="succeeded") == 1
        assert (
            _metric(
                text, "homebase_http_request_duration_seconds_count", route="/auth/me", status="200"
            )
            == 30
        )
        # The schema is checked once, by `homebase serve` before its workers start: the
        # workers neither migrate again nor load Alembic.
        first = next(i for i, line in enumerate(server.lines) if "application startup" in line)
        assert not [line for line in server.lines[first:] if "alembic" in line]
        healthcheck = [sys.executable, "-m", "homebase.observability.probe"]
        probed = subprocess.run([*healthcheck, server.url("/health/live")], timeout=30, check=False)
        assert probed.returncode == 0  # the container's HEALTHCHECK command
        secret_file = tmp_path / ".homebase-secret"
        assert secret_file.stat().st_mode & 0o777 == 0o600
        slow = InFlight(server.url("/__test__/slow"), seconds=1)
        server.wait_for_line(lambda line: "slow request started" in line)
        assert server.stop() == 0
        slow.join(30)
    assert slow.response is not None and slow.response.status_code == 200
    assert not metrics_dir.exists()
    assert all(json.loads(line)["level"] for line in server.lines)


class InFlight(threading.Thread):
    """A request to the test-only slow route, sent from another thread."""

    def __init__(self, url: str, seconds: float) -> None:
        super().__init__()
        self.url = url
        self.seconds = seconds
        self.response: httpx.Response | None = None
        self.start()

    def run(self) -> None:
        self.response = httpx.get(self.url, params={"seconds": self.seconds}, timeout=30)


def test_the_workers_get_a_fixed_mmap_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    keep_large_allocations_off_the_heap()
    assert os.environ["MALLOC_MMAP_THRESHOLD_"] == str(MMAP_THRESHOLD)
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "262144")
    keep_large_allocations_off_the_heap()
    assert os.environ["MALLOC_MMAP_THRESHOLD_"] == "262144"


@pytest.mark.parametrize(
    ("setting", "workers", "cores", "expected"),
    [(0, 2, 2, "1"), (0, 1, 2, "2"), (0, 4, 2, "1"), (0, 2, 8, "4"), (3, 2, 2, None)],
)
def test_the_workers_share_the_hashing_threads(
    monkeypatch: pytest.MonkeyPatch,
    setting: int,
    workers: int,
    cores: int,
    expected: str | None,
) -> None:
    """Left automatic, each worker hashes with cores // workers threads (at least one); a
    value the operator chose is left alone (and reaches the workers as they read it)."""
    monkeypatch.delenv("HOMEBASE_HASH_THREADS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    share_hash_threads(make_settings("sqlite://", hash_threads=setting), workers)
    assert os.environ.get("HOMEBASE_HASH_THREADS") == expected
    if expected is not None:
        worker = Settings(_env_file=None, secret_key="x" * 48)  # type: ignore[call-arg]
        assert worker.hash_threads == int(expected)


def test_a_worker_loads_neither_alembic_nor_redis_unless_it_needs_them() -> None:
    """Alembic (11 MB of a worker's memory) is loaded where the schema is checked, which
    `homebase serve` does once before its workers start; redis-py (6 MB) only with
    `HOMEBASE_REDIS_URL` set."""
    code = (
        "import sys; from homebase.main import create_app; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'redis'}))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert found.stdout.strip() == "[]"

"""The Dockerfile, compose.yaml and .dockerignore (operations issue §6).

No Docker engine runs here: the files are checked with hadolint and with Docker Compose's own
loader (`docker-compose config`), both installed from PyPI by the dev extra.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from homebase.observability import probe

ROOT = Path(__file__).resolve().parent.parent
TOOLS = Path(sys.executable).parent
SECRET = "compose-test-secret-" + "x" * 32


def _compose(*args: str, secret: str | None = SECRET) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOMEBASE_", "POSTGRES_"))}
    if secret is not None:
        env["HOMEBASE_SECRET_KEY"] = secret
    return subprocess.run(
        [str(TOOLS / "docker-compose"), "-f", str(ROOT / "compose.yaml"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    finished = _compose("config", "--format", "json")
    assert finished.returncode == 0, finished.stderr
    config: dict[str, Any] = json.loads(finished.stdout)
    return config


def _stages(dockerfile: str) -> list[str]:
    return re.split(r"(?m)^FROM ", dockerfile)[1:]


def test_hadolint_passes() -> None:
    finished = subprocess.run(
        [str(TOOLS / "hadolint"), str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr


def test_dockerfile_is_multi_stage_slim_non_root_with_a_python_healthcheck() -> None:
    build, final = _stages((ROOT / "Dockerfile").read_text())
    assert build.startswith("python:3.11-slim AS build")
    assert final.startswith("python:3.11-slim\n")
    assert "COPY --from=build /opt/homebase /opt/homebase" in final
    user = re.search(r"(?m)^USER (\S+)", final)
    assert user is not None and user.group(1).split(":")[0] not in ("0", "root")
    healthcheck = re.search(r"(?ms)^HEALTHCHECK .*?CMD (\[.*?\])$", final)
    assert healthcheck is not None
    command = json.loads(healthcheck.group(1))
    assert command[:3] == ["python", "-m", "homebase.observability.probe"]
    assert command[3].endswith("/health/live")
    instructions = "\n".join(line for line in final.splitlines() if not line.startswith("#"))
    for tool in ("apt-get", "gcc", "build-essential", "curl", "pip install"):
        assert tool not in instructions
    assert re.search(r'(?m)^CMD \["homebase", "serve"', final)


def test_dockerignore_keeps_the_context_to_the_package() -> None:
    lines = [
        line
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert lines[0] == "*"
    assert {line[1:] for line in lines if line.startswith("!")} == {
        "pyproject.toml",
        "README.md",
        "homebase/",
    }


def test_compose_runs_two_replicas_after_the_migration(compose: dict[str, Any]) -> None:
    services = compose["services"]
    app, migrate = services["app"], services["migrate"]
    assert app["deploy"]["replicas"] == 2
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert app["depends_on"]["redis"]["condition"] == "service_healthy"
    assert migrate["command"] == ["homebase", "migrate"]
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert migrate["restart"] == "no"
    assert app["image"] == migrate["image"]
    assert app["command"][:2] == ["homebase", "serve"]


def test_compose_has_postgres_15_redis_7_and_a_named_volume(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["db"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    (mount,) = services["db"]["volumes"]
    assert mount["type"] == "volume" and mount["target"] == "/var/lib/postgresql/data"
    assert mount["source"] in compose["volumes"]
    for name in ("app", "migrate"):
        env = services[name]["environment"]
        assert env["HOMEBASE_SECRET_KEY"] == SECRET
        assert env["HOMEBASE_DATABASE_URL"].startswith("postgresql://homebase:")
        assert env["HOMEBASE_DATABASE_URL"].endswith("@db:5432/homebase")
        assert env["HOMEBASE_REDIS_URL"] == "redis://redis:6379/0"
        assert env["HOMEBASE_ENV"] == "production"


def test_compose_refuses_to_start_without_a_secret_key() -> None:
    finished = _compose("config", "--quiet", secret=None)
    assert finished.returncode != 0
    assert "HOMEBASE_SECRET_KEY" in finished.stderr


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:1/health/live", "file:///etc/passwd", "not a url"]
)
def test_probe_fails_when_nothing_answers(url: str) -> None:
    assert probe.main([url]) == 1


def test_compose_has_a_mail_catcher_the_app_sends_to(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["mailpit"]["image"].startswith("axllent/mailpit:")
    assert services["mailpit"]["ports"][0]["target"] == 8025
    env = services["app"]["environment"]
    assert env["HOMEBASE_SMTP_URL"] == "smtp://mailpit:1025"
    assert env["HOMEBASE_PUBLIC_URL"].startswith("http")

"""Every setting is checked at start-up: one line naming the variable, exit 2, never the value
of a secret; `serve` fails in one line with a documented code when it cannot start."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from homebase.cli import main
from homebase.core.config import Settings
from tests.cli.server import free_port


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HOMEBASE_TRUSTED_PROXIES", "10.0.0.0/8,not-an-ip"),
        ("HOMEBASE_RATE_LIMIT_LOGIN_PER_IP", "lots"),
        ("HOMEBASE_RATE_LIMIT_REGISTER_PER_ACCOUNT", "0/hour"),
        ("HOMEBASE_LOG_LEVEL", "LOUD"),
        ("HOMEBASE_REDIS_URL", "http://cache:6379/0"),
        ("HOMEBASE_DATABASE_URL", "mysql://root:hunter2@db/homebase"),
        ("HOMEBASE_DATABASE_URL", "not a url at all"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(
    cli_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
) -> None:
    monkeypatch.setenv(variable, value)
    assert main(["users", "list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"configuration error: {variable}: "), err
    assert len(err.strip().splitlines()) == 1
    assert "hunter2" not in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "key",
    [
        "short-but-secret",
        "changeme-" + "0123456789" * 4,
        "CHANGE_ME_to-a-long-random-value-please-xyz",
        "your-secret-key-goes-here-and-is-long-enough",
    ],
)
def test_production_refuses_a_weak_key_without_repeating_it(
    cli_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    monkeypatch.setenv("HOMEBASE_ENV", "production")
    monkeypatch.setenv("HOMEBASE_SECRET_KEY", key)
    assert main(["users", "list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("configuration error: HOMEBASE_SECRET_KEY ")
    assert len(err.strip().splitlines()) == 1
    assert key not in err and key[:8] not in err


def _production(**values: object) -> Settings:
    return Settings(_env_file=None, env="production", **values)  # type: ignore[call-arg]


def test_production_takes_the_key_from_a_secret_file(tmp_path: Path) -> None:
    path = tmp_path / "homebase_secret"
    key = "k9F2-xQ7pL0vB3nM8sT1wY6zR4cJ5hD0aE"
    path.write_text(key + "\n")
    assert _production(secret_file=path).secret == key

    path.write_text("changeme-" + "x" * 40)
    with pytest.raises(ValidationError, match="HOMEBASE_SECRET_FILE looks like a placeholder"):
        _production(secret_file=path)
    with pytest.raises(ValidationError, match="HOMEBASE_SECRET_FILE cannot be read"):
        _production(secret_file=tmp_path / "missing")
    with pytest.raises(ValidationError, match="HOMEBASE_SECRET_KEY \\(or HOMEBASE_SECRET_FILE\\)"):
        _production()
    assert _production(secret_key="Zq8-" + "rT5wP0" * 6).env == "production"


@pytest.mark.parametrize("port", ["0", "70000", "-1"])
def test_serve_port_out_of_range_is_a_usage_error(
    port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--port", port]) == 2
    assert "must be from 1 to 65535" in capsys.readouterr().err


def _serve(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HOMEBASE_")},
        "HOMEBASE_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "HOMEBASE_SECRET_KEY": "serve-test-secret-" + "q" * 32,
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "homebase", "serve", *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_serve_refuses_a_bad_setting_before_starting(tmp_path: Path) -> None:
    finished = _serve(tmp_path, "--port", str(free_port()), HOMEBASE_TRUSTED_PROXIES="not-an-ip")
    assert finished.returncode == 2
    assert finished.stderr.strip().splitlines() == [
        "configuration error: HOMEBASE_TRUSTED_PROXIES: 'not-an-ip' is not an IP address or "
        "network (comma-separated, e.g. 10.0.0.0/8,192.0.2.1)"
    ]


def test_serve_with_the_database_unreachable_exits_1(tmp_path: Path) -> None:
    finished = _serve(
        tmp_path,
        "--port",
        str(free_port()),
        HOMEBASE_DATABASE_URL="postgresql://postgres@127.0.0.1:1/nothing",
        HOMEBASE_DB_CONNECT_TIMEOUT="2",
    )
    assert finished.returncode == 1
    lines = finished.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: the database is unavailable: ConnectionRefusedError: "), (
        lines
    )


def test_serve_on_a_port_in_use_exits_3(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        finished = _serve(tmp_path, "--port", str(port))
    assert finished.returncode == 3
    assert finished.stderr.strip().splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: address already in use"
    ]
    assert not (tmp_path / "serve.db").exists()  # nothing was started

"""`homebase --version | create-admin | migrate | serve` argument handling and exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from homebase import __version__
from homebase.app_state import AppState
from homebase.cli import main
from homebase.core.config import Settings
from homebase.db.migrate import head_revision
from homebase.models import User
from tests.cli.conftest import in_database


def test_version_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"homebase {__version__}"


@pytest.mark.parametrize(
    "command",
    [
        [str(Path(sys.executable).parent / "homebase"), "--version"],
        [sys.executable, "-m", "homebase", "--version"],
    ],
    ids=["script", "python -m"],
)
def test_version_as_a_real_process(command: list[str]) -> None:
    finished = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == f"homebase {__version__}"


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["no-such-command"],
        ["serve", "--workers", "0"],
        ["serve", "--port", "eighty"],
        ["create-admin", "--password", "long enough pw"],
        ["users"],
        ["users", "list", "--limit", "0"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "usage:" in capsys.readouterr().err


def test_bad_configuration_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], cli_database: str
) -> None:
    monkeypatch.setenv("HOMEBASE_ACCESS_TOKEN_TTL", "not a duration")
    assert main(["users", "list"]) == 2
    assert "configuration error" in capsys.readouterr().err


def test_create_admin(cli_database: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["create-admin", "--email", "Root@Example.com", "--password", "long enough pw"]
    assert main([*argv, "--name", "Root", "--create-database"]) == 0
    assert "created admin root@example.com" in capsys.readouterr().out

    async def admins(_state: AppState, session: AsyncSession) -> list[tuple[str, bool]]:
        rows = await session.execute(select(User.name, User.is_admin))
        return [(name, is_admin) for name, is_admin in rows]

    assert in_database(admins) == [("Root", True)]

    assert main(argv) == 1
    assert capsys.readouterr().err.strip() == "error: A user with this email already exists"


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["--email", "not-an-email", "--password", "long enough pw"], "email"),
        (["--email", "a@example.com", "--password", "short"], "password"),
    ],
)
def test_create_admin_validation_exits_2(
    cli_database: str, capsys: pytest.CaptureFixture[str], argv: list[str], field: str
) -> None:
    assert main(["create-admin", *argv]) == 2
    assert capsys.readouterr().err.startswith(f"error: {field}: ")


def test_migrate_builds_the_schema(cli_database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    head = head_revision(Settings())
    assert capsys.readouterr().out.strip() == f"database migrated from empty to {head}"
    assert main(["migrate"]) == 0
    assert capsys.readouterr().out.strip() == f"database already at revision {head}"

    async def tables(_state: AppState, session: AsyncSession) -> set[str]:
        connection = await session.connection()
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))

    assert {"user", "auth_session", "audit_event", "alembic_version"} <= in_database(tables)


def test_migrate_to_unknown_revision_exits_2(
    cli_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate", "no_such_revision"]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_unreachable_database_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], cli_database: str
) -> None:
    monkeypatch.setenv("HOMEBASE_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nothing")
    assert main(["users", "list"]) == 1
    assert capsys.readouterr().err.startswith("error: the database is unavailable")
    assert main(["migrate"]) == 1

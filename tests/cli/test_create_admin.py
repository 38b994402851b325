"""`create-admin` and `users …` never create an empty database by accident; the admin's
password comes from a prompt or standard input as well as from argv."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.app_state import AppState
from homebase.cli import main
from homebase.models import User
from tests.cli.conftest import in_database

EMAIL = "root@example.com"


def _admin_password_is(password: str) -> bool:
    async def verify(state: AppState, session: AsyncSession) -> bool:
        user = await session.scalar(select(User).where(User.email == EMAIL))
        assert user is not None and user.is_admin
        valid, _ = await state.hasher.verify(password, user.password_hash)
        return valid

    return in_database(verify)


@pytest.mark.parametrize(
    "argv",
    [
        ["users", "list"],
        ["users", "deactivate", "someone"],
        ["create-admin", "--email", EMAIL, "--password", "long enough pw"],
    ],
)
def test_a_missing_sqlite_file_is_not_created(
    cli_database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: no database at {tmp_path / 'cli.db'} ")
    assert "homebase migrate" in err
    assert not (tmp_path / "cli.db").exists()


def test_create_admin_creates_the_database_when_told(
    cli_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("typed into a pipe\n"))
    argv = ["create-admin", "--email", EMAIL, "--password-stdin", "--create-database"]
    assert main(argv) == 0
    assert (tmp_path / "cli.db").exists()
    assert _admin_password_is("typed into a pipe")


def test_create_admin_after_migrate_needs_no_flag(
    cli_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["migrate"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("typed into a pipe\r\n"))
    assert main(["create-admin", "--email", EMAIL, "--password-stdin"]) == 0
    assert _admin_password_is("typed into a pipe")


def test_create_admin_asks_twice_at_a_terminal(
    cli_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    answers = iter(["asked at the prompt", "asked at the prompt"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt: next(answers))
    assert main(["create-admin", "--email", EMAIL]) == 0
    assert _admin_password_is("asked at the prompt")

    different = iter(["one password here", "another one here"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt: next(different))
    assert main(["create-admin", "--email", "other@example.com"]) == 2
    assert capsys.readouterr().err.strip().endswith("error: the passwords differ")


def test_create_admin_without_a_password_or_a_terminal_exits_2(
    cli_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["create-admin", "--email", EMAIL]) == 2
    assert "--password-stdin" in capsys.readouterr().err

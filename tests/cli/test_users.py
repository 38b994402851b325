"""`homebase users list | activate | deactivate | reset-password`."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.app_state import AppState
from homebase.cli import main
from homebase.models import AuditEvent, AuthSession, User
from homebase.services import auth as auth_service
from homebase.services.audit import ClientInfo
from tests.cli.conftest import in_database

PASSWORD = "first password"


@pytest.fixture
def accounts(cli_database: str, capsys: pytest.CaptureFixture[str]) -> None:
    """An admin and two users, one of them logged in twice."""
    argv = ["create-admin", "--email", "root@example.com", "--password", PASSWORD]
    assert main([*argv, "--create-database"]) == 0

    async def seed(state: AppState, session: AsyncSession) -> None:
        for email, username in (("ada@example.com", "ada"), ("bob@example.com", None)):
            session.add(
                User(
                    name=username or "Bob",
                    email=email,
                    username=username,
                    password_hash=await state.hasher.hash(PASSWORD),
                )
            )
        await session.flush()
        ada = await session.scalar(select(User).where(User.username == "ada"))
        assert ada is not None
        for _ in range(2):
            await auth_service.start_session(
                session, state.codec, ada, ClientInfo(), state.settings.refresh_token_ttl
            )

    in_database(seed)
    capsys.readouterr()


def _open_sessions(email: str) -> int:
    async def count(_state: AppState, session: AsyncSession) -> int:
        rows = await session.scalars(
            select(AuthSession.id)
            .join(User, User.id == AuthSession.user_id)
            .where(User.email == email, AuthSession.revoked_at.is_(None))
        )
        return len(list(rows))

    return in_database(count)


def _user(email: str) -> User:
    async def load(_state: AppState, session: AsyncSession) -> User:
        user = await session.scalar(select(User).where(User.email == email))
        assert user is not None
        return user

    return in_database(load)


def _password_works(email: str, password: str) -> bool:
    async def verify(state: AppState, session: AsyncSession) -> bool:
        stored = await session.scalar(select(User.password_hash).where(User.email == email))
        valid, _ = await state.hasher.verify(password, stored)
        return valid

    return in_database(verify)


def test_list_as_table(accounts: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "id\temail\tusername\tname\tis_admin\tis_active"
    assert lines[1] == "1\troot@example.com\t\troot\ttrue\ttrue"
    assert lines[2].startswith("2\tada@example.com\tada\t")
    assert lines[-1] == "3 of 3 users"


def test_list_as_json_with_search_and_paging(
    accounts: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "list", "--json", "--query", "example.com", "--limit", "1"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["email"] for row in rows] == ["root@example.com"]
    assert main(["users", "list", "--json", "-q", "bob"]) == 0
    assert [row["email"] for row in json.loads(capsys.readouterr().out)] == ["bob@example.com"]


@pytest.mark.parametrize("ref", ["ada@example.com", "ADA", "2"])
def test_deactivate_ends_sessions(
    accounts: None, capsys: pytest.CaptureFixture[str], ref: str
) -> None:
    assert _open_sessions("ada@example.com") == 2
    assert main(["users", "deactivate", ref]) == 0
    assert capsys.readouterr().out.strip() == (
        "user 2 (ada@example.com) deactivated (2 sessions ended)"
    )
    assert _user("ada@example.com").is_active is False
    assert _open_sessions("ada@example.com") == 0

    async def events(_state: AppState, session: AsyncSession) -> list[str]:
        return list(await session.scalars(select(AuditEvent.type).where(AuditEvent.user_id == 2)))

    assert "admin.user_deactivated" in in_database(events)

    assert main(["users", "activate", ref]) == 0
    assert _user("ada@example.com").is_active is True


@pytest.mark.parametrize("action", ["deactivate", "activate", "reset-password"])
def test_unknown_user_exits_1(
    accounts: None, capsys: pytest.CaptureFixture[str], action: str
) -> None:
    assert main(["users", action, "nobody@example.com"]) == 1
    assert capsys.readouterr().err.strip() == "error: User not found"


def test_reset_password_with_given_password(
    accounts: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "reset-password", "ada", "--password", "brand new password"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == "password of user 2 reset (2 sessions ended)"
    assert _password_works("ada@example.com", "brand new password")
    assert not _password_works("ada@example.com", PASSWORD)
    assert _open_sessions("ada@example.com") == 0


def test_reset_password_generates_and_prints_one(
    accounts: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "reset-password", "bob@example.com"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "password of user 3 reset (0 sessions ended)"
    assert out[1].startswith("new password: ")
    generated = out[1].removeprefix("new password: ")
    assert len(generated) >= 16
    assert _password_works("bob@example.com", generated)


def test_reset_password_refuses_a_weak_one(
    accounts: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "reset-password", "ada", "--password", "short"]) == 2
    assert capsys.readouterr().err.startswith("error: password: ")
    assert _password_works("ada@example.com", PASSWORD)


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("password123", "too common"),
        ("ada rides again", "must not contain"),  # her username, as a whole word
    ],
)
def test_reset_password_applies_the_whole_policy(
    accounts: None, capsys: pytest.CaptureFixture[str], password: str, why: str
) -> None:
    assert main(["users", "reset-password", "ada", "--password", password]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: password: ") and why in err, err
    assert _password_works("ada@example.com", PASSWORD)


def test_reset_password_from_stdin(
    accounts: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("piped in password\n"))
    assert main(["users", "reset-password", "ada", "--password-stdin"]) == 0
    assert "new password" not in capsys.readouterr().out
    assert _password_works("ada@example.com", "piped in password")

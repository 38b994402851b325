"""`homebase users unlock LOGIN`: the operator's way out of a lock set by failed logins."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.app_state import AppState
from homebase.cli import main
from homebase.core.errors import AccountLocked, InvalidCredentials
from homebase.models import AuditEvent, User
from homebase.services.audit import ClientInfo
from tests.cli.conftest import in_database
from tests.support import REDIS_URL

PASSWORD = "the right password"


@pytest.fixture
def shared_limits(cli_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI and the "server" (`in_database`) share locks through Redis."""
    monkeypatch.setenv("HOMEBASE_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("HOMEBASE_RATE_LIMIT_KEY_PREFIX", f"unlock-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("HOMEBASE_LOCKOUT_THRESHOLD", "2")
    argv = ["create-admin", "--email", "root@example.com", "--password", PASSWORD]
    assert main([*argv, "--create-database"]) == 0

    async def seed(state: AppState, session: AsyncSession) -> None:
        hashed = await state.hasher.hash(PASSWORD)
        session.add(User(name="Ada", email="ada@example.com", username="ada", password_hash=hashed))

    in_database(seed)


async def _login(state: AppState, session: AsyncSession, password: str) -> str:
    try:
        await state.accounts.login(session, "ada@example.com", password, ClientInfo())
    except AccountLocked:
        return "locked"
    except InvalidCredentials:
        return "wrong"
    return "ok"


def test_unlock_ends_the_lock_and_is_audited(
    shared_limits: None, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()

    async def guess(state: AppState, session: AsyncSession) -> list[str]:
        return [await _login(state, session, password) for password in ("x1", "x2", PASSWORD)]

    assert in_database(guess) == ["wrong", "wrong", "locked"]
    assert main(["users", "unlock", "ada"]) == 0
    assert capsys.readouterr().out.strip().endswith("(ada@example.com) unlocked")

    async def after(state: AppState, session: AsyncSession) -> tuple[str, list[AuditEvent]]:
        result = await _login(state, session, PASSWORD)
        events = await session.scalars(
            select(AuditEvent).where(AuditEvent.type == "admin.user_unlocked")
        )
        await state.limiter.reset()
        return result, list(events)

    result, events = in_database(after)
    assert result == "ok"
    assert [(event.user_agent, event.actor_id, event.detail) for event in events] == [
        ("homebase-cli", None, "was_locked=true")
    ]


def test_unlock_of_an_unlocked_account_says_so(
    shared_limits: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "unlock", "ada@example.com"]) == 0
    assert "was not locked" in capsys.readouterr().out
    assert main(["users", "unlock", "nobody@example.com"]) == 1


def test_unlock_without_redis_explains_where_the_locks_are(
    cli_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "unlock", "ada@example.com"]) == 1
    assert "POST /admin/users/{id}/unlock" in capsys.readouterr().err

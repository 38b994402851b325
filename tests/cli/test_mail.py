"""`homebase mail test ADDRESS` and `homebase users reset-mfa LOGIN`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.app_state import AppState
from homebase.cli import main
from homebase.core import totp
from homebase.db.base import utcnow
from homebase.models import AuditEvent, RecoveryCode, TotpCredential, User
from tests.cli.conftest import in_database
from tests.mail_server import MailServer, free_port


@pytest.fixture
def smtp(cli_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[MailServer]:
    server = MailServer().start()
    monkeypatch.setenv("HOMEBASE_SMTP_URL", server.url)
    monkeypatch.setenv("HOMEBASE_MAIL_FROM", "Homebase <noreply@home.example.com>")
    monkeypatch.setenv("HOMEBASE_PUBLIC_URL", "https://home.example.com")
    yield server
    server.stop()


def test_mail_test_delivers(smtp: MailServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mail", "test", "ops@example.com", "--locale", "uk"]) == 0
    assert "sent to ops@example.com" in capsys.readouterr().out
    [delivered] = smtp.delivered
    assert delivered.rcpt_tos == ["ops@example.com"]
    assert delivered.message["Subject"] == "Тестовий лист Homebase"


def test_mail_test_reports_an_unreachable_server(
    cli_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOMEBASE_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    monkeypatch.setenv("HOMEBASE_MAIL_FROM", "noreply@home.example.com")
    assert main(["mail", "test", "ops@example.com"]) == 1
    assert "not delivered" in capsys.readouterr().err


def test_mail_test_without_settings_or_with_a_bad_address(
    smtp: MailServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["mail", "test", "ops@example.com\r\nBcc: x@y.z"]) == 2
    monkeypatch.delenv("HOMEBASE_SMTP_URL")
    assert main(["mail", "test", "ops@example.com"]) == 2
    assert "HOMEBASE_SMTP_URL" in capsys.readouterr().err
    assert smtp.delivered == []


def test_reset_mfa(cli_database: str, capsys: pytest.CaptureFixture[str]) -> None:
    async def seed(state: AppState, session: AsyncSession) -> None:
        user = User(name="Ann", email="ann@example.com", password_hash="x", mfa_enabled=True)
        session.add(user)
        await session.flush()
        session.add(
            TotpCredential(user_id=user.id, secret=totp.new_secret(), confirmed_at=utcnow())
        )
        session.add(RecoveryCode(user_id=user.id, code_hash="a" * 64))

    assert main(["migrate"]) == 0
    in_database(seed)
    assert main(["users", "reset-mfa", "ann@example.com"]) == 0
    assert "removed" in capsys.readouterr().out

    async def check(_state: AppState, session: AsyncSession) -> None:
        user = await session.scalar(select(User))
        assert user is not None and user.mfa_enabled is False
        assert await session.scalar(select(TotpCredential)) is None
        assert await session.scalar(select(RecoveryCode)) is None
        events = list(await session.scalars(select(AuditEvent.type)))
        assert "admin.mfa_reset" in events

    in_database(check)
    assert main(["users", "reset-mfa", "nobody@example.com"]) == 1

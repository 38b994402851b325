"""`session_scope` commits what succeeded, rolls back what failed, and keeps the changes of
an error that says so (a failed login's audit event, a reused refresh token's revocation)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from homebase.app_state import AppState
from homebase.core.errors import AppError, InvalidCredentials, NotFound, RefreshTokenReused
from homebase.db.session import session_scope
from homebase.models import AuditEvent


async def _events(state: AppState) -> int:
    async with state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def _event() -> AuditEvent:
    return AuditEvent(type="test.event")


async def test_success_is_committed(state: AppState) -> None:
    async with session_scope(state.write_sessions) as session:
        session.add(_event())
    assert await _events(state) == 1


@pytest.mark.parametrize("error", [InvalidCredentials(), RefreshTokenReused()])
async def test_an_error_that_keeps_changes_still_commits(state: AppState, error: AppError) -> None:
    assert error.keeps_changes
    with pytest.raises(type(error)):
        async with session_scope(state.write_sessions) as session:
            session.add(_event())
            await session.flush()
            raise error
    assert await _events(state) == 1


@pytest.mark.parametrize("error", [NotFound(), ValueError("boom")])
async def test_any_other_error_rolls_back(state: AppState, error: Exception) -> None:
    with pytest.raises(type(error)):
        async with session_scope(state.write_sessions) as session:
            session.add(_event())
            await session.flush()
            raise error
    assert await _events(state) == 0

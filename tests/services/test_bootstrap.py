"""The first admin from the environment (`HOMEBASE_ADMIN_EMAIL` / `HOMEBASE_ADMIN_PASSWORD`)."""

from __future__ import annotations

import logging

import pytest

from homebase.app_state import AppState
from homebase.db.session import session_scope
from homebase.models import User
from homebase.services.bootstrap import ensure_admin
from tests.factories import Factory

CONFIGURED = "the configured admin password"


async def _bootstrap(state: AppState) -> User | None:
    async with session_scope(state.sessionmaker) as session:
        return await ensure_admin(session, state.hasher, "boss@example.com", CONFIGURED)


async def _is_admin(state: AppState, user_id: int) -> bool:
    async with state.sessionmaker() as session:
        user = await session.get(User, user_id)
        assert user is not None
        return user.is_admin


async def test_a_stranger_with_the_admin_email_is_not_promoted(
    state: AppState, factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    # Someone registered the configured address (the first start refused a weak password).
    squatter = await factory.user(email="boss@example.com", password="squatter's own pass")
    with caplog.at_level(logging.WARNING, logger="homebase"):
        assert await _bootstrap(state) is None
    assert not await _is_admin(state, squatter.id)
    assert f"user {squatter.id} has the HOMEBASE_ADMIN_EMAIL address" in caplog.text
    assert CONFIGURED not in caplog.text


async def test_the_account_with_the_configured_password_is_promoted(
    state: AppState, factory: Factory
) -> None:
    owner = await factory.user(email="boss@example.com", password=CONFIGURED)
    promoted = await _bootstrap(state)
    assert promoted is not None and promoted.id == owner.id
    assert await _is_admin(state, owner.id)


async def test_no_account_yet_creates_the_admin(state: AppState) -> None:
    created = await _bootstrap(state)
    assert created is not None and created.is_admin
    assert await _bootstrap(state) is None  # an admin exists now: nothing more to do

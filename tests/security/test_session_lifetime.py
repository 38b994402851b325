"""A login session ends at its `expires_at`: rotation never carries it further, and what
`/auth/sessions` lists is exactly what still works."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select, update

from homebase.app_state import AppState
from homebase.db.base import utcnow
from homebase.models import AuthSession, RefreshToken
from tests.factories import Factory


async def _expire_sessions(state: AppState, user_id: int) -> None:
    """The session's lifetime is over; its newest refresh token would still be valid."""
    async with state.sessionmaker() as session:
        await session.execute(
            update(AuthSession)
            .where(AuthSession.user_id == user_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()


async def test_refresh_refuses_a_session_past_its_lifetime(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    user = await factory.user()
    await _expire_sessions(state, user.id)
    refreshed = await client.post("/auth/refresh", json={"refresh_token": user.refresh_token})
    assert refreshed.status_code == 401
    assert refreshed.json()["code"] == "invalid_token"
    # Hidden from the list, and its access token no longer works either.
    assert (await client.get("/auth/me", headers=user.bearer)).status_code == 401
    assert (await client.get("/auth/sessions", headers=user.basic)).json() == []


async def test_rotation_never_extends_the_session(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    user = await factory.user()
    refresh = user.refresh_token
    for _ in range(3):
        response = await client.post("/auth/refresh", json={"refresh_token": refresh})
        assert response.status_code == 200
        refresh = response.json()["refresh_token"]
    async with state.sessionmaker() as session:
        ends = (await session.scalars(select(AuthSession.expires_at))).one()
        tokens = (await session.scalars(select(RefreshToken.expires_at))).all()
    assert len(tokens) == 4
    assert all(expires <= ends for expires in tokens)


async def test_the_listed_sessions_are_the_working_ones(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    user = await factory.user()
    listed = (await client.get("/auth/sessions", headers=user.bearer)).json()
    assert [item["current"] for item in listed] == [True]
    assert (await client.get("/auth/me", headers=user.bearer)).status_code == 200

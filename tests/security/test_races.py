"""Concurrent writes: one winner, clean conflicts, nothing half-written, no 5xx."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
from sqlalchemy import func, select

from homebase.app_state import AppState
from homebase.models import AuthSession, User
from tests.factories import DEFAULT_PASSWORD, Factory

CONCURRENCY = 40


async def test_concurrent_registrations_of_one_email(
    sweep_client: httpx.AsyncClient, state: AppState
) -> None:
    body = {"email": "race@example.com", "password": "long enough pw"}
    paths = ["/auth/register", "/register", "/users", "/auth/register"]
    responses = await asyncio.gather(
        *(sweep_client.post(paths[n % len(paths)], json=body) for n in range(CONCURRENCY))
    )
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 1, 409: CONCURRENCY - 1}, [r.text for r in responses][:3]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"email_taken"}
    async with state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 1


async def test_concurrent_registrations_of_one_username(
    sweep_client: httpx.AsyncClient, state: AppState
) -> None:
    responses = await asyncio.gather(
        *(
            sweep_client.post(
                "/auth/register",
                json={"username": "racer", "email": f"r{n}@example.com", "password": "long pw 123"},
            )
            for n in range(CONCURRENCY)
        )
    )
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 1, 409: CONCURRENCY - 1}
    async with state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 1


async def test_concurrent_logins_and_writes_of_one_user(
    sweep_client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    # Mixed writers on the same rows: logins (sessions + audit), profile updates, renames.
    user = await factory.user(email="busy@example.com")
    calls = []
    for n in range(CONCURRENCY):
        if n % 3 == 0:
            calls.append(
                sweep_client.post(
                    "/auth/login", json={"email": "busy@example.com", "password": DEFAULT_PASSWORD}
                )
            )
        elif n % 3 == 1:
            calls.append(
                sweep_client.put(
                    "/api/user/profile", json={"name": f"Name {n}"}, headers=user.bearer
                )
            )
        else:
            calls.append(
                sweep_client.patch(
                    f"/users/{user.id}",
                    json={"phone": f"+7 900 000-00-{n:02d}"},
                    headers=user.basic,
                )
            )
    responses = await asyncio.gather(*calls)
    assert all(response.status_code == 200 for response in responses), [
        (r.status_code, r.text[:100]) for r in responses if r.status_code != 200
    ]
    async with state.sessionmaker() as session:
        sessions = await session.scalar(select(func.count()).select_from(AuthSession))
    assert sessions == 1 + len(range(0, CONCURRENCY, 3))

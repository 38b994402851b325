"""Forgotten passwords (SPEC §10): no enumeration, limits, single-use tokens, everything ends."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from homebase.app_state import AppState
from homebase.db.base import utcnow
from homebase.db.session import session_scope
from homebase.models import AuditEvent, OneTimeToken
from tests.api.app_password_support import bearer, issue
from tests.factories import Factory
from tests.mail_server import PUBLIC_URL, MailBox

NEW_PASSWORD = "a brand new passphrase"
SUBJECTS = {
    "en": "Reset your Homebase password",
    "ru": "Сброс пароля Homebase",
    "uk": "Скидання пароля Homebase",
}


def _error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert (response.json()["result"], response.json()["code"]) == ("error", code)


async def _forgot(client: httpx.AsyncClient, email: str, **headers: str) -> httpx.Response:
    return await client.post("/auth/password/forgot", json={"email": email}, headers=headers)


async def _reset_token(client: httpx.AsyncClient, mail: MailBox, email: str) -> str:
    assert (await _forgot(client, email)).status_code == 202
    [message] = await mail.deliver()
    return MailBox.token(message)


async def test_known_and_unknown_addresses_get_the_same_answer(
    client: httpx.AsyncClient, factory: Factory, mail: MailBox
) -> None:
    user = await factory.user()
    known = await _forgot(client, user.email)
    unknown = await _forgot(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert set(known.headers) == set(unknown.headers)
    delivered = await mail.deliver()
    assert [message["To"].addresses[0].addr_spec for message in delivered] == [user.email]


@pytest.mark.parametrize("locale", ["en", "ru", "uk"])
async def test_reset_mail_language_and_link(
    client: httpx.AsyncClient, factory: Factory, mail: MailBox, locale: str
) -> None:
    user = await factory.user()
    await _forgot(client, user.email.upper(), **{"Accept-Language": locale})
    [message] = await mail.deliver()
    assert message["Subject"] == SUBJECTS[locale]
    assert f"{PUBLIC_URL}/auth/password/reset?token=" in MailBox.text(message)


async def test_reset_ends_every_credential_and_the_token_is_single_use(
    client: httpx.AsyncClient, factory: Factory, mail: MailBox, state: AppState
) -> None:
    user = await factory.user()
    assert (await client.get("/auth/me", headers=user.basic)).status_code == 200  # cached
    app_password = bearer((await issue(client, user, ["tasks:read"]))["token"])
    assert (await client.get("/tasks", headers=app_password)).status_code == 200
    token = await _reset_token(client, mail, user.email)
    response = await client.post(
        "/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 200, response.text
    _error(await client.get("/auth/me", headers=user.bearer), 401, "invalid_token")
    _error(await client.get("/auth/me", headers=user.basic), 401, "invalid_credentials")
    _error(await client.get("/tasks", headers=app_password), 401, "invalid_token")
    refresh = await client.post("/auth/refresh", json={"refresh_token": user.refresh_token})
    assert refresh.status_code == 401
    login = await client.post("/auth/login", json={"email": user.email, "password": NEW_PASSWORD})
    assert login.status_code == 200
    again = await client.post(
        "/auth/password/reset", json={"token": token, "new_password": "yet another passphrase"}
    )
    _error(again, 400, "invalid_or_expired_token")
    async with session_scope(state.read_sessions) as session:
        types = set(await session.scalars(select(AuditEvent.type)))
    assert {"password_reset.requested", "password_reset.completed", "mail.sent"} <= types


async def test_a_refused_password_does_not_spend_the_token(
    client: httpx.AsyncClient, factory: Factory, mail: MailBox
) -> None:
    user = await factory.user(name="Margaret")
    token = await _reset_token(client, mail, user.email)
    for weak in ["short", "password123", "margaret-forever"]:
        response = await client.post(
            "/auth/password/reset", json={"token": token, "new_password": weak}
        )
        _error(response, 422, "validation_error")
    done = await client.post(
        "/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert done.status_code == 200


async def test_a_verification_token_is_not_a_reset_token(
    client: httpx.AsyncClient, factory: Factory, mail: MailBox
) -> None:
    user = await factory.user()
    await client.post("/auth/verify-email/request", headers=user.bearer)
    [message] = await mail.deliver()
    response = await client.post(
        "/auth/password/reset", json={"token": MailBox.token(message), "new_password": NEW_PASSWORD}
    )
    _error(response, 400, "invalid_or_expired_token")
    reset = await _reset_token(client, mail, user.email)
    _error(await client.post("/auth/verify-email", json={"token": reset}), 400,
           "invalid_or_expired_token")  # fmt: skip


async def test_expired_and_superseded_tokens_are_refused(
    client: httpx.AsyncClient, factory: Factory, mail: MailBox, state: AppState
) -> None:
    user = await factory.user()
    first = await _reset_token(client, mail, user.email)
    second = await _reset_token(client, mail, user.email)
    body = {"new_password": NEW_PASSWORD}
    _error(await client.post("/auth/password/reset", json={"token": first, **body}), 400,
           "invalid_or_expired_token")  # fmt: skip
    async with session_scope(state.write_sessions) as session:
        await session.execute(
            update(OneTimeToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    _error(await client.post("/auth/password/reset", json={"token": second, **body}), 400,
           "invalid_or_expired_token")  # fmt: skip


@pytest.mark.parametrize("token", ["garbage", "", "\x00", "A" * 256])
async def test_garbage_tokens(client: httpx.AsyncClient, token: str) -> None:
    response = await client.post(
        "/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert response.status_code in (400, 422)
    assert response.json()["result"] == "error"


@pytest.mark.usefixtures("rate_limits")
async def test_limit_per_address_counts_unknown_addresses_alike(
    client: httpx.AsyncClient, factory: Factory, mail: MailBox
) -> None:
    user = await factory.user()
    for address in (user.email, "ghost@example.com"):
        answers = [(await _forgot(client, address)).status_code for _ in range(4)]
        assert answers == [202, 202, 202, 429]
    assert len(await mail.deliver()) == 3


@pytest.mark.usefixtures("rate_limits")
async def test_limit_per_ip(client: httpx.AsyncClient, mail: MailBox) -> None:
    answers = [(await _forgot(client, f"user{n}@example.com")).status_code for n in range(11)]
    assert answers == [202] * 10 + [429]
    assert "Retry-After" in (await _forgot(client, "other@example.com")).headers

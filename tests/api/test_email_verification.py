"""Email verification (SPEC §10) against a real SMTP server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from homebase.app_state import AppState
from homebase.db.base import utcnow
from homebase.db.session import session_scope
from homebase.models import OneTimeToken
from tests.factories import Factory
from tests.mail_server import MAIL_FROM, PUBLIC_URL, MailBox

SUBJECTS = {
    "en": "Confirm your email address",
    "ru": "Подтвердите адрес электронной почты",
    "uk": "Підтвердіть адресу електронної пошти",
}
# HOMEBASE_MAIL_EVIDENCE=file: keep one delivered mail per language there, as text.
EVIDENCE = os.environ.get("HOMEBASE_MAIL_EVIDENCE")


def _error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert (body["result"], body["code"]) == ("error", code)
    assert body["message"]


async def test_new_user_is_unverified(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/register", json={"email": "new@example.com", "password": "long enough pw"}
    )
    assert response.status_code == 201
    assert response.json()["email_verified"] is False


async def test_request_needs_credentials(client: httpx.AsyncClient, mail: MailBox) -> None:
    _error(await client.post("/auth/verify-email/request"), 401, "unauthorized")
    assert await mail.deliver() == []


@pytest.mark.parametrize("locale", ["en", "ru", "uk"])
async def test_verification_mail_in_the_request_language(
    client: httpx.AsyncClient, factory: Factory, mail: MailBox, locale: str
) -> None:
    user = await factory.user(name="Ann\r\nBcc: victim@example.net")
    headers = {**user.bearer, "Accept-Language": f"{locale};q=0.9, de;q=0.5"}
    response = await client.post("/auth/verify-email/request", headers=headers)
    assert response.status_code == 202, response.text
    [message] = await mail.deliver()
    assert message["From"] == MAIL_FROM
    assert message["To"].addresses[0].addr_spec == user.email
    # The CR/LF in the name added no header and no recipient: it is one quoted display name.
    assert message["Bcc"] is None and len(message["To"].addresses) == 1
    assert message["To"].addresses[0].display_name == "Ann Bcc: victim@example.net"
    assert mail.server.delivered[-1].rcpt_tos == [user.email]
    assert message["Subject"] == SUBJECTS[locale]
    assert message["Content-Language"] == locale
    text = MailBox.text(message)
    assert f"{PUBLIC_URL}/auth/verify-email?token=" in text
    links = [word for word in text.split() if "://" in word]
    assert links and all(link.startswith(PUBLIC_URL) for link in links)
    html = message.get_body(("html",))
    assert html is not None and f'href="{PUBLIC_URL}/auth/verify-email?token=' in html.get_content()
    _save_evidence(locale, _readable(message))

    token = MailBox.token(message)
    verified = await client.post("/auth/verify-email", json={"token": token})
    assert verified.status_code == 200
    assert verified.json()["email_verified"] is True
    me = await client.get("/auth/me", headers=user.bearer)
    assert me.json()["email_verified"] is True
    # Single use.
    _error(await client.post("/auth/verify-email", json={"token": token}), 400,
           "invalid_or_expired_token")  # fmt: skip
    # Already verified: nothing more to send.
    again = await client.post("/auth/verify-email/request", headers=user.bearer)
    _error(again, 409, "email_already_verified")


def _readable(message: EmailMessage) -> str:
    """The mail as a person reads it: the main headers decoded, then the text part."""
    names = ("From", "To", "Subject", "Date", "Message-ID", "Content-Language", "Auto-Submitted")
    head = "".join(f"{name}: {message[name]}\n" for name in names)
    return f"{head}\n{MailBox.text(message)}"


def _save_evidence(locale: str, text: str) -> None:
    if not EVIDENCE:
        return
    path = Path(EVIDENCE)
    marker = f"===== delivered verification mail ({locale}) =====\n"
    previous = path.read_text(encoding="utf-8") if path.exists() else ""
    kept = [part for part in previous.split("\n\n\n") if part and not part.startswith(marker)]
    path.write_text("\n\n\n".join([*kept, marker + text]), encoding="utf-8")


@pytest.mark.parametrize(
    "token", ["", "x", "garbage-token", "A" * 43, "é" * 40, "x" * 300, "' OR 1=1 --"]
)
async def test_garbage_tokens_are_400(client: httpx.AsyncClient, token: str) -> None:
    response = await client.post("/auth/verify-email", json={"token": token})
    assert response.status_code in (400, 422), response.text
    assert response.json()["result"] == "error"


async def test_expired_token_is_refused(
    client: httpx.AsyncClient, factory: Factory, mail: MailBox, state: AppState
) -> None:
    user = await factory.user()
    await client.post("/auth/verify-email/request", headers=user.bearer)
    [message] = await mail.deliver()
    async with session_scope(state.write_sessions) as session:
        await session.execute(
            update(OneTimeToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    _error(await client.post("/auth/verify-email", json={"token": MailBox.token(message)}), 400,
           "invalid_or_expired_token")  # fmt: skip


async def test_changing_the_email_unverifies_and_voids_the_link(
    client: httpx.AsyncClient, factory: Factory, mail: MailBox
) -> None:
    user = await factory.user()
    await client.post("/auth/verify-email/request", headers=user.bearer)
    [first] = await mail.deliver()
    assert (await client.post("/auth/verify-email", json={"token": MailBox.token(first)})).json()[
        "email_verified"
    ]
    await client.post("/auth/verify-email/request", headers=user.bearer)
    changed = await client.patch(
        f"/users/{user.id}", json={"email": "moved@example.com"}, headers=user.bearer
    )
    assert changed.status_code == 200 and changed.json()["email_verified"] is False
    # A link mailed to the old address proves nothing about the new one.
    await client.post("/auth/verify-email/request", headers=user.bearer)
    for message in await mail.deliver():
        if message["To"].addresses[0].addr_spec == user.email:
            response = await client.post(
                "/auth/verify-email", json={"token": MailBox.token(message)}
            )
            _error(response, 400, "invalid_or_expired_token")
    profile = await client.put(
        "/api/user/profile", json={"email": "again@example.com"}, headers=user.bearer
    )
    assert profile.status_code == 200
    me = await client.get("/auth/me", headers=user.bearer)
    assert me.json()["email_verified"] is False


async def test_another_users_token_verifies_only_its_owner(
    client: httpx.AsyncClient, factory: Factory, mail: MailBox
) -> None:
    ann, bob = await factory.user(), await factory.user()
    await client.post("/auth/verify-email/request", headers=ann.bearer)
    [message] = await mail.deliver()
    response = await client.post(
        "/auth/verify-email", json={"token": MailBox.token(message)}, headers=bob.bearer
    )
    assert response.json()["id"] == ann.id
    assert (await client.get("/auth/me", headers=bob.bearer)).json()["email_verified"] is False


async def test_without_mail_settings_the_answer_is_503(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    _error(await client.post("/auth/verify-email/request", headers=user.bearer), 503,
           "mail_unavailable")  # fmt: skip
    forgot = await client.post("/auth/password/forgot", json={"email": user.email})
    _error(forgot, 503, "mail_unavailable")


@pytest.fixture
def verified_email_required(state: AppState) -> Iterator[None]:
    """`HOMEBASE_REQUIRE_VERIFIED_EMAIL=true` for one test (the app and its account manager)."""
    settings = state.settings
    state.settings = state.accounts.settings = settings.model_copy(
        update={"require_verified_email": True}
    )
    try:
        yield
    finally:
        state.settings = state.accounts.settings = settings


@pytest.mark.usefixtures("verified_email_required")
async def test_login_requires_a_verified_email_when_configured(
    client: httpx.AsyncClient, factory: Factory, mail: MailBox
) -> None:
    user = await factory.user()
    body = {"email": user.email, "password": user.password}
    refused = await client.post("/auth/login", json=body, headers={"Accept-Language": "uk"})
    _error(refused, 403, "email_not_verified")
    _error(await client.get("/auth/me", headers=user.basic), 403, "email_not_verified")
    # The refusal mails a fresh link: such a user cannot log in to ask for one.
    [message] = await mail.deliver()
    assert message["Subject"] == SUBJECTS["uk"]
    await client.post("/auth/verify-email", json={"token": MailBox.token(message)})
    assert (await client.post("/auth/login", json=body)).status_code == 200


@pytest.mark.usefixtures("rate_limits", "verified_email_required")
async def test_refused_logins_mail_at_most_the_hourly_limit(
    client: httpx.AsyncClient, factory: Factory, mail: MailBox
) -> None:
    user = await factory.user()
    body = {"email": user.email, "password": user.password}
    for _ in range(7):
        _error(await client.post("/auth/login", json=body), 403, "email_not_verified")
    assert len(await mail.deliver()) == 5

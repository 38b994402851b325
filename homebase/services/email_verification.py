"""Proving an email address: a mailed single-use link sets `email_verified`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from homebase.core.errors import EmailNotVerified, RateLimited, StateConflict, TokenRejected
from homebase.core.ratelimit import RateLimiter
from homebase.models import User
from homebase.services import audit, one_time_tokens
from homebase.services.audit import ClientInfo
from homebase.services.mail import Mailer

PURPOSE = "verify_email"
LINK_PATH = "/auth/verify-email"


async def request_verification(
    session: AsyncSession,
    mailer: Mailer,
    user: User,
    *,
    locale: str,
    ttl: timedelta,
    client: ClientInfo,
) -> None:
    """Mail the user a link that proves their current address (409 when already proven)."""
    mailer.ensure_configured()
    if user.email is None:
        raise StateConflict("email_missing")
    if user.email_verified:
        raise StateConflict("email_already_verified")
    token = await one_time_tokens.issue(session, user.id, PURPOSE, ttl, email=user.email)
    await mailer.queue(
        session,
        kind="verify_email",
        locale=locale,
        to_address=user.email,
        to_name=user.name,
        user_id=user.id,
        values={
            "name": user.name,
            "email": user.email,
            "link": mailer.link(LINK_PATH, token=token),
            "hours": str(int(ttl.total_seconds() // 3600)),
        },
    )
    await audit.record(session, "email_verification.requested", client=client, user_id=user.id)


async def ensure_verified_for_login(
    session: AsyncSession,
    mailer: Mailer,
    limiter: RateLimiter,
    user: User,
    *,
    locale: str,
    ttl: timedelta,
    client: ClientInfo,
) -> None:
    """With `require_verified_email`: refuse the login of an unproven address (403), and mail
    a fresh link with the refusal, since such a user cannot log in to ask for one (within
    the per-account limit of verification mails; none when mail is off)."""
    if user.email is None or user.email_verified:
        return
    if mailer.configured:
        try:
            await limiter.verify_email(user.id)
        except RateLimited:
            pass
        else:
            await request_verification(session, mailer, user, locale=locale, ttl=ttl, client=client)
    raise EmailNotVerified()


async def verify(session: AsyncSession, token: str, client: ClientInfo) -> User:
    """Spend a verification token. It proves only the address it was mailed to: after an
    email change the old link opens nothing."""
    found = await one_time_tokens.find(session, token, PURPOSE)
    user = await session.get(User, found.user_id) if found is not None else None
    if found is None or user is None or found.email != user.email:
        await audit.record(session, "email_verification.failed", client=client)
        raise TokenRejected()
    if not await one_time_tokens.spend(session, found):
        raise TokenRejected()
    user.email_verified = True
    await audit.record(session, "email.verified", client=client, user_id=user.id)
    return user

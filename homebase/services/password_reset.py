"""Forgotten passwords: a mailed single-use link (30 min) lets the owner set a new one.

`request_reset` runs after the 202 is sent, in its own transaction, so the answer and its
timing are the same whether or not the address belongs to an account.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from homebase.core.errors import TokenRejected
from homebase.core.passwords import check_password
from homebase.core.security import PasswordHasher
from homebase.db.session import session_scope
from homebase.models import User
from homebase.services import audit, one_time_tokens
from homebase.services.audit import ClientInfo
from homebase.services.mail import Mailer
from homebase.services.users import end_every_credential

PURPOSE = "password_reset"
LINK_PATH = "/auth/password/reset"
logger = logging.getLogger("homebase.mail")


async def request_reset(
    sessions: async_sessionmaker[AsyncSession],
    mailer: Mailer,
    email: str,
    *,
    locale: str,
    ttl: timedelta,
    client: ClientInfo,
) -> None:
    """Queue a reset mail when `email` is an active account's address; else only audit."""
    address = email.strip().lower()
    try:
        async with session_scope(sessions) as session:
            user = await session.scalar(select(User).where(User.email == address))
            if user is None or not user.is_active:
                await audit.record(
                    session, "password_reset.requested", client=client, login=address,
                    detail="no active account",
                )  # fmt: skip
                return
            token = await one_time_tokens.issue(session, user.id, PURPOSE, ttl)
            await mailer.queue(
                session,
                kind="password_reset",
                locale=locale,
                to_address=address,
                to_name=user.name,
                user_id=user.id,
                values={
                    "name": user.name,
                    "link": mailer.link(LINK_PATH, token=token),
                    "minutes": str(int(ttl.total_seconds() // 60)),
                },
            )
            await audit.record(session, "password_reset.requested", client=client, user_id=user.id)
    except Exception:  # after the 202: nobody to tell but the log
        logger.exception("password reset request not recorded")


async def reset(
    session: AsyncSession,
    hasher: PasswordHasher,
    token: str,
    new_password: str,
    client: ClientInfo,
) -> User:
    """Set a new password with a reset token. The password is checked before the token is
    spent (a refused password leaves the link usable); success ends every session, refresh
    token, cached Basic credential and app password of the user."""
    found = await one_time_tokens.find(session, token, PURPOSE)
    user = await session.get(User, found.user_id) if found is not None else None
    if found is None or user is None or not user.is_active:
        await audit.record(session, "password_reset.failed", client=client)
        raise TokenRejected()
    check_password(
        new_password, "new_password", email=user.email, username=user.username, name=user.name
    )
    password_hash = await hasher.hash(new_password)
    if not await one_time_tokens.spend(session, found):
        raise TokenRejected()
    user.password_hash = password_hash
    await end_every_credential(session, user.id, "password_reset")
    await one_time_tokens.revoke(session, user.id, PURPOSE, "mfa_login")
    await audit.record(session, "password_reset.completed", client=client, user_id=user.id)
    return user

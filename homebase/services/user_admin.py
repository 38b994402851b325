"""Operator actions on accounts (the `homebase users …` commands): no HTTP caller, no actor."""

from __future__ import annotations

import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from homebase.core.errors import NotFound
from homebase.core.passwords import check_password
from homebase.core.security import PasswordHasher
from homebase.models import User
from homebase.services import audit, mfa
from homebase.services.users import end_every_credential, find_by_login

OPERATOR = audit.ClientInfo(ip=None, user_agent="homebase-cli")


def generate_password() -> str:
    """A random password well inside the policy (8–128 characters): 24 URL-safe characters."""
    return secrets.token_urlsafe(18)


async def find_user(session: AsyncSession, ref: str) -> User:
    """A user by numeric id, email or username."""
    ref = ref.strip()
    user = await session.get(User, int(ref)) if ref.isdigit() else await find_by_login(session, ref)
    if user is None:
        raise NotFound("user_not_found")
    return user


async def set_active(session: AsyncSession, ref: str, *, active: bool) -> tuple[User, int]:
    """(De)activate a user; deactivation ends every session and app password. Returns the
    user and how many sessions were ended."""
    user = await find_user(session, ref)
    user.is_active = active
    ended = 0 if active else await end_every_credential(session, user.id, "deactivated")
    await session.flush()
    await audit.record(
        session,
        "admin.user_activated" if active else "admin.user_deactivated",
        client=OPERATOR,
        user_id=user.id,
        detail=f"sessions_ended={ended}",
    )
    return user, ended


async def reset_password(
    session: AsyncSession, hasher: PasswordHasher, ref: str, password: str
) -> tuple[User, int]:
    """Set a new password, checked against the whole policy, and end every session and app
    password."""
    user = await find_user(session, ref)
    check_password(password, "password", email=user.email, username=user.username, name=user.name)
    user.password_hash = await hasher.hash(password)
    ended = await end_every_credential(session, user.id, "password_reset")
    await session.flush()
    await audit.record(
        session,
        "password.reset",
        client=OPERATOR,
        user_id=user.id,
        detail=f"sessions_ended={ended}",
    )
    return user, ended


async def reset_mfa(session: AsyncSession, ref: str) -> tuple[User, bool]:
    """Remove a user's second factor (lost phone and recovery codes); whether one was on.
    Their sessions stay: the operator has checked who asked."""
    user = await find_user(session, ref)
    was_on = user.mfa_enabled
    await mfa.remove(session, user)
    await session.flush()
    await audit.record(
        session, "admin.mfa_reset", client=OPERATOR, user_id=user.id, detail=f"was_on={was_on}"
    )
    return user, was_on

"""Single-use, purpose-typed, expiring tokens, stored only as their SHA-256."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.core.security import hash_token
from homebase.db.base import utcnow
from homebase.models.one_time_token import OneTimeToken

MAX_TOKEN_LENGTH = 128


async def issue(
    session: AsyncSession,
    user_id: int,
    purpose: str,
    ttl: timedelta,
    *,
    email: str | None = None,
    replace: bool = True,
) -> str:
    """A fresh token (256 bits). With `replace`, the user's earlier unused tokens of the same
    purpose stop working: only the newest mail's link opens anything."""
    now = utcnow()
    if replace:
        await revoke(session, user_id, purpose)
    raw = secrets.token_urlsafe(32)
    session.add(
        OneTimeToken(
            user_id=user_id,
            purpose=purpose,
            token_hash=hash_token(raw),
            email=email,
            attempts=0,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    await session.flush()
    return raw


async def find(session: AsyncSession, raw: str, purpose: str) -> OneTimeToken | None:
    """The unspent, unexpired token of `purpose` with value `raw`, or None (garbage, another
    purpose, spent, expired: all look the same to the caller)."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    token: OneTimeToken | None = await session.scalar(
        select(OneTimeToken).where(
            OneTimeToken.token_hash == hash_token(raw),
            OneTimeToken.purpose == purpose,
            OneTimeToken.used_at.is_(None),
            OneTimeToken.expires_at > utcnow(),
        )
    )
    return token


async def spend(session: AsyncSession, token: OneTimeToken, now: datetime | None = None) -> bool:
    """Mark `token` used; False when another request spent it first (one conditional UPDATE,
    so exactly one of two concurrent requests wins, in any worker)."""
    result = await session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.id == token.id, OneTimeToken.used_at.is_(None))
        .values(used_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def revoke(session: AsyncSession, user_id: int, *purposes: str) -> None:
    """Spend every open token of `user_id` with one of `purposes`."""
    await session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.user_id == user_id,
            OneTimeToken.purpose.in_(purposes),
            OneTimeToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )

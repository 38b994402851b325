"""The second step of a login with MFA: the `mfa_token` from step one plus a code."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from homebase.core.errors import InactiveUser, InvalidMfaCode, InvalidToken, MfaRequired
from homebase.core.lockout import Lockout
from homebase.core.security import TokenCodec
from homebase.db.base import utcnow
from homebase.models import User
from homebase.schemas.auth import TokenPair
from homebase.services import audit, mfa, one_time_tokens
from homebase.services.audit import ClientInfo
from homebase.services.auth import start_session

PURPOSE = "mfa_login"
# Wrong codes one mfa_token survives; then the password must be given again.
MAX_ATTEMPTS = 5


async def require_second_factor(
    session: AsyncSession, user: User, ttl: timedelta, client: ClientInfo
) -> None:
    """For a user with MFA whose password was right: raise MfaRequired with an `mfa_token`,
    opaque, single-use, short lived, and no Bearer token (only a key to `/auth/mfa/verify`)."""
    if not user.mfa_enabled:
        return
    token = await one_time_tokens.issue(session, user.id, PURPOSE, ttl, replace=False)
    await audit.record(session, "login.mfa_required", client=client, user_id=user.id)
    raise MfaRequired(token)


async def finish(
    session: AsyncSession,
    codec: TokenCodec,
    mfa_token: str,
    code: str,
    lockout: Lockout,
    client: ClientInfo,
    refresh_ttl: timedelta,
) -> TokenPair:
    found = await one_time_tokens.find(session, mfa_token, PURPOSE)
    if found is None:
        raise InvalidToken()
    try:
        await mfa.check(session, found.user_id, code, lockout, client)
    except InvalidMfaCode:
        found.attempts += 1
        if found.attempts >= MAX_ATTEMPTS:
            found.used_at = utcnow()
        raise
    if not await one_time_tokens.spend(session, found):
        raise InvalidToken()
    user = await session.get(User, found.user_id)
    if user is None or not user.is_active:
        raise InactiveUser()
    return await start_session(session, codec, user, client, refresh_ttl)

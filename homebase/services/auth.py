"""Logins, sessions and tokens: the strategy that issues, reads and revokes credentials."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.core.errors import InvalidToken, NotFound, RefreshTokenReused
from homebase.core.security import (
    TokenCodec,
    hash_token,
    new_refresh_token,
    new_session_id,
)
from homebase.db.base import utcnow
from homebase.models import AuthSession, RefreshToken, User
from homebase.repositories.users import check_open, with_open_session
from homebase.schemas.auth import SessionPublic, TokenPair
from homebase.services import audit
from homebase.services.audit import ClientInfo
from homebase.services.users import revoke_all_sessions


async def start_session(
    session: AsyncSession,
    codec: TokenCodec,
    user: User,
    client: ClientInfo,
    refresh_ttl: timedelta,
) -> TokenPair:
    """Start a login session and issue its first token pair."""
    now = utcnow()
    auth_session = AuthSession(
        id=new_session_id(),
        user_id=user.id,
        created_at=now,
        last_used_at=now,
        expires_at=now + refresh_ttl,
        ip=client.ip,
        user_agent=client.user_agent[:255] if client.user_agent else None,
    )
    session.add(auth_session)
    await session.flush()
    await audit.record(session, "login.succeeded", client=client, user_id=user.id)
    return await _issue_pair(session, codec, auth_session, now)


async def _issue_pair(
    session: AsyncSession, codec: TokenCodec, auth_session: AuthSession, now: datetime
) -> TokenPair:
    # A session's lifetime is fixed at login: rotation never carries a token past it.
    refresh = new_refresh_token()
    session.add(
        RefreshToken(
            session_id=auth_session.id,
            token_hash=hash_token(refresh),
            created_at=now,
            expires_at=auth_session.expires_at,
        )
    )
    await session.flush()
    access, expires_in = codec.encode_access(auth_session.user_id, auth_session.id, now)
    return TokenPair(access_token=access, refresh_token=refresh, expires_in=expires_in)


async def refresh(
    session: AsyncSession, codec: TokenCodec, token: str, client: ClientInfo
) -> TokenPair:
    """Spend a refresh token for a new pair. A token presented twice ends its session; a
    session past its `expires_at` is over, whatever its tokens say."""
    now = utcnow()
    token_hash = hash_token(token)
    spent = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.token_hash == token_hash, RefreshToken.used_at.is_(None))
        .values(used_at=now)
        .returning(RefreshToken.session_id, RefreshToken.expires_at)
    )
    row = spent.first()
    if row is None:
        await _handle_unknown_or_reused(session, token_hash, client)
        raise InvalidToken()
    auth_session = await session.get(AuthSession, row.session_id)
    if (
        auth_session is None
        or auth_session.revoked_at is not None
        or row.expires_at <= now
        or auth_session.expires_at <= now
    ):
        raise InvalidToken()
    user = await session.get(User, auth_session.user_id)
    if user is None or not user.is_active:
        raise InvalidToken()
    auth_session.last_used_at = now
    if client.ip:
        auth_session.ip = client.ip
    return await _issue_pair(session, codec, auth_session, now)


async def _handle_unknown_or_reused(
    session: AsyncSession, token_hash: str, client: ClientInfo
) -> None:
    reused = await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash))
    if reused is None:
        return
    auth_session = await session.get(AuthSession, reused.session_id)
    if auth_session is None:
        return
    if auth_session.revoked_at is None:
        auth_session.revoked_at = utcnow()
        auth_session.revoked_reason = "refresh_reuse"
    await audit.record(
        session,
        "token.reuse_detected",
        client=client,
        user_id=auth_session.user_id,
        detail=f"session={auth_session.id}",
    )
    raise RefreshTokenReused()


async def logout(session: AsyncSession, token: str, client: ClientInfo) -> None:
    """End the session a refresh token belongs to. Unknown tokens are ignored (idempotent)."""
    found = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hash_token(token))
    )
    if found is None:
        return
    auth_session = await session.get(AuthSession, found.session_id)
    if auth_session is not None and auth_session.revoked_at is None:
        auth_session.revoked_at = utcnow()
        auth_session.revoked_reason = "logout"
        await audit.record(session, "session.ended", client=client, user_id=auth_session.user_id)


async def list_sessions(
    session: AsyncSession, user: User, current_session_id: str | None
) -> list[SessionPublic]:
    now = utcnow()
    rows = await session.scalars(
        select(AuthSession)
        .where(
            AuthSession.user_id == user.id,
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > now,
        )
        .order_by(AuthSession.created_at.desc())
    )
    return [
        SessionPublic(
            id=row.id,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            expires_at=row.expires_at,
            ip=row.ip,
            user_agent=row.user_agent,
            current=row.id == current_session_id,
        )
        for row in rows
    ]


async def end_session(
    session: AsyncSession, user: User, session_id: str, client: ClientInfo
) -> None:
    result = await session.execute(
        update(AuthSession)
        .where(
            AuthSession.id == session_id,
            AuthSession.user_id == user.id,
            AuthSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow(), revoked_reason="ended")
    )
    if not getattr(result, "rowcount", 0):
        raise NotFound("session_not_found")
    await audit.record(session, "session.ended", client=client, user_id=user.id)


async def end_all_sessions(session: AsyncSession, user: User, client: ClientInfo) -> None:
    count = await revoke_all_sessions(session, user.id, "logout_all")
    await audit.record(
        session, "session.ended_all", client=client, user_id=user.id, detail=f"count={count}"
    )


# Built once: the hot path of every Bearer request binds only the two values.
_USER_OF_OPEN_SESSION = with_open_session(select(User))


async def user_for_access_token(
    session: AsyncSession, codec: TokenCodec, token: str
) -> tuple[User, str]:
    """The user and session id behind a valid access token whose session is still open.

    Revocation and the session's end are checked on every request, in the same single query
    that loads the user: ending a session (logout, password change, deactivation, its
    lifetime) locks its tokens out at once, exactly when `/auth/sessions` stops listing it.
    """
    claims = codec.decode_access(token)
    if claims is None:
        raise InvalidToken()
    result = await session.execute(
        _USER_OF_OPEN_SESSION,
        {"user_id": claims.user_id, "session_id": claims.session_id, "now": utcnow()},
    )
    user = result.scalar_one_or_none()
    check_open(None if user is None else user.is_active)
    assert user is not None  # checked: None is an InvalidToken
    return user, claims.session_id

"""App passwords (personal access tokens): issued, listed, revoked, and checked per request.

The secret carries 306 random bits, so it is stored as its SHA-256 (the same `hash_token` as
refresh tokens): a slow password hash defends guessable secrets and buys nothing here, while
a lookup by hash costs one indexed query. That query also loads the user and checks that the
token is not revoked, so a request with an app password costs what a session read costs, and
a revocation (DELETE, password change, deactivation) is refused by the very next request in
every worker: there is no per-process copy of a verdict to go stale. The account manager
(`services/accounts.py`) calls `verify` for every request and `note_use` for the rare one
that changes the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, and_, bindparam, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from homebase.core.app_passwords import grants, join_scopes, new_app_password, split_scopes
from homebase.core.errors import (
    AppPasswordLimit,
    InactiveUser,
    InsufficientScope,
    InvalidCredentials,
    InvalidToken,
    NotFound,
)
from homebase.core.security import AppPasswordClaim, hash_token
from homebase.db.base import utcnow
from homebase.models import AppPassword, AuditEvent, User
from homebase.repositories.owned import OwnedRepository
from homebase.schemas.app_password import AppPasswordCreate, AppPasswordCreated
from homebase.services import audit
from homebase.services.audit import ClientInfo

# A bound on live app passwords per user, so the listing needs no paging.
MAX_PER_USER = 100
# `last_used_at` is written at the first use, then at most this often.
LAST_USED_EVERY = timedelta(minutes=1)
NEW_IP_EVENT = "app_password.new_ip"


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """What an app password lets a request do: its id (for the audit) and its scopes."""

    id: int
    scopes: frozenset[str]


async def create(
    session: AsyncSession, user: User, data: AppPasswordCreate, client: ClientInfo
) -> AppPasswordCreated:
    """Issue an app password; the secret is in the result and nowhere else."""
    live = await session.scalar(
        select(func.count())
        .select_from(AppPassword)
        .where(AppPassword.user_id == user.id, AppPassword.revoked_at.is_(None))
    )
    if (live or 0) >= MAX_PER_USER:
        raise AppPasswordLimit(limit=MAX_PER_USER)
    token, prefix = new_app_password()
    now = utcnow()
    row = AppPassword(
        user_id=user.id,
        name=data.name,
        scopes=join_scopes(data.scopes),
        prefix=prefix,
        secret_hash=hash_token(token),
        created_at=now,
        expires_at=now + timedelta(days=data.expires_in_days) if data.expires_in_days else None,
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        "app_password.created",
        client=client,
        user_id=user.id,
        detail=f"id={row.id} scopes={row.scopes}",
    )
    return AppPasswordCreated.model_validate({**_public_fields(row), "token": token})


def _public_fields(row: AppPassword) -> dict[str, object]:
    return {
        "id": row.id,
        "name": row.name,
        "scopes": row.scopes,
        "prefix": row.prefix,
        "created_at": row.created_at,
        "expires_at": row.expires_at,
        "last_used_at": row.last_used_at,
    }


async def list_for(session: AsyncSession, user: User) -> list[AppPassword]:
    """The user's app passwords that are not revoked (expired ones included), newest first."""
    rows = await session.scalars(
        select(AppPassword)
        .where(AppPassword.user_id == user.id, AppPassword.revoked_at.is_(None))
        .order_by(AppPassword.created_at.desc(), AppPassword.id.desc())
    )
    return list(rows)


async def revoke(session: AsyncSession, user: User, token_id: int, client: ClientInfo) -> None:
    """Revoke one of the user's app passwords; another user's, or a revoked one, is 404."""
    result = await session.execute(
        update(AppPassword)
        .where(
            AppPassword.id == token_id,
            AppPassword.user_id == user.id,
            AppPassword.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow(), revoked_reason="revoked")
    )
    if not getattr(result, "rowcount", 0):
        raise NotFound("app_password_not_found")
    await audit.record(
        session, "app_password.revoked", client=client, user_id=user.id, detail=f"id={token_id}"
    )


async def revoke_all(session: AsyncSession, user_id: int, reason: str) -> int:
    """Revoke every app password of a user (password change or reset, deactivation)."""
    result = await session.execute(
        update(AppPassword)
        .where(AppPassword.user_id == user_id, AppPassword.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _of_live_token(*who: Any) -> Select[Any]:
    """`who` (the owner's columns) and the token's, for a live (unrevoked) secret."""
    return (
        select(
            *who,
            AppPassword.id.label("token_id"),
            AppPassword.scopes,
            AppPassword.expires_at,
            AppPassword.last_used_at,
            AppPassword.last_used_ip,
        )
        .join(AppPassword, AppPassword.user_id == User.id)
        .where(
            AppPassword.secret_hash == bindparam("secret_hash"), AppPassword.revoked_at.is_(None)
        )
    )


# Built once: the hot path binds only the hash. The first loads the ORM user; the second,
# for the hot read routes (`Accounts.confirm`), only what a caller is.
_USER_OF_LIVE_TOKEN = _of_live_token(User)
_CALLER_OF_LIVE_TOKEN = _of_live_token(
    User.id, User.is_admin, User.is_active, User.email, User.username
)


@dataclass(frozen=True, slots=True)
class LastUse:
    """What the row said of the token's last use when it was verified."""

    token_id: int
    user_id: int
    at: datetime | None
    ip: str | None


async def verify(
    session: AsyncSession, secret: str, *, basic_login: str | None = None
) -> tuple[User, TokenGrant, LastUse]:
    """The user and grant behind a live app password, in one query that writes nothing.

    Given as a Bearer token a bad secret is `InvalidToken`; given as the password of HTTP
    Basic (`basic_login`), it is `InvalidCredentials`, and the login must be the owner's."""
    row = (await session.execute(_USER_OF_LIVE_TOKEN, {"secret_hash": hash_token(secret)})).first()
    user: User | None = None if row is None else row.User
    grant, last = _granted(row, user, basic_login)
    assert user is not None  # _granted refused a missing row
    return user, grant, last


async def confirm_caller(
    reader: AsyncConnection, claim: AppPasswordClaim
) -> tuple[Row[Any], TokenGrant]:
    """`verify` of a Bearer app password on a connection, without the ORM, then the route's
    `claim.scope`: the row holds the owner's `id`, `is_admin` and `is_active`; the token's use
    is left on `claim.use`, for `Accounts.note_use` after the read."""
    params = {"secret_hash": hash_token(claim.secret)}
    row = (await reader.execute(_CALLER_OF_LIVE_TOKEN, params)).first()
    grant, claim.use = _granted(row, row, None)
    _check_scope(claim, grant)
    assert row is not None
    return row, grant


async def owned_row(
    reader: AsyncConnection,
    repository: OwnedRepository[Any],
    claim: AppPasswordClaim,
    row_id: int,
) -> Row[Any]:
    """`row_id` of an `OwnedRepository` for the holder of an app password, in the statement
    that verifies the token (`confirm_caller`'s checks, then the route's `claim.scope`, then
    the owner rule); the token's use is left on `claim.use`, for `Accounts.note_use` after
    the read."""
    row = await repository.token_row(reader, hash_token(claim.secret), row_id)
    owner = _Owner(row.reader_id, row.reader_is_active) if row is not None else None
    grant, claim.use = _granted(row, owner, None)
    _check_scope(claim, grant)
    assert row is not None
    if row.id is None:
        raise NotFound(repository.not_found)
    return row


def _check_scope(claim: AppPasswordClaim, grant: TokenGrant) -> None:
    """The route's scope (set on the claim by its scope check; none grants nothing)."""
    if not claim.scope or not grants(grant.scopes, claim.scope):
        raise InsufficientScope(claim.scope)


@dataclass(frozen=True, slots=True)
class _Owner:
    """The owner's columns `_granted` reads, from a row where `id` is another table's."""

    id: int
    is_active: bool
    email: str | None = None
    username: str | None = None


def _granted(
    row: Row[Any] | None, owner: Any, basic_login: str | None
) -> tuple[TokenGrant, LastUse]:
    """The checks of `verify`: `owner` has the owner's id, email, username and is_active."""
    failure = InvalidToken if basic_login is None else InvalidCredentials
    if row is None or (row.expires_at is not None and row.expires_at <= utcnow()):
        raise failure()
    if basic_login is not None and basic_login.strip().lower() not in (owner.email, owner.username):
        raise failure()
    if not owner.is_active:
        raise InactiveUser()
    last = LastUse(row.token_id, owner.id, row.last_used_at, row.last_used_ip)
    return TokenGrant(row.token_id, split_scopes(row.scopes)), last


def _stale(last: LastUse, now: datetime) -> bool:
    return last.at is None or now - last.at >= LAST_USED_EVERY


def _moved(last: LastUse, client: ClientInfo) -> bool:
    return client.ip is not None and client.ip != last.ip


def use_to_note(last: LastUse, client: ClientInfo) -> bool:
    """Whether this use changes the row: most requests write nothing."""
    return _stale(last, utcnow()) or _moved(last, client)


async def note_use(session: AsyncSession, last: LastUse, client: ClientInfo) -> None:
    """Keep `last_used_at` (at most once a minute) and `last_used_ip`; audit the first use
    from each IP."""
    now = utcnow()
    stale, moved = _stale(last, now), _moved(last, client)
    statement = update(AppPassword).where(AppPassword.id == last.token_id)
    if stale:
        # Another worker may have just written it: the guard keeps it once a minute.
        cutoff = now - LAST_USED_EVERY
        statement = statement.where(
            or_(AppPassword.last_used_at.is_(None), AppPassword.last_used_at <= cutoff)
        ).values(last_used_at=now)
    if moved:
        statement = statement.values(last_used_ip=client.ip)
    if stale or moved:
        await session.execute(statement)
    if moved and not await _seen_from(session, last.user_id, last.token_id, client.ip):
        await audit.record(
            session, NEW_IP_EVENT, client=client, user_id=last.user_id, detail=f"id={last.token_id}"
        )


async def _seen_from(session: AsyncSession, user_id: int, token_id: int, ip: str | None) -> bool:
    """Whether this token was already used from `ip` (the audit trail remembers each IP)."""
    found = await session.scalar(
        select(
            exists().where(
                and_(
                    AuditEvent.user_id == user_id,
                    AuditEvent.type == NEW_IP_EVENT,
                    AuditEvent.detail == f"id={token_id}",
                    AuditEvent.ip == ip,
                )
            )
        )
    )
    return bool(found)

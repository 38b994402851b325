"""User rules: creation, lookup, updates, deletion, passwords."""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.core.cursor import CursorSpec, KeyType, fingerprint
from homebase.core.errors import (
    EmailTaken,
    FieldError,
    Forbidden,
    NotFound,
    UsernameTaken,
)
from homebase.core.passwords import check_password
from homebase.core.security import PasswordHasher
from homebase.db.base import utcnow
from homebase.db.integrity import constraint_name
from homebase.db.keyset import SortKey
from homebase.models import AuthSession, User
from homebase.schemas.user import ProfileUpdate, UserCreate, UserUpdate
from homebase.services import app_passwords, audit
from homebase.services.audit import ClientInfo
from homebase.services.paging import Listing, Page, PageRequest, fetch_page


def default_name(email: str | None, username: str | None) -> str:
    if username:
        return username
    return (email or "").split("@", 1)[0] or "user"


async def _ensure_unique(
    session: AsyncSession, email: str | None, username: str | None, exclude_id: int | None = None
) -> None:
    for column, value, error in (
        (User.email, email, EmailTaken),
        (User.username, username, UsernameTaken),
    ):
        if value is None:
            continue
        query = select(User.id).where(column == value)
        if exclude_id is not None:
            query = query.where(User.id != exclude_id)
        if await session.scalar(query.limit(1)) is not None:
            raise error()


async def _flush_unique(session: AsyncSession) -> None:
    """Flush; a unique email or username taken meanwhile (a concurrent write won the race
    `_ensure_unique` checked) is its 409."""
    try:
        await session.flush()
    except IntegrityError as exc:
        taken = UsernameTaken if constraint_name(exc) == "uq_user_username" else EmailTaken
        raise taken() from exc


async def create_user(
    session: AsyncSession,
    hasher: PasswordHasher,
    data: UserCreate,
    *,
    as_admin: bool = False,
    actor: User | None = None,
    client: ClientInfo | None = None,
) -> User:
    """Register a user; `is_admin` is honoured only when an admin creates the account.
    With a `client` the creation is audited (by `actor`, an admin, if given)."""
    name = data.name or default_name(data.email, data.username)
    check_password(data.password, "password", email=data.email, username=data.username, name=name)
    # Hash before the first statement: on SQLite a writing transaction holds the database's
    # write lock from its first statement, and argon2 takes tens of milliseconds.
    password_hash = await hasher.hash(data.password)
    await _ensure_unique(session, data.email, data.username)
    user = User(
        name=name,
        email=data.email,
        username=data.username,
        phone=data.phone,
        password_hash=password_hash,
        is_admin=data.is_admin and as_admin,
    )
    session.add(user)
    await _flush_unique(session)
    if client is not None:
        await audit.record(
            session,
            "admin.user_created" if actor is not None else "user.registered",
            client=client,
            user_id=user.id,
            actor_id=actor.id if actor is not None else None,
            detail="is_admin" if user.is_admin else None,
        )
    return user


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("user_not_found")
    return user


async def find_by_login(session: AsyncSession, login: str) -> User | None:
    login = login.strip().lower()
    if not login:
        return None
    column = User.email if "@" in login else User.username
    return await session.scalar(select(User).where(column == login))


def _search(query: Select[User], q: str | None) -> Select[User]:
    if not q:
        return query
    pattern = f"%{q.strip().lower()}%"
    return query.where(
        or_(
            func.lower(User.name).like(pattern),
            User.email.like(pattern),
            User.username.like(pattern),
        )
    )


_BY_ID = (SortKey(User.id.expression, attrgetter("id"), KeyType("int")),)


async def list_users(session: AsyncSession, *, q: str | None, page: PageRequest) -> Page[User]:
    """Users matching `q`, by id; cursors are refused under another `q`."""
    spec = CursorSpec(f"users:id:{fingerprint(q)}", (KeyType("int"),))
    return await fetch_page(session, _search(select(User), q), Listing(_BY_ID, spec), page)


def _require_self_or_admin(actor: User, user_id: int) -> None:
    if actor.id != user_id and not actor.is_admin:
        raise Forbidden()


def _apply_changes(user: User, changes: dict[str, Any]) -> None:
    """Set the changed fields; a new email address is not proven yet."""
    if "email" in changes and changes["email"] != user.email:
        user.email_verified = False
    for field, value in changes.items():
        setattr(user, field, value)


async def update_user(
    session: AsyncSession, actor: User, user_id: int, data: UserUpdate, client: ClientInfo
) -> User:
    _require_self_or_admin(actor, user_id)
    user = await get_user(session, user_id)
    changes = data.model_dump(exclude_unset=True)
    if ("is_admin" in changes or "is_active" in changes) and not actor.is_admin:
        raise Forbidden("admin_required")
    if changes.get("name", "") is None:
        del changes["name"]
    if changes.get("email", user.email) is None and changes.get("username", user.username) is None:
        raise FieldError("email", "email_or_username_required")
    await _ensure_unique(session, changes.get("email"), changes.get("username"), user.id)
    _apply_changes(user, changes)
    await _flush_unique(session)
    if changes.get("is_active") is False:
        await end_every_credential(session, user.id, "deactivated")
    if actor.id != user.id:
        await audit.record(
            session,
            "admin.user_updated",
            client=client,
            user_id=user.id,
            actor_id=actor.id,
            detail=",".join(sorted(changes)),
        )
    return user


async def update_profile(session: AsyncSession, user: User, data: ProfileUpdate) -> User:
    changes = data.model_dump(exclude_unset=True)
    if changes.get("name") is None:
        changes.pop("name", None)
    if "email" in changes and changes["email"] is None and user.username is None:
        changes.pop("email")
    await _ensure_unique(session, changes.get("email"), None, user.id)
    _apply_changes(user, changes)
    await _flush_unique(session)
    return user


async def delete_user(session: AsyncSession, actor: User, user_id: int, client: ClientInfo) -> None:
    """Delete a user; their tasks, contacts and sessions go with them (ON DELETE CASCADE)."""
    _require_self_or_admin(actor, user_id)
    user = await get_user(session, user_id)
    await session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
    await session.delete(user)
    await session.flush()
    await audit.record(
        session,
        "user.deleted",
        client=client,
        actor_id=actor.id if actor.id != user_id else None,
        login=user.email or user.username,
        detail=f"user_id={user_id}",
    )


async def revoke_all_sessions(session: AsyncSession, user_id: int, reason: str) -> int:
    result = await session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def end_every_credential(session: AsyncSession, user_id: int, reason: str) -> int:
    """End every session and every app password of a user: a password change or reset, a
    deactivation. Re-activating the user revives none of them. Returns the sessions ended."""
    ended = await revoke_all_sessions(session, user_id, reason)
    await app_passwords.revoke_all(session, user_id, reason)
    return ended


async def end_sessions_of(
    session: AsyncSession, actor: User, user_id: int, client: ClientInfo
) -> int:
    """An admin ends every session of a user; returns how many were open."""
    if not actor.is_admin:
        raise Forbidden("admin_required")
    user = await get_user(session, user_id)
    count = await revoke_all_sessions(session, user.id, "admin")
    await audit.record(
        session,
        "admin.sessions_ended",
        client=client,
        user_id=user.id,
        actor_id=actor.id,
        detail=f"count={count}",
    )
    return count


async def set_password(
    session: AsyncSession, actor: User, user_id: int, password_hash: str, client: ClientInfo
) -> User:
    """Store a new password hash (made and checked by the account manager before this
    transaction began) and end every session of that user."""
    user = await get_user(session, user_id)
    user.password_hash = password_hash
    await end_every_credential(session, user.id, "password_changed")
    await session.flush()
    await audit.record(
        session,
        "password.changed",
        client=client,
        user_id=user.id,
        actor_id=actor.id if actor.id != user.id else None,
    )
    return user

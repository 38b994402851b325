"""User queries needed by the services of owned entities."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from homebase.core.errors import InactiveUser, InvalidToken
from homebase.models import AuthSession, User

_USER_EXISTS = select(User.id).where(User.id == bindparam("id"))

_user, _session = User.__table__.c, AuthSession.__table__.c


def with_open_session(query: Select[Any]) -> Select[Any]:
    """`query` (over the user table) limited to the user `:user_id` whose login session
    `:session_id` is open at `:now`: revocation and the session's end, in the statement that
    reads the user."""
    return query.join(AuthSession.__table__, _session.user_id == _user.id).where(
        _user.id == bindparam("user_id"),
        _session.id == bindparam("session_id"),
        _session.revoked_at.is_(None),
        _session.expires_at > bindparam("now"),
    )


def check_open(is_active: bool | None) -> None:
    """The verdict on a user read through `with_open_session`: None (no row, or NULL where the
    check is a column of another statement) is a session revoked, ended or not the user's,
    401 `invalid_token`; a user no longer active is 401 `inactive_user`."""
    if is_active is None:
        raise InvalidToken()
    if not is_active:
        raise InactiveUser()


# Core, built once: the hot path of every Bearer read binds three values, and no ORM
# object is built.
_OPEN_SESSION_USER = with_open_session(select(_user.id, _user.is_admin, _user.is_active))


async def open_session_user(
    reader: AsyncConnection, user_id: int, session_id: str, now: datetime
) -> Row[Any] | None:
    """`id, is_admin, is_active` of the user whose login session `session_id` is open."""
    result = await reader.execute(
        _OPEN_SESSION_USER, {"user_id": user_id, "session_id": session_id, "now": now}
    )
    row: Row[Any] | None = result.first()
    return row


async def user_exists(session: AsyncSession, user_id: int) -> bool:
    return await session.scalar(_USER_EXISTS, {"id": user_id}) is not None

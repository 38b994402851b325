"""The owner rule, written once: a user sees and manages their own rows, an admin every row.

Every owned entity (a model with `id`, `user_id` and `version`) gets one `OwnedRepository`;
anything outside its scope is "not found", never "forbidden", so ids of other users' rows
reveal nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Row, Select, and_, bindparam, inspect, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from homebase.core.errors import NotFound
from homebase.core.preconditions import Versioned
from homebase.core.security import SessionClaim
from homebase.db.direct import DirectSelect
from homebase.models import AppPassword, User
from homebase.repositories.users import check_open, with_open_session

M = TypeVar("M", bound=Versioned)


class Actor(Protocol):
    """Who acts: a `User`, or the lighter `Caller` of the hot read routes."""

    @property
    def id(self) -> int: ...

    @property
    def is_admin(self) -> bool: ...


class OwnedRepository(Generic[M]):
    """Owner-scoped queries of `model`; a missing row raises `NotFound(not_found)`."""

    def __init__(self, model: type[M], not_found: str) -> None:
        self.model = model
        self.not_found = not_found
        columns = inspect(model).columns
        self._owner = columns["user_id"]
        # Built once, for the hot path of reading one row by id.
        self._by_id = select(model).where(columns["id"] == bindparam("id"))
        self._own_by_id = self._by_id.where(self._owner == bindparam("user_id"))
        # The same reads in Core, for the hot read routes: rows, not ORM objects, read on the
        # driver (db/direct.py).
        self.table = model.__table__  # type: ignore[attr-defined]
        row_by_id = select(self.table).where(self.table.c.id == bindparam("id"))
        self._row_by_id = DirectSelect(row_by_id)
        self._own_row_by_id = DirectSelect(
            row_by_id.where(self.table.c.user_id == bindparam("user_id"))
        )
        # The row and, in the same statement, its reader's login session (see `session_row`).
        user = User.__table__
        visible = and_(
            self.table.c.id == bindparam("id"),
            or_(self.table.c.user_id == user.c.id, user.c.is_admin),
        )
        tokens = AppPassword.__table__
        self._token_row_by_id = DirectSelect(
            select(
                user.c.id.label("reader_id"),
                user.c.is_active.label("reader_is_active"),
                tokens.c.id.label("token_id"),
                tokens.c.scopes,
                tokens.c.expires_at,
                tokens.c.last_used_at,
                tokens.c.last_used_ip,
                self.table,
            )
            .select_from(
                user.join(tokens, tokens.c.user_id == user.c.id).outerjoin(self.table, visible)
            )
            .where(tokens.c.secret_hash == bindparam("secret_hash"), tokens.c.revoked_at.is_(None))
        )
        self._session_row_by_id = DirectSelect(
            with_open_session(
                select(user.c.is_active.label("reader_is_active"), self.table).select_from(
                    user.outerjoin(self.table, visible)
                )
            )
        )

    def visible(self, actor: Actor, *, columns: Sequence[Any] = ()) -> Select[Any]:
        """The rows `actor` may see and manage: their own, or every row for an admin (ORM
        objects, or with `columns` plain rows of those columns)."""
        query = select(*columns) if columns else select(self.model)
        if not actor.is_admin:
            query = query.where(self._owner == actor.id)
        return query

    def of_owner(self, owner_id: int) -> Select[M]:
        """The rows of one owner (the owner already decided by the caller)."""
        return select(self.model).where(self._owner == owner_id)

    async def row(self, reader: AsyncConnection, actor: Actor, row_id: int) -> Row[Any]:
        """`get` as a plain row, on a connection."""
        row: Row[Any] | None
        if actor.is_admin:
            row = await self._row_by_id.first(reader, {"id": row_id})
        else:
            params = {"id": row_id, "user_id": actor.id}
            row = await self._own_row_by_id.first(reader, params)
        if row is None:
            raise NotFound(self.not_found)
        return row

    async def session_row(
        self, reader: AsyncConnection, claim: SessionClaim, row_id: int, now: datetime
    ) -> Row[Any]:
        """`row` for the holder of a Bearer access token, in one statement that also checks
        the token's login session as `open_session_user` does (revoked or ended: 401) and
        reads whether its user is active and an admin (an admin sees every row)."""
        params = claim.params(now) | {"id": row_id}
        row: Row[Any] | None = await self._session_row_by_id.first(reader, params)
        check_open(None if row is None else row.reader_is_active)
        assert row is not None  # checked: None is an InvalidToken
        if row.id is None:
            raise NotFound(self.not_found)
        return row

    async def token_row(
        self, reader: AsyncConnection, secret_hash: str, row_id: int
    ) -> Row[Any] | None:
        """The row `row_id` if the owner of the live app password `secret_hash` may see it
        (its columns are None otherwise), with the token's columns and its owner's `reader_id`
        and `reader_is_active`, in one statement; None for no live token. The caller checks
        expiry, scope and `is_active` (`app_passwords.owned_row`)."""
        params = {"secret_hash": secret_hash, "id": row_id}
        row: Row[Any] | None = await self._token_row_by_id.first(reader, params)
        return row

    async def get(self, session: AsyncSession, actor: User, row_id: int) -> M:
        """The row `row_id` if `actor` may see it; `NotFound` otherwise."""
        if actor.is_admin:
            row = await session.scalar(self._by_id, {"id": row_id})
        else:
            row = await session.scalar(self._own_by_id, {"id": row_id, "user_id": actor.id})
        if row is None:
            raise NotFound(self.not_found)
        return row

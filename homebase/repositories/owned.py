"""The owner rule, written once: a user sees and manages their own rows, an admin every row.

Every owned entity (a model with `id`, `user_id` and `version`) gets one `OwnedRepository`;
anything outside its scope is "not found", never "forbidden", so ids of other users' rows
reveal nothing.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from sqlalchemy import Select, bindparam, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.core.errors import NotFound
from homebase.core.preconditions import Versioned
from homebase.models import User

M = TypeVar("M", bound=Versioned)


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

    def visible(self, actor: User) -> Select[M]:
        """The rows `actor` may see and manage: their own, or every row for an admin."""
        query = select(self.model)
        if not actor.is_admin:
            query = query.where(self._owner == actor.id)
        return query

    def of_owner(self, owner_id: int) -> Select[M]:
        """The rows of one owner (the owner already decided by the caller)."""
        return select(self.model).where(self._owner == owner_id)

    async def get(self, session: AsyncSession, actor: User, row_id: int) -> M:
        """The row `row_id` if `actor` may see it; `NotFound` otherwise."""
        if actor.is_admin:
            row = await session.scalar(self._by_id, {"id": row_id})
        else:
            row = await session.scalar(self._own_by_id, {"id": row_id, "user_id": actor.id})
        if row is None:
            raise NotFound(self.not_found)
        return row

"""User queries needed by the services of owned entities."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.models import User

_USER_EXISTS = select(User.id).where(User.id == bindparam("id"))


async def user_exists(session: AsyncSession, user_id: int) -> bool:
    return await session.scalar(_USER_EXISTS, {"id": user_id}) is not None

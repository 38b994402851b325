"""Ending every credential of a user at once (a password reset, an MFA reset)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from homebase.services.users import revoke_all_sessions


async def end_every_credential(session: AsyncSession, user_id: int, reason: str) -> int:
    """End every session (and so its refresh and access tokens) of `user_id`. A cached Basic
    credential ends with the password hash it was verified against, in every worker."""
    return await revoke_all_sessions(session, user_id, reason)

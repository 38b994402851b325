"""Start-up work: the first admin from the environment."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.core.errors import FieldError
from homebase.core.security import PasswordHasher
from homebase.models import User
from homebase.schemas.user import UserCreate
from homebase.services.users import create_user, find_by_login

logger = logging.getLogger("homebase")


async def ensure_admin(
    session: AsyncSession, hasher: PasswordHasher, email: str, password: str
) -> User | None:
    """Create an admin with these credentials when no admin exists yet.

    An account that already has the configured email becomes admin only if its password is
    the configured one: whoever registered that address (after a refused weak password, or
    once the last admin was gone) must not be promoted by the next restart."""
    if await session.scalar(select(User.id).where(User.is_admin.is_(True)).limit(1)):
        return None
    data = UserCreate(email=email, password=password, is_admin=True)
    existing = await find_by_login(session, data.email or "")
    if existing is not None:
        valid, _ = await hasher.verify(password, existing.password_hash)
        if not valid:
            logger.warning(
                "user %s has the HOMEBASE_ADMIN_EMAIL address but not HOMEBASE_ADMIN_PASSWORD: "
                "not promoted to admin (use `homebase create-admin` or `homebase users …`)",
                existing.id,
            )
            return None
        existing.is_admin = True
        await session.flush()
        logger.info("promoted existing user %s to admin", existing.id)
        return existing
    try:
        user = await create_user(session, hasher, data, as_admin=True)
    except FieldError as exc:
        # Refuse a weak bootstrap password, but keep serving: an admin can still be created
        # with `homebase create-admin`.
        logger.error("HOMEBASE_ADMIN_PASSWORD refused (%s); no admin created", exc.field_key)
        return None
    logger.info("created admin user %s", user.id)
    return user

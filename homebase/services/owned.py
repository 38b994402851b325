"""The parts every owned resource's service shares: choosing the owner, writing under
`If-Match`, and turning a lost race into the error the client understands."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.core.errors import AppError, FieldError
from homebase.core.preconditions import TagList, require_match
from homebase.db.integrity import constraint_name
from homebase.db.versioning import flush_versioned
from homebase.models import User
from homebase.repositories.owned import M, OwnedRepository
from homebase.repositories.users import user_exists

OWNER_FIELD = "user_id"
OWNER_NOT_FOUND = "unknown_user"


def owner_gone() -> AppError:
    return FieldError(OWNER_FIELD, OWNER_NOT_FOUND)


async def requested_owner(session: AsyncSession, actor: User, requested: int | None) -> int | None:
    """The owner an admin asked for (checked to exist); None keeps the current or default
    owner. A normal user's `user_id` is ignored."""
    if requested is None or not actor.is_admin:
        return None
    if not await user_exists(session, requested):
        raise owner_gone()
    return requested


async def writable(
    session: AsyncSession,
    repository: OwnedRepository[M],
    actor: User,
    row_id: int,
    if_match: TagList | None,
) -> M:
    """The row to change: visible to `actor` (404 otherwise) and still the version `If-Match`
    names (412 otherwise). The versioned flush makes the check hold until the write."""
    row = await repository.get(session, actor, row_id)
    require_match(if_match, row)
    return row


async def flush_owned(
    session: AsyncSession, conflicts: Mapping[str, Callable[[], AppError]] | None = None
) -> None:
    """Flush; a lost version race is 412 (see `flush_versioned`), a unique constraint in
    `conflicts` its error, anything else the owner deleted meanwhile (the foreign key)."""
    try:
        await flush_versioned(session)
    except IntegrityError as exc:
        make = (conflicts or {}).get(constraint_name(exc) or "", owner_gone)
        raise make() from exc

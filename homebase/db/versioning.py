"""Flushing versioned rows: a lost race is a failed precondition, never an overwrite."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from homebase.core.errors import PreconditionFailed

# SQLite's SQLITE_BUSY_SNAPSHOT: this transaction read a snapshot that another connection's
# commit has since made stale, so it may not write.
SQLITE_BUSY_SNAPSHOT = 517


async def flush_versioned(session: AsyncSession) -> None:
    """Flush; a versioned UPDATE/DELETE that matched no row (someone else changed or removed
    it since it was read) is a failed precondition, never a silent overwrite. On SQLite the
    same lost race can surface as a stale snapshot, which means the same thing."""
    try:
        await session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed() from exc
    except OperationalError as exc:
        if getattr(exc.orig, "sqlite_errorcode", None) == SQLITE_BUSY_SNAPSHOT:
            raise PreconditionFailed() from exc
        raise

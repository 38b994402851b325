"""What a vCard import and an iCalendar import share: the report, the body checks, the cap."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from homebase.core.errors import AppError
from homebase.db.base import Base, utcnow
from homebase.services.interchange.items import ItemError

_T = TypeVar("_T")
# Bound parameters per `IN (…)`: well under SQLite's and asyncpg's limits.
_CHUNK = 500


class ImportNotText(AppError):
    status_code = 422
    code = "import_not_utf8"
    message_key = "import_not_utf8"


class ImportEmpty(AppError):
    status_code = 422
    code = "import_empty"
    message_key = "import_empty"


class TooManyItems(AppError):
    status_code = 413
    code = "too_many_items"
    message_key = "too_many_items"


class ImportConflict(AppError):
    """A concurrent write took a UID, resource name or email between the plan and the write."""

    status_code = 409
    code = "import_conflict"
    message_key = "import_conflict"


@dataclass(slots=True)
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[ItemError] = field(default_factory=list)

    def count(self, *, created: bool) -> None:
        if created:
            self.created += 1
        else:
            self.updated += 1

    def refuse(self, error: ItemError) -> None:
        self.failed.append(error)


def decode_body(body: bytes) -> str:
    """UTF-8 text (a byte-order mark is dropped); 422 otherwise."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportNotText() from exc


def ensure_within_cap(count: int, cap: int) -> None:
    if count == 0:
        raise ImportEmpty()
    if count > cap:
        raise TooManyItems(max=cap)


def chunks(items: Sequence[_T]) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


async def bulk_write(
    session: AsyncSession,
    model: type[Base],
    inserts: list[dict[str, Any]],
    updates: list[dict[str, Any]],
) -> None:
    """New rows in one executemany, changed rows by primary key in another: an import of ten
    thousand cards must not cost ten thousand round trips. The ORM bumps each updated row's
    version, which the ETags derive from; each carries the version it was planned against, so a row
    changed meanwhile fails the update (409) instead of being overwritten."""
    now = utcnow()
    try:
        if inserts:
            rows = [{**row, "created_at": now, "updated_at": now, "version": 1} for row in inserts]
            await session.execute(insert(model), rows)
        if updates:
            await session.execute(update(model), [{**row, "updated_at": now} for row in updates])
    except (IntegrityError, StaleDataError) as exc:
        raise ImportConflict() from exc

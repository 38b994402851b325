"""The CardDAV/CalDAV change log: one row per resource that changed, the newest change only.

Its ids are the sync tokens (RFC 6578): `sync-collection` from token n lists the rows of the
collection with id > n; a row with `deleted` is a tombstone. Every contact and task write is
logged by a flush hook, whatever made it (REST, an import, a DAV client), so a change on
either side shows in the next sync of the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    delete,
    event,
    insert,
    select,
    tuple_,
)
from sqlalchemy.orm import Mapped, Session, UOWTransaction, mapped_column

from homebase.db.base import Base
from homebase.models.contact import Contact
from homebase.models.interchange import HREF_MAX
from homebase.models.task import Task
from homebase.models.user import User

COLLECTIONS: dict[type[Any], str] = {Contact: "contacts", Task: "tasks"}
_CHUNK = 300  # rows per statement: three bound parameters each in the `IN (…)`


class DavChange(Base):
    __tablename__ = "dav_change"
    __table_args__ = (
        Index(None, "user_id", "collection", "id"),
        Index(None, "user_id", "collection", "href"),
        # AUTOINCREMENT: SQLite must never hand out an id again, or a token would go back.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    collection: Mapped[str] = mapped_column(String(16), nullable=False)
    href: Mapped[str] = mapped_column(String(HREF_MAX), nullable=False)
    deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


def _touched(session: Session) -> list[tuple[Any, bool]]:
    found: list[tuple[Any, bool]] = []
    for obj in session.new:
        if type(obj) in COLLECTIONS:
            found.append((obj, False))
    for obj in session.dirty:
        if type(obj) in COLLECTIONS and session.is_modified(obj, include_collections=False):
            found.append((obj, False))
    for obj in session.deleted:
        if type(obj) in COLLECTIONS:
            found.append((obj, True))
    return found


def lock_owners(connection: Connection, owners: Iterable[int]) -> None:
    """On PostgreSQL, hold each owner's row until commit: change ids are then drawn in the
    order their transactions commit, so a sync never skips a change that commits late.
    (SQLite writes one transaction at a time already.)"""
    ordered = sorted(set(owners))
    if ordered and connection.dialect.name == "postgresql":
        connection.execute(select(User.id).where(User.id.in_(ordered)).with_for_update())


def record_changes(connection: Connection, changes: Sequence[tuple[int, str, str, bool]]) -> None:
    """Log `(owner, collection, href, deleted)` changes as the newest of their hrefs: the older
    rows of those hrefs go, the new ones get ids in the given order. Also used by the bulk
    writes of an import, which no flush hook sees."""
    for start in range(0, len(changes), _CHUNK):
        part = changes[start : start + _CHUNK]
        keys = [(user_id, collection, href) for user_id, collection, href, _ in part]
        connection.execute(
            delete(DavChange).where(
                tuple_(DavChange.user_id, DavChange.collection, DavChange.href).in_(keys)
            )
        )
        connection.execute(
            insert(DavChange),
            [
                {"user_id": user_id, "collection": collection, "href": href, "deleted": deleted}
                for user_id, collection, href, deleted in part
            ],
        )


@event.listens_for(Session, "before_flush")
def _lock_owners(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    touched = _touched(session)
    lock_owners(session.connection(), (obj.user_id for obj, _ in touched if obj.user_id))
    session.info["dav_touched"] = touched


@event.listens_for(Session, "after_flush")
def _log_changes(session: Session, _context: UOWTransaction) -> None:
    touched = session.info.pop("dav_touched", [])
    changes = [(obj.user_id, COLLECTIONS[type(obj)], obj.href, deleted) for obj, deleted in touched]
    if changes:
        record_changes(session.connection(), changes)

"""The CardDAV/CalDAV change log: one row per resource that changed, the newest change only.

Its ids are the sync tokens (RFC 6578): `sync-collection` from token n lists the rows of the
collection with id > n; a row with `deleted` is a tombstone. Every contact and task write is
logged by a flush hook, whatever made it (REST, an import, a DAV client), so a change on
either side shows in the next sync of the other.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, delete, event, insert, select
from sqlalchemy.orm import Mapped, Session, UOWTransaction, mapped_column

from homebase.db.base import Base
from homebase.models.contact import Contact
from homebase.models.interchange import HREF_MAX
from homebase.models.task import Task
from homebase.models.user import User

COLLECTIONS = {Contact: "contacts", Task: "tasks"}


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


@event.listens_for(Session, "before_flush")
def _lock_owners(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    """On PostgreSQL, hold each owner's row until commit: change ids are then drawn in the
    order their transactions commit, so a sync never skips a change that commits late.
    (SQLite writes one transaction at a time already.)"""
    owners = sorted({obj.user_id for obj, _ in _touched(session) if obj.user_id is not None})
    connection = session.connection()
    if owners and connection.dialect.name == "postgresql":
        connection.execute(select(User.id).where(User.id.in_(owners)).with_for_update())
    session.info["dav_touched"] = _touched(session)


@event.listens_for(Session, "after_flush")
def _log_changes(session: Session, _context: UOWTransaction) -> None:
    touched = session.info.pop("dav_touched", [])
    if not touched:
        return
    connection = session.connection()
    for obj, deleted in touched:
        values = {
            "user_id": obj.user_id,
            "collection": COLLECTIONS[type(obj)],
            "href": obj.href,
        }
        newest = connection.execute(
            insert(DavChange).values(deleted=deleted, **values).returning(DavChange.id)
        ).scalar_one()
        connection.execute(
            delete(DavChange).where(
                DavChange.user_id == values["user_id"],
                DavChange.collection == values["collection"],
                DavChange.href == values["href"],
                DavChange.id < newest,
            )
        )

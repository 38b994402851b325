from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from homebase.db.base import Base, TimestampMixin
from homebase.models.interchange import HREF_MAX, UID_MAX, default_href, new_uid

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000


class TaskStatus(enum.StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Task(TimestampMixin, Base):
    __tablename__ = "task"
    # One index per filter and sort of `GET /tasks`, each led by the owner; the sort ones end
    # with the id that breaks ties, so a page (by offset or by cursor) needs no sort step.
    __table_args__ = (
        CheckConstraint("status IN ('new', 'in_progress', 'done')", name="status"),
        Index(None, "user_id", "status"),
        Index(None, "user_id", "due_date", "id"),
        Index(None, "user_id", "created_at", "id"),
        Index(None, "user_id", "updated_at", "id"),
        Index(None, "user_id", "title", "id"),
        Index(None, "user_id", "id"),
        UniqueConstraint("user_id", "uid"),
        UniqueConstraint("user_id", "href"),
        # SQLite: never hand out a deleted row's id again (its ETag would match a new task).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(20), default=TaskStatus.NEW.value, server_default="new", nullable=False
    )
    due_date: Mapped[date | None] = mapped_column(Date)
    # Case-folded title and description, kept by the service: SQLite's lower() and LIKE fold
    # ASCII only, and PostgreSQL's depend on the database locale; this searches every script.
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    # iCalendar UID, unique per owner: imports upsert by it.
    uid: Mapped[str] = mapped_column(String(UID_MAX), nullable=False, default=new_uid)
    # The resource name the task has in a sync collection (CalDAV), unique per owner.
    href: Mapped[str] = mapped_column(String(HREF_MAX), nullable=False, default=default_href)
    # The VCALENDAR holding this task's VTODO(s) and their VTIMEZONEs, as imported (re-written
    # by REST edits, mapped properties only). None for a task made through REST.
    ical: Mapped[str | None] = mapped_column(Text)
    # Bumped on every change; the ETag is derived from it.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1", nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read once by the mapper

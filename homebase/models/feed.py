from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from homebase.db.base import Base, UTCDateTime, utcnow

FEED_KINDS = ("birthdays", "tasks")


class Feed(Base):
    """A calendar feed: a secret URL a calendar app subscribes to. Holds only the secret's
    SHA-256 (the secret has 256 random bits, so a fast hash is enough)."""

    __tablename__ = "feed"
    __table_args__ = (
        CheckConstraint("kind IN ('birthdays', 'tasks')", name="kind"),
        Index(None, "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    # The language of the event titles and the calendar name (the creating request's).
    locale: Mapped[str] = mapped_column(String(8), nullable=False, default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

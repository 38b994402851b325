from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from homebase.db.base import Base, UTCDateTime, utcnow

MAIL_STATUSES = ("pending", "sending", "sent", "failed")


class OutboxMail(Base):
    """A mail waiting for, or done with, delivery. Requests only insert rows; the outbox
    worker sends them. `message` (the whole RFC 5322 text, link included) is erased once the
    mail is sent or given up, so a token travels through the database only while it must.

    `next_attempt_at` is when the row is due: for a `sending` row it is the end of the
    claiming worker's lease, after which another worker may take it over.
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (
        Index(None, "status", "next_attempt_at"),
        Index(None, "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(254), nullable=False)
    locale: Mapped[str] = mapped_column(String(8), nullable=False)
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    message: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

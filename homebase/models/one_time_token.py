from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from homebase.db.base import Base, UTCDateTime, utcnow

TOKEN_PURPOSES = ("verify_email", "password_reset", "mfa_login")


class OneTimeToken(Base):
    """A single-use secret sent to a user (a mail link) or handed out mid-login (the
    `mfa_token`). Kept only as its SHA-256; typed by `purpose`, so a token of one kind never
    opens another. `email` pins a verification token to the address it was mailed to."""

    __tablename__ = "one_time_token"
    __table_args__ = (Index(None, "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

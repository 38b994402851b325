from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, false, true
from sqlalchemy.orm import Mapped, mapped_column

from homebase.db.base import Base, TimestampMixin
from homebase.models.lengths import EMAIL_MAX, NAME_MAX, PHONE_MAX, USERNAME_MAX


class User(TimestampMixin, Base):
    """An account. `email` and `username` are stored lower-cased, which makes them unique
    case-insensitively with a plain unique constraint on every backend."""

    __tablename__ = "user"
    # SQLite: never hand out a deleted account's id again (its lock key is `user:{id}`).
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX), unique=True)
    username: Mapped[str | None] = mapped_column(String(USERNAME_MAX), unique=True)
    phone: Mapped[str | None] = mapped_column(String(PHONE_MAX))
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    is_admin: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), nullable=False
    )
    is_active: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true(), nullable=False
    )
    # Proven by a mailed link; false again whenever the email changes.
    email_verified: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), nullable=False
    )
    # Mirrors a confirmed `totp_credential`, so that Basic and login see it without a join.
    mfa_enabled: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), nullable=False
    )

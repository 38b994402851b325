from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from homebase.db.base import Base, TimestampMixin

NAME_MAX = 100
EMAIL_MAX = 254
PHONE_MAX = 32
EXTRA_MAX = 2_000
SEARCH_MAX = 460


class Contact(TimestampMixin, Base):
    __tablename__ = "contact"
    __table_args__ = (
        UniqueConstraint("user_id", "email"),
        Index(None, "user_id", "birthday_key"),
        Index(None, "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    last_name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), nullable=False)
    phone: Mapped[str | None] = mapped_column(String(PHONE_MAX))
    birthday: Mapped[date | None] = mapped_column(Date)
    # month * 100 + day of the birthday: the indexed key for "upcoming birthdays".
    birthday_key: Mapped[int | None] = mapped_column(Integer)
    extra: Mapped[str | None] = mapped_column(Text)
    # Case-folded "first last email", so search is case-insensitive for every script.
    search_text: Mapped[str] = mapped_column(String(SEARCH_MAX), nullable=False, default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1", nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read once by the mapper

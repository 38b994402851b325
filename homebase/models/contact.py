from __future__ import annotations

from datetime import date

from sqlalchemy import (
    DDL,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from homebase.db.base import Base, TimestampMixin
from homebase.models.lengths import EMAIL_MAX, NAME_MAX, PHONE_MAX

EXTRA_MAX = 2_000
# Separates the fields inside `search_text`; never part of a stored field (see services).
SEARCH_SEPARATOR = "\x1f"


class Contact(TimestampMixin, Base):
    __tablename__ = "contact"
    __table_args__ = (
        # Emails are stored lower-cased, so this is unique per owner case-insensitively.
        UniqueConstraint("user_id", "email"),
        Index(None, "user_id", "birthday_key"),
        Index(None, "user_id", "created_at"),
        Index(None, "user_id", "last_name", "first_name", "id"),
        # Substring search (`LIKE '%…%'`) served by trigrams; SQLite has no such index.
        Index(
            "ix_contact_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
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
    # Case-folded first name, last name and email joined by SEARCH_SEPARATOR, so search is
    # case-insensitive for every script. Text: case folding may lengthen a string.
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1", nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read once by the mapper


# `create_all` builds the trigram index right after the table; the operator class must exist
# by then. pg_trgm is a trusted extension: a superuser or the database owner may create it.
event.listen(
    Contact.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(  # type: ignore[no-untyped-call]
        dialect="postgresql"
    ),
)

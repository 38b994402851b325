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
from homebase.models.interchange import HREF_MAX, UID_MAX, default_href, new_uid
from homebase.models.lengths import EMAIL_MAX, NAME_MAX, PHONE_MAX

EXTRA_MAX = 2_000
# Separates the fields inside `search_text`; never part of a stored field (see services).
SEARCH_SEPARATOR = "\x1f"


class Contact(TimestampMixin, Base):
    __tablename__ = "contact"
    __table_args__ = (
        # Emails are stored lower-cased, so this is unique per owner case-insensitively.
        UniqueConstraint("user_id", "email"),
        UniqueConstraint("user_id", "uid"),
        UniqueConstraint("user_id", "href"),
        # Upcoming birthdays are sorted by these keys, from the index alone (migration 0010).
        Index(None, "user_id", "birthday_key", "last_name", "first_name", "id"),
        Index(None, "user_id", "created_at"),
        Index(None, "user_id", "last_name", "first_name", "id"),
        # An owner's substring search (`LIKE '%…%'`) served by trigrams, the owner inside the
        # same GIN index (btree_gin, migration 0011); SQLite has no such index.
        Index(
            "ix_contact_user_id_search_text_trgm",
            "user_id",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        # SQLite: never hand out a deleted contact's id again (its ETag would match).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    last_name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    # None for a contact imported from a card without a usable EMAIL.
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))
    phone: Mapped[str | None] = mapped_column(String(PHONE_MAX))
    birthday: Mapped[date | None] = mapped_column(Date)
    # month * 100 + day of the birthday: the indexed key for "upcoming birthdays". Set while
    # `birthday` is None, it is a year-less birthday (vCard `BDAY:--0228`).
    birthday_key: Mapped[int | None] = mapped_column(Integer)
    extra: Mapped[str | None] = mapped_column(Text)
    # Case-folded first name, last name and email joined by SEARCH_SEPARATOR, so search is
    # case-insensitive for every script. Text: case folding may lengthen a string.
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    # vCard UID, unique per owner: imports upsert by it.
    uid: Mapped[str] = mapped_column(String(UID_MAX), nullable=False, default=new_uid)
    # The resource name the contact has in a sync collection (CardDAV), unique per owner.
    href: Mapped[str] = mapped_column(String(HREF_MAX), nullable=False, default=default_href)
    # The card as uploaded (CRLF line breaks): the source of truth for everything without a
    # column. None for a contact made through REST; its card is generated (vCard 4.0).
    card: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1", nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read once by the mapper


# `create_all` builds the trigram index right after the table; the operator classes must
# exist by then. pg_trgm and btree_gin are trusted extensions: a superuser or the database
# owner may create them.
for _extension in ("pg_trgm", "btree_gin"):
    event.listen(
        Contact.__table__,
        "before_create",
        DDL(f"CREATE EXTENSION IF NOT EXISTS {_extension}").execute_if(  # type: ignore[no-untyped-call]
            dialect="postgresql"
        ),
    )

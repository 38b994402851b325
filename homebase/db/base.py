"""Declarative base with a naming convention, and column types shared by every model."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite keeps no offset by itself)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        """`process_result_value` after the dialect's own parsing, with a short cut for the
        values each backend gives: SQLite's text (naive UTC, as stored) parsed by
        `fromisoformat` with the offset appended, 0.2 µs against 2.7 through the general path
        (a list of 50 tasks has 100); asyncpg's datetimes, already in UTC, kept as they are."""
        general = super().result_processor(dialect, coltype)
        assert general is not None  # `process_result_value` is defined

        if dialect.name == "sqlite":

            def from_text(value: Any) -> Any:
                if value is None:
                    return None
                try:
                    return datetime.fromisoformat(value + "+00:00")
                except (TypeError, ValueError):  # not text, or not naive: the general path
                    return general(value)

            return from_text

        def from_driver(value: Any) -> Any:
            return value if value is None or value.tzinfo is UTC else general(value)

        return from_driver


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=func.now(), nullable=False
    )

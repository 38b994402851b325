"""`UTCDateTime` reads every value a backend may give as an aware UTC datetime, by its short
cuts as by the general path (the dialect's parsing, then `process_result_value`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Dialect
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.dialects.sqlite import pysqlite
from sqlalchemy.types import TypeDecorator

from homebase.db.base import UTCDateTime


def _general(dialect: Dialect, value: Any) -> Any:
    """What `TypeDecorator` does without the short cut."""
    impl: Any = UTCDateTime().dialect_impl(dialect)
    process: Any = TypeDecorator.result_processor(impl, dialect, None)
    assert process is not None
    return process(value)


def _fast(dialect: Dialect, value: Any) -> Any:
    impl = UTCDateTime().dialect_impl(dialect)
    process = impl.result_processor(dialect, None)
    assert process is not None
    return process(value)


@pytest.mark.parametrize(
    "stored",
    [
        "2026-11-30 19:00:00.123456",
        "2026-11-30 19:00:00.000000",
        "2026-11-30 19:00:00",
        "2026-02-28 23:59:59.999999",
        "2026-11-30 21:00:00.5+02:00",  # an offset: not naive, the general path
        None,
    ],
)
def test_sqlite_text(stored: str | None) -> None:
    dialect = pysqlite.dialect()
    value = _fast(dialect, stored)
    assert value == _general(dialect, stored)
    if value is not None:
        assert value.tzinfo is UTC


@pytest.mark.parametrize(
    "given",
    [
        datetime(2026, 11, 30, 19, 0, 0, 123456, UTC),
        datetime(2026, 11, 30, 21, 0, tzinfo=timezone(timedelta(hours=2))),
        datetime(2026, 11, 30, 19, 0),
        None,
    ],
)
def test_asyncpg_datetimes(given: datetime | None) -> None:
    dialect: Dialect = asyncpg.dialect()  # type: ignore[no-untyped-call]
    value = _fast(dialect, given)
    assert value == _general(dialect, given)
    if value is not None:
        assert value.tzinfo is UTC
        assert value.utcoffset() == timedelta(0)

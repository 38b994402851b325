"""Which named constraint a failed write broke, on every backend.

Every constraint is named by the convention of `db/base.py`, so a service recognises a lost
race ("someone took this email meanwhile") by the constraint's name instead of by the
wording of a driver's message. PostgreSQL reports the name; SQLite reports the table and
columns of a UNIQUE violation, which name exactly one constraint of the metadata, and no name
at all for a FOREIGN KEY violation.
"""

from __future__ import annotations

import re

from sqlalchemy import UniqueConstraint
from sqlalchemy.exc import IntegrityError

from homebase.db.base import Base

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)")
_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (\w+)")


def _sqlite_unique(columns: str) -> str | None:
    """The unique constraint over `table.a, table.b` (SQLite's wording), if the metadata has it."""
    qualified = [item.strip().split(".", 1) for item in columns.split(",")]
    table = Base.metadata.tables.get(qualified[0][0])
    if table is None:
        return None
    wanted = [column for _table, column in qualified]
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and constraint.columns.keys() == wanted:
            return str(constraint.name)
    return None


def constraint_name(exc: IntegrityError) -> str | None:
    """The name of the constraint `exc` reports, or None when the driver does not say."""
    # asyncpg's error (the cause of SQLAlchemy's adapted one) carries the name.
    name = getattr(exc.orig, "constraint_name", None) or getattr(
        getattr(exc.orig, "__cause__", None), "constraint_name", None
    )
    if name:
        return str(name)
    message = str(exc.orig)
    if match := _SQLITE_UNIQUE.search(message):
        return _sqlite_unique(match.group(1))
    if match := _SQLITE_CHECK.search(message):
        return match.group(1)
    return None

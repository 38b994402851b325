"""Recognise a database that a release before recorded revisions built with `create_all`.

Those releases (up to and including the one whose newest revision was 0004) built the tables
straight from the models, so such a database has the shape of the revision that was newest in
its release, and no `alembic_version` table. Each shape is told apart by what its revision
added. Every release since records its revision, so this list is closed: revisions added later
never need an entry here, they are applied on top of the one recognised.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, inspect
from sqlalchemy.engine import Inspector


@dataclass(frozen=True)
class Shape:
    revision: str
    table: str
    column: str | None = None
    index: str | None = None

    def matches(self, inspector: Inspector) -> bool:
        if not inspector.has_table(self.table):
            return False
        if self.column is not None:
            return self.column in {column["name"] for column in inspector.get_columns(self.table)}
        if self.index is not None:
            return self.index in {index["name"] for index in inspector.get_indexes(self.table)}
        return True


# Newest first: the first shape that matches is the database's revision.
LEGACY_SHAPES = (
    Shape("0004_task_keyset_indexes", "task", index="ix_task_user_id_id"),
    Shape("0003_contact_search", "contact", index="ix_contact_user_id_last_name_first_name_id"),
    Shape("0002_task_search_text", "task", column="search_text"),
    Shape("0001", "user"),
)


def legacy_revision(connection: Connection) -> str | None:
    """The revision whose shape an unversioned database has; None if it has no Homebase table."""
    inspector = inspect(connection)
    for shape in LEGACY_SHAPES:
        if shape.matches(inspector):
            return shape.revision
    return None

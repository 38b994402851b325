"""ids are never reused on SQLite: every table with an integer id gets AUTOINCREMENT

Revision ID: 0005_ids_never_reused
Revises: 0004_task_keyset_indexes
Create Date: 2026-11-30

Without AUTOINCREMENT SQLite hands out max(id) + 1, so the id of the newest row comes back
after that row is deleted: a new account inherited the lock of a deleted one (`user:{id}`),
and a new task or contact the ETag (`"id-version"`) of a deleted one — a wrong 304. SQLite can
add AUTOINCREMENT only by recreating the table (Alembic's batch mode: copy, drop, rename; the
rows, indexes and constraints are kept). The sequence starts at the largest id present, so an
id deleted from the top before this upgrade may be handed out once more; none after it.

PostgreSQL's serial/identity columns never reuse a value: nothing to do there.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_ids_never_reused"
down_revision: str | None = "0004_task_keyset_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("user", "task", "contact", "audit_event", "refresh_token")
# CHECK constraints are not carried over by a batch recreate: given again here.
CHECKS = {"task": [sa.CheckConstraint("status IN ('new', 'in_progress', 'done')", name="status")]}


def _recreate(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(
            table,
            recreate="always",
            table_args=tuple(CHECKS.get(table, ())),
            table_kwargs={"sqlite_autoincrement": autoincrement},
        ):
            pass


def upgrade() -> None:
    _recreate(True)


def downgrade() -> None:
    _recreate(False)

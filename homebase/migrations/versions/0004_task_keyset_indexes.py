"""task: sort indexes end with id, so the one-key orders of `GET /tasks` (ties broken by id)
are read from an index, and cursor pages start where the cursor points

Revision ID: 0004_task_keyset_indexes
Revises: 0003_contact_search
Create Date: 2026-11-26

Each (user_id, <key>) index is replaced by (user_id, <key>, id), which serves everything the
old one did, and (user_id, id) serves `?sort=id`, which the primary key could serve only by
reading past other users' tasks. On PostgreSQL the CREATE INDEX holds a lock that blocks
writes to `task` while it builds; on a large table run the migration in a quiet moment.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004_task_keyset_indexes"
down_revision: str | None = "0003_contact_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEYS = ("created_at", "updated_at", "due_date", "title")


def upgrade() -> None:
    op.create_index(op.f("ix_task_user_id_id"), "task", ["user_id", "id"])
    for key in _KEYS:
        op.create_index(op.f(f"ix_task_user_id_{key}_id"), "task", ["user_id", key, "id"])
        op.drop_index(op.f(f"ix_task_user_id_{key}"), table_name="task")


def downgrade() -> None:
    for key in _KEYS:
        op.create_index(op.f(f"ix_task_user_id_{key}"), "task", ["user_id", key])
        op.drop_index(op.f(f"ix_task_user_id_{key}_id"), table_name="task")
    op.drop_index(op.f("ix_task_user_id_id"), table_name="task")

"""task: case-folded search column, indexes for the updated_at and title sorts

Revision ID: 0002_task_search_text
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_task_search_text"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000


def _backfill() -> None:
    """Fill `search_text` for existing rows in Python: SQL lower() is not Unicode-aware
    on SQLite, and `str.casefold` is what the service uses."""
    task = sa.table(
        "task",
        sa.column("id", sa.Integer),
        sa.column("title", sa.String),
        sa.column("description", sa.Text),
        sa.column("search_text", sa.Text),
    )
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(task.c.id, task.c.title, task.c.description)
            .where(task.c.id > last_id)
            .order_by(task.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            text = f"{row.title}\n{row.description or ''}".casefold()
            connection.execute(sa.update(task).where(task.c.id == row.id).values(search_text=text))
        last_id = rows[-1].id


def upgrade() -> None:
    op.add_column("task", sa.Column("search_text", sa.Text(), server_default="", nullable=False))
    _backfill()
    op.create_index(
        op.f("ix_task_user_id_updated_at"), "task", ["user_id", "updated_at"], unique=False
    )
    op.create_index(op.f("ix_task_user_id_title"), "task", ["user_id", "title"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_task_user_id_title"), table_name="task")
    op.drop_index(op.f("ix_task_user_id_updated_at"), table_name="task")
    with op.batch_alter_table("task") as batch:
        batch.drop_column("search_text")

"""contact search: case-folded search text, trigram index, name order index

Revision ID: 0003_contact_search
Revises: 0002_task_search_text
Create Date: 2026-11-24

On PostgreSQL this creates the pg_trgm extension, which needs a superuser or the owner of the
database (pg_trgm is a trusted extension). Where the migrating role may not, have a superuser
run `CREATE EXTENSION pg_trgm` in the database first; the IF NOT EXISTS then skips it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_contact_search"
down_revision: str | None = "0002_task_search_text"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEPARATOR = "\x1f"


def _fold(value: str) -> str:
    return value.casefold().replace(_SEPARATOR, " ")


def _refresh_search_text() -> None:
    contact = sa.table(
        "contact",
        sa.column("id", sa.Integer()),
        sa.column("first_name", sa.String()),
        sa.column("last_name", sa.String()),
        sa.column("email", sa.String()),
        sa.column("search_text", sa.Text()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(contact.c.id, contact.c.first_name, contact.c.last_name, contact.c.email)
    ).all()
    for row in rows:
        text = _SEPARATOR.join(_fold(part) for part in (row[1], row[2], row[3]))
        bind.execute(contact.update().where(contact.c.id == row[0]).values(search_text=text))


def upgrade() -> None:
    with op.batch_alter_table("contact") as batch:
        batch.alter_column(
            "search_text",
            existing_type=sa.String(length=460),
            type_=sa.Text(),
            existing_nullable=False,
        )
    op.create_index(
        op.f("ix_contact_user_id_last_name_first_name_id"),
        "contact",
        ["user_id", "last_name", "first_name", "id"],
        unique=False,
    )
    _refresh_search_text()
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_contact_search_text_trgm",
            "contact",
            ["search_text"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The extension stays: other schemas in the database may use it.
        op.drop_index("ix_contact_search_text_trgm", table_name="contact")
    op.drop_index(op.f("ix_contact_user_id_last_name_first_name_id"), table_name="contact")
    with op.batch_alter_table("contact") as batch:
        batch.alter_column(
            "search_text",
            existing_type=sa.Text(),
            type_=sa.String(length=460),
            existing_nullable=False,
        )

"""interchange: contact and task UIDs, resource names, stored cards; calendar feeds

Revision ID: 0007_interchange
Revises: 0004_task_keyset_indexes
Create Date: 2026-11-30

Existing contacts and tasks get a random UID (and the resource name derived from it); their
card is generated on export, so `card` / `ical` stay empty. A contact's email becomes optional:
a vCard need not have one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_interchange"
down_revision: str | None = "0005_ids_never_reused"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EXTENSIONS = {"contact": "vcf", "task": "ics"}


def _backfill(table_name: str) -> None:
    """One statement per table, not per row: a database may hold millions of contacts."""
    if op.get_bind().dialect.name == "postgresql":
        random_uid = "gen_random_uuid()::text"
    else:
        random_uid = "lower(hex(randomblob(16)))"
    op.execute(f'UPDATE "{table_name}" SET uid = {random_uid}')  # noqa: S608 - constants
    extension = _EXTENSIONS[table_name]
    op.execute(f"UPDATE \"{table_name}\" SET href = uid || '.{extension}'")  # noqa: S608


# A batch rebuild on SQLite must keep what 0005 set: ids that are never handed out again.
_KEEP_AUTOINCREMENT = {"sqlite_autoincrement": True}


def _add_item_columns(table_name: str, document: str) -> None:
    with op.batch_alter_table(table_name, table_kwargs=_KEEP_AUTOINCREMENT) as batch:
        batch.add_column(sa.Column("uid", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("href", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column(document, sa.Text(), nullable=True))
    _backfill(table_name)
    with op.batch_alter_table(table_name, table_kwargs=_KEEP_AUTOINCREMENT) as batch:
        batch.alter_column("uid", existing_type=sa.String(length=255), nullable=False)
        batch.alter_column("href", existing_type=sa.String(length=255), nullable=False)
        batch.create_unique_constraint(f"uq_{table_name}_user_id_uid", ["user_id", "uid"])
        batch.create_unique_constraint(f"uq_{table_name}_user_id_href", ["user_id", "href"])


def upgrade() -> None:
    _add_item_columns("contact", "card")
    with op.batch_alter_table("contact", table_kwargs=_KEEP_AUTOINCREMENT) as batch:
        batch.alter_column("email", existing_type=sa.String(length=254), nullable=True)
    _add_item_columns("task", "ical")
    op.create_table(
        "feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('birthdays', 'tasks')", name=op.f("ck_feed_kind")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_feed_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_feed_secret_hash")),
    )
    op.create_index(op.f("ix_feed_user_id_id"), "feed", ["user_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_feed_user_id_id"), table_name="feed")
    op.drop_table("feed")
    for table_name, document in (("task", "ical"), ("contact", "card")):
        with op.batch_alter_table(table_name, table_kwargs=_KEEP_AUTOINCREMENT) as batch:
            batch.drop_constraint(f"uq_{table_name}_user_id_href", type_="unique")
            batch.drop_constraint(f"uq_{table_name}_user_id_uid", type_="unique")
            batch.drop_column(document)
            batch.drop_column("href")
            batch.drop_column("uid")
    op.execute("DELETE FROM contact WHERE email IS NULL")
    with op.batch_alter_table("contact", table_kwargs=_KEEP_AUTOINCREMENT) as batch:
        batch.alter_column("email", existing_type=sa.String(length=254), nullable=False)

"""dav_change: the CardDAV/CalDAV change log (sync tokens and tombstones)

Revision ID: 0009_dav
Revises: 0007_interchange
Create Date: 2026-11-30

Starts empty: a client's first sync lists the collection itself, and every write from then on
is logged.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_dav"
down_revision: str | None = "0006_app_passwords"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dav_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("collection", sa.String(length=16), nullable=False),
        sa.Column("href", sa.String(length=255), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_dav_change_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dav_change")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_dav_change_user_id_collection_id"), "dav_change", ["user_id", "collection", "id"]
    )
    op.create_index(
        op.f("ix_dav_change_user_id_collection_href"),
        "dav_change",
        ["user_id", "collection", "href"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_dav_change_user_id_collection_href"), table_name="dav_change")
    op.drop_index(op.f("ix_dav_change_user_id_collection_id"), table_name="dav_change")
    op.drop_table("dav_change")

"""app_password: app passwords (personal access tokens), kept as SHA-256 hashes

Revision ID: 0006_app_passwords
Revises: 0007_interchange
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_app_passwords"
down_revision: str | None = "0007_interchange"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "app_password",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scopes", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_ip", sa.String(length=45), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_app_password_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_password")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_app_password_secret_hash")),
    )
    op.create_index(
        op.f("ix_app_password_user_id_revoked_at"), "app_password", ["user_id", "revoked_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_app_password_user_id_revoked_at"), table_name="app_password")
    op.drop_table("app_password")

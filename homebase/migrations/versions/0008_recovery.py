"""account recovery and second factor: verified email, one-time tokens, mail outbox, TOTP

Existing users start with `email_verified` false: no address was ever proven before this
revision (a deployment that requires verified emails lets them verify first, see README).

Revision ID: 0008_recovery
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_recovery"
down_revision: str | None = "0009_dav"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column(
        "user",
        sa.Column("email_verified", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "user", sa.Column("mfa_enabled", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_table(
        "one_time_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("used_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_one_time_token_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_time_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_one_time_token_token_hash")),
    )
    op.create_index(
        op.f("ix_one_time_token_user_id_purpose"), "one_time_token", ["user_id", "purpose"]
    )
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TIMESTAMP, nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("sent_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_mail_outbox_user_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    op.create_index(op.f("ix_mail_outbox_created_at"), "mail_outbox", ["created_at"])
    op.create_index(
        op.f("ix_mail_outbox_status_next_attempt_at"), "mail_outbox", ["status", "next_attempt_at"]
    )
    op.create_index(op.f("ix_mail_outbox_user_id"), "mail_outbox", ["user_id"])
    op.create_table(
        "totp_credential",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("confirmed_at", TIMESTAMP, nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_totp_credential_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_totp_credential")),
    )
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("used_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_recovery_code_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
        sa.UniqueConstraint(
            "user_id", "code_hash", name=op.f("uq_recovery_code_user_id_code_hash")
        ),
    )


def downgrade() -> None:
    op.drop_table("recovery_code")
    op.drop_table("totp_credential")
    op.drop_index(op.f("ix_mail_outbox_user_id"), table_name="mail_outbox")
    op.drop_index(op.f("ix_mail_outbox_status_next_attempt_at"), table_name="mail_outbox")
    op.drop_index(op.f("ix_mail_outbox_created_at"), table_name="mail_outbox")
    op.drop_table("mail_outbox")
    op.drop_index(op.f("ix_one_time_token_user_id_purpose"), table_name="one_time_token")
    op.drop_table("one_time_token")
    with op.batch_alter_table("user", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("mfa_enabled")
        batch.drop_column("email_verified")

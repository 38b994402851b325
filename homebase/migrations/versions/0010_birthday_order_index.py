"""contact: the birthday index carries the names and the id, so an upcoming-birthdays page is
sorted from the index alone

Revision ID: 0010_birthday_order_index
Revises: 0008_recovery
Create Date: 2026-11-30

`GET /contacts/birthdays` orders by (soonest birthday, last name, first name, id). With
(user_id, birthday_key) alone, every contact in the window was read from the table to be
sorted (19,400 rows and 15,700 table pages for a week at a million contacts: 0.29 s); with
(user_id, birthday_key, last_name, first_name, id) the page's ids come from an index-only scan
and only the page's 50 rows are read. The new index serves everything the old one did. On
PostgreSQL the CREATE INDEX blocks writes to `contact` while it builds; on a large table run
the migration in a quiet moment.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_birthday_order_index"
down_revision: str | None = "0008_recovery"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEW = ["user_id", "birthday_key", "last_name", "first_name", "id"]


def upgrade() -> None:
    op.create_index(
        op.f("ix_contact_user_id_birthday_key_last_name_first_name_id"), "contact", _NEW
    )
    op.drop_index(op.f("ix_contact_user_id_birthday_key"), table_name="contact")


def downgrade() -> None:
    op.create_index(op.f("ix_contact_user_id_birthday_key"), "contact", ["user_id", "birthday_key"])
    op.drop_index(
        op.f("ix_contact_user_id_birthday_key_last_name_first_name_id"), table_name="contact"
    )

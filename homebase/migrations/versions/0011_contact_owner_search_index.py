"""contact: the search index carries the owner, so one index answers "this owner's contacts
matching this fragment" whatever plan PostgreSQL caches

Revision ID: 0011_contact_owner_search_index
Revises: 0010_birthday_order_index
Create Date: 2026-12-01

asyncpg prepares each statement once per connection, and after five runs PostgreSQL may keep a
generic plan that knows neither the owner nor the fragment. For a search that plan intersected
the trigram index with the owner index: at the owner of a million contacts it built a bitmap of
all million rows first (22 ms), and the count of `q=ivan` went from 8 ms (custom plan) to 30 ms.
A GIN index on (user_id, search_text gin_trgm_ops) holds both conditions: GIN intersects the
owner's entries with the fragment's trigrams inside the index, for every owner and either plan.

On PostgreSQL this creates the btree_gin extension (a trusted extension, like pg_trgm: a
superuser or the owner of the database may create it; otherwise have a superuser run
`CREATE EXTENSION btree_gin` first). The CREATE INDEX blocks writes to `contact` while it
builds (10 s at a million contacts here); on a large table run the migration in a quiet moment.
SQLite has no such index: nothing changes there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_contact_owner_search_index"
down_revision: str | None = "0010_birthday_order_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = "ix_contact_search_text_trgm"
_NEW = "ix_contact_user_id_search_text_trgm"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.create_index(
        _NEW,
        "contact",
        ["user_id", "search_text"],
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.drop_index(_OLD, table_name="contact")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # The extension stays: other schemas in the database may use it.
    op.create_index(
        _OLD,
        "contact",
        ["search_text"],
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.drop_index(_NEW, table_name="contact")

"""Seeding Homebase straight through its models and engine, and the bench's PostgreSQL databases.

Users and tasks go in with the service's own tables (so model defaults apply, and derived
columns come from the service's own functions when it has them); the million contacts go in
with one `INSERT ... SELECT generate_series` per owner group, the derived columns computed in
SQL and then checked, on a sample, against what the service itself would store.
"""

from __future__ import annotations

import importlib
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import Column, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.data import FIRST_NAMES, LAST_NAMES, PASSWORD, tasks_for, user_email, user_name
from homebase.core.config import Settings
from homebase.core.security import PasswordHasher
from homebase.db.migrate import migrate
from homebase.db.session import create_engine, create_migration_engine
from homebase.models import Contact, Task, User
from homebase.models import contact as contact_model

PG_ADMIN_DSN = os.environ.get("HOMEBASE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
HEAVY_EMAIL = "heavy@example.com"


@dataclass
class Seeded:
    """What the load scripts need to know about the data."""

    user_ids: list[int]
    tasks: dict[int, list[int]]  # user id -> that user's task ids
    heavy_id: int
    contacts: dict[int, int] = field(default_factory=dict)  # owner id -> contact count


async def create_pg_database(prefix: str) -> tuple[str, str]:
    """A fresh database; returns its name and plain URL."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    connection = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return name, f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{name}"


async def drop_pg_database(name: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def seed_homebase(settings: Settings, users: int, tasks_per_user: int) -> Seeded:
    """Tables, `users` users (plus the contacts-heavy one) and their tasks."""
    password_hash = PasswordHasher(settings).hash_sync(PASSWORD)  # one hash, shared: same cost
    engine = create_engine(settings)
    try:
        await migrate(settings)
        async with engine.begin() as connection:
            rows = [
                {"name": user_name(i), "email": user_email(i), "password_hash": password_hash}
                for i in range(1, users + 1)
            ]
            rows.append(
                {"name": "Heavy User", "email": HEAVY_EMAIL, "password_hash": password_hash}
            )
            await connection.execute(insert(User), rows)
            ids = dict((await connection.execute(select(User.email, User.id))).all())
            user_ids = [ids[user_email(i)] for i in range(1, users + 1)]
            await connection.execute(
                insert(Task), _with_task_search(tasks_for(user_ids, tasks_per_user))
            )
            owned: dict[int, list[int]] = {}
            for task_id, owner in await connection.execute(select(Task.id, Task.user_id)):
                owned.setdefault(owner, []).append(task_id)
        await _analyze(engine)
    finally:
        await engine.dispose()
    return Seeded(user_ids=user_ids, tasks=owned, heavy_id=ids[HEAVY_EMAIL])


def _service_function(module: str, name: str) -> Callable[..., Any] | None:
    """A function of the service's, when this version of it has one."""
    try:
        return getattr(importlib.import_module(module), name, None)  # type: ignore[no-any-return]
    except ImportError:
        return None


def _with_task_search(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    search_text = _service_function("homebase.services.tasks", "search_text")
    if search_text is None or "search_text" not in Task.__table__.columns:
        return rows
    return [{**row, "search_text": search_text(row["title"], row["description"])} for row in rows]


def _contact_select(owner_sql: str) -> str:
    first = "ARRAY[" + ", ".join(f"'{n}'" for n in FIRST_NAMES) + "]"
    last = "ARRAY[" + ", ".join(f"'{n}'" for n in LAST_NAMES) + "]"
    return f"""
        SELECT g,
               ({first})[1 + g % {len(FIRST_NAMES)}] AS first_name,
               ({last})[1 + (g / {len(FIRST_NAMES)}) % {len(LAST_NAMES)}] AS last_name,
               '+7 900 ' || lpad((g % 10000000)::text, 7, '0') AS phone,
               CASE WHEN g % 10 = 0 THEN NULL
                    ELSE DATE '1950-01-01' + ((g::bigint * 7919) % 20000)::int END AS birthday,
               {owner_sql} AS user_id
        FROM generate_series(CAST(:start AS integer), CAST(:stop AS integer)) AS g
    """


# Every column the bench knows how to fill, as an SQL expression over the SELECT above.
CONTACT_COLUMNS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "lower(first_name || '.' || last_name || '.' || g) || '@example.com'",
    "phone": "phone",
    "birthday": "birthday",
    "birthday_key": "(extract(month FROM birthday) * 100 + extract(day FROM birthday))::int",
    "extra": "CASE WHEN g % 4 = 0 THEN 'met at the conference in ' || (2000 + g % 25) END",
    # The names are ASCII, so lower() is the service's casefold().
    "search_text": "lower(first_name) || CAST(:sep AS text) || lower(last_name) "
    "|| CAST(:sep AS text) || lower(first_name || '.' || last_name || '.' || g) || '@example.com'",
    "user_id": "user_id",
    "uid": "'seed-' || user_id || '-' || g",
    "href": "'seed-' || user_id || '-' || g || '.vcf'",
    "version": "1",
    "created_at": "CAST(:now AS timestamptz)",
    "updated_at": "CAST(:now AS timestamptz)",
}


def _contact_insert(owner_sql: str) -> str:
    table = Contact.__table__
    unknown = [c.name for c in table.columns if c.name not in CONTACT_COLUMNS and _required(c)]
    if unknown:
        raise RuntimeError(f"cannot seed contact columns {unknown}: teach bench/seed.py")
    names = [c.name for c in table.columns if c.name in CONTACT_COLUMNS]
    values = ", ".join(CONTACT_COLUMNS[name] for name in names)
    columns = ", ".join(f'"{name}"' for name in names)
    source = _contact_select(owner_sql)
    return f'INSERT INTO "{table.name}" ({columns}) SELECT {values} FROM ({source}) AS s'


def _required(column: Column[object]) -> bool:
    return not (column.primary_key or column.nullable or column.server_default is not None)


async def seed_contacts(url: str, seeded: Seeded, heavy: int, per_user: int) -> None:
    """`heavy` contacts for the heavy user, `per_user` for each regular user (PostgreSQL).
    On the migration engine: a million rows and their indexes outlast the service's 30 s
    statement timeout on a busy machine."""
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    engine = create_migration_engine(settings)
    now = datetime.now(UTC)
    sep = getattr(contact_model, "SEARCH_SEPARATOR", " ")
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(_contact_insert(str(seeded.heavy_id))),
                {"start": 1, "stop": heavy, "now": now, "sep": sep},
            )
            first, count = seeded.user_ids[0], len(seeded.user_ids)
            # Regular users' ids are consecutive (inserted in one statement).
            assert seeded.user_ids == list(range(first, first + count))
            owner = f"{first} + (g - {heavy + 1}) / {per_user}"
            await connection.execute(
                text(_contact_insert(owner)),
                {"start": heavy + 1, "stop": heavy + count * per_user, "now": now, "sep": sep},
            )
            await _check_contacts(connection)
        await _analyze(engine)
    finally:
        await engine.dispose()
    seeded.contacts = {seeded.heavy_id: heavy} | {uid: per_user for uid in seeded.user_ids}


async def _check_contacts(connection: Any) -> None:
    """The derived columns as the service would have written them, on a sample."""
    search_text = _service_function("homebase.services.contacts", "search_text")
    birthday_key = _service_function("homebase.services.birthdays", "birthday_key")
    columns = Contact.__table__.columns
    sample = await connection.execute(select(Contact.__table__).where(columns.id % 9973 == 1))
    for row in sample.mappings():
        if search_text and row["search_text"] != search_text(
            row["first_name"], row["last_name"], row["email"]
        ):
            raise RuntimeError(f"seeded search_text differs from the service's: {row}")
        if (
            birthday_key
            and row["birthday"]
            and row["birthday_key"] != birthday_key(row["birthday"])
        ):
            raise RuntimeError(f"seeded birthday_key differs from the service's: {row}")


async def _analyze(engine: AsyncEngine) -> None:
    """Fresh statistics (and, on PostgreSQL, a visibility map) as a settled database has."""
    async with engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        if connection.dialect.name == "postgresql":
            await connection.execute(text("VACUUM ANALYZE"))
        else:
            await connection.execute(text("ANALYZE"))


async def seed_sqlite_contacts(url: str, owner_id: int, count: int) -> None:
    """`count` contacts for one owner on SQLite, the same rows as `seed_contacts` writes."""
    search_text = _service_function("homebase.services.contacts", "search_text")
    engine = create_engine(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
    now = datetime.now(UTC)
    rows = []
    for g in range(1, count + 1):
        first = FIRST_NAMES[g % len(FIRST_NAMES)]
        last = LAST_NAMES[(g // len(FIRST_NAMES)) % len(LAST_NAMES)]
        email = f"{first}.{last}.{g}".lower() + "@example.com"
        birthday = None if g % 10 == 0 else date(1950, 1, 1) + timedelta((g * 7919) % 20000)
        row: dict[str, Any] = {
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": f"+7 900 {g % 10_000_000:07d}",
            "birthday": birthday,
            "birthday_key": birthday.month * 100 + birthday.day if birthday else None,
            "search_text": search_text(first, last, email) if search_text else "",
            "user_id": owner_id,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        rows.append({k: v for k, v in row.items() if k in Contact.__table__.columns})
    try:
        async with engine.begin() as connection:
            await connection.execute(insert(Contact.__table__), rows)
        await _analyze(engine)
    finally:
        await engine.dispose()

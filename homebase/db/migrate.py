"""The schema is Alembic's: start-up and `homebase migrate` bring the database to a revision.

One run holds the migration lock (see migration_lock), adopts a database that an earlier
release built without recording a revision (see adoption), and applies the revisions in one
transaction: on both backends the DDL is transactional, so a failed run leaves the database as
it found it. Downgrades run only when asked for explicitly: they can drop columns with data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from homebase.core.config import Settings
from homebase.db.adoption import legacy_revision
from homebase.db.migration_lock import lock_transaction, locked_connection
from homebase.db.session import SQLITE_BEGIN, create_migration_engine


class MigrationError(Exception):
    """The database could not be brought to the revision; the message is one line."""


class DatabaseUnavailable(MigrationError):
    """No connection could be made."""


class RevisionRefused(MigrationError):
    """The revision asked for is unknown, or older than the database's without leave to
    downgrade: a usage error, the database untouched."""


@dataclass(frozen=True)
class Outcome:
    before: str | None  # the revision found (after adoption)
    after: str | None
    adopted: str | None = None  # the revision an unversioned database was recognised as


def alembic_config(settings: Settings, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "homebase:migrations")
    config.attributes["database_url"] = settings.database_url
    config.attributes["settings"] = settings
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision(settings: Settings) -> str | None:
    return ScriptDirectory.from_config(alembic_config(settings)).get_current_head()


def include_for(dialect_name: str) -> Callable[..., bool]:
    """An Alembic `include_object` hook that leaves out what the models build only on other
    backends (`.ddl_if(dialect=...)`), which autogenerate would otherwise report as missing."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        condition = getattr(obj, "_ddl_if", None)
        if condition is None or condition.dialect is None:
            return True
        dialects = (condition.dialect,) if isinstance(condition.dialect, str) else condition.dialect
        return dialect_name in dialects

    return include


async def migrate(
    settings: Settings, revision: str = "head", *, allow_downgrade: bool = False
) -> Outcome:
    """Bring the database to `revision` (adopting it first if it has no recorded revision)."""
    engine = create_migration_engine(settings)
    try:
        async with locked_connection(engine, settings) as connection:
            if connection.dialect.name == "sqlite":
                # Take the write lock at BEGIN, so a serving app's writers wait for us.
                await connection.execution_options(**{SQLITE_BEGIN: "write"})
            try:
                outcome: Outcome = await connection.run_sync(
                    _migrate, settings, revision, allow_downgrade
                )
            except DBAPIError as exc:
                raise MigrationError(f"the migration failed: {cause(exc)}") from exc
            return outcome
    except (DBAPIError, PoolTimeout, OSError) as exc:
        raise DatabaseUnavailable(f"the database is unavailable: {cause(exc)}") from exc
    finally:
        await engine.dispose()


def upgrade(settings: Settings, revision: str = "head") -> None:
    """`migrate` for synchronous callers (scripts, tests) that have no event loop running."""
    asyncio.run(migrate(settings, revision))


def cause(exc: BaseException) -> str:
    """The first line of what the driver said, without SQLAlchemy's statement and links."""
    origin = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = str(origin).strip().splitlines()
    detail = text[0] if text else ""
    return f"{type(origin).__name__}: {detail}" if detail else type(origin).__name__


def _migrate(
    connection: Connection, settings: Settings, revision: str, allow_downgrade: bool
) -> Outcome:
    config = alembic_config(settings, connection)
    scripts = ScriptDirectory.from_config(config)
    with connection.begin():
        lock_transaction(connection)
        current = MigrationContext.configure(connection).get_current_revision()
        adopted = None
        if current is None:
            adopted = legacy_revision(connection)
            if adopted is not None:
                command.stamp(config, adopted)
                current = adopted
        try:
            target = _resolve(scripts, revision)
            if target == current:
                return Outcome(current, current, adopted)
            if _is_downgrade(scripts, current, target):
                if not allow_downgrade:
                    raise RevisionRefused(
                        f"the database is at revision {current}; {target or 'base'} is older "
                        "and going back can drop data: back up the database, then pass "
                        "--allow-downgrade"
                    )
                command.downgrade(config, target or "base")
            else:
                command.upgrade(config, target or "base")
        except CommandError as exc:
            raise MigrationError(str(exc)) from exc
        _check_foreign_keys(connection)
        after = MigrationContext.configure(connection).get_current_revision()
    return Outcome(current, after, adopted)


def _resolve(scripts: ScriptDirectory, revision: str) -> str | None:
    """The revision id `revision` names ("head", "base", an id or its prefix)."""
    if revision == "base":
        return None
    if revision == "head":
        return scripts.get_current_head()
    try:
        script = scripts.get_revision(revision)
    except CommandError as exc:
        raise RevisionRefused(f"unknown revision {revision!r}: {exc}") from exc
    if script is None:
        raise RevisionRefused(f"unknown revision {revision!r}")
    return script.revision


def _is_downgrade(scripts: ScriptDirectory, current: str | None, target: str | None) -> bool:
    if current is None:
        return False
    try:
        older = {script.revision for script in scripts.iterate_revisions(current, "base")}
    except (CommandError, RevisionError) as exc:
        raise MigrationError(
            f"the database is at revision {current}, which this release does not know "
            "(a newer release migrated it): run that release, or restore a backup"
        ) from exc
    return target is None or target in older


def _check_foreign_keys(connection: Connection) -> None:
    """SQLite migrates with foreign keys off (see create_migration_engine): check them now."""
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        tables = sorted({str(row[0]) for row in broken})
        raise MigrationError(f"the migration broke foreign keys in {', '.join(tables)}")

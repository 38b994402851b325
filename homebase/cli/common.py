"""Helpers shared by the CLI commands: one database session, errors as exit codes.

Heavy imports stay inside functions: `homebase serve` must be able to set up the metrics
folder before prometheus-client is first imported.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import ValidationError

from homebase.core.config import Settings
from homebase.core.errors import AppError, FieldError
from homebase.core.i18n import field_message, translate

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from homebase.app_state import AppState

OK = 0
FAILED = 1  # not found, conflict, database unreachable, migration failed
USAGE = 2  # bad arguments, configuration, validation
CANNOT_LISTEN = 3  # `serve`: the address is in use or cannot be bound

T = TypeVar("T")


def error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def validation_failed(exc: ValidationError, rename: dict[str, str] | None = None) -> int:
    for item in exc.errors():
        field = ".".join(str(part) for part in item["loc"]) or "value"
        error(f"{(rename or {}).get(field, field)}: {item['msg']}")
    return USAGE


def read_password(args: argparse.Namespace) -> str | None:
    """The password of `--password`, `--password-stdin` (first line), or typed twice at a
    prompt; None (after saying why) when there is none."""
    if args.password is not None and args.password_stdin:
        error("give --password or --password-stdin, not both")
        return None
    if args.password is not None:
        return str(args.password)
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        error("no password: pass --password-stdin (or run in a terminal to be asked)")
        return None
    password = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != password:
        error("the passwords differ")
        return None
    return password


def missing_database(settings: Settings) -> Path | None:
    """The SQLite file the settings name, when it does not exist (None: it does, or PostgreSQL)."""
    path = settings.sqlite_path
    return path.resolve() if path is not None and not path.exists() else None


def exit_code(exc: AppError) -> int:
    return USAGE if exc.status_code in (400, 422) else FAILED


def run_in_session(
    settings: Settings,
    work: Callable[[AppState, AsyncSession], Awaitable[T]],
    *,
    create_database: bool = False,
) -> tuple[int, T | None]:
    """Run `work` in one committed transaction on a database brought to the newest revision;
    map failures to an exit code and stderr.

    A SQLite file that does not exist is not created unless `create_database`: run from the
    wrong folder, `./homebase.db` would otherwise be a new, empty database.
    """
    missing = missing_database(settings)
    if missing is not None and not create_database:
        error(
            f"no database at {missing} (HOMEBASE_DATABASE_URL, relative to the working "
            "directory): run this where the server runs, or create it with `homebase migrate`"
            " (or `create-admin --create-database`)"
        )
        return FAILED, None

    async def run() -> tuple[int, T | None]:
        from sqlalchemy.exc import DBAPIError
        from sqlalchemy.exc import TimeoutError as PoolTimeout

        from homebase.app_state import AppState
        from homebase.db.migrate import MigrationError, migrate
        from homebase.db.session import session_scope

        try:
            await migrate(settings)
        except MigrationError as exc:
            error(str(exc))
            return FAILED, None
        state = AppState.build(settings)
        try:
            async with session_scope(state.sessionmaker) as session:
                result = await work(state, session)
        except FieldError as exc:
            error(f"{exc.field}: {field_message(exc.field_key, 'en', exc.field_params)}")
            return exit_code(exc), None
        except AppError as exc:
            error(translate(exc.message_key, "en", **exc.params))
            return exit_code(exc), None
        except (DBAPIError, PoolTimeout, OSError) as exc:
            error(f"the database is unavailable ({type(exc).__name__})")
            return FAILED, None
        finally:
            await state.close()
        return OK, result

    return asyncio.run(run())

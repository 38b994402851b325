"""`homebase serve | create-admin | migrate | users … | mail test | --version`
(also `python -m homebase`).

Exit codes: 0 done; 1 not found, conflict, database unreachable or migration failed; 2 usage
or configuration error (a setting or an argument); 3 `serve` cannot listen (port in use).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import ValidationError

from homebase import __version__
from homebase.cli import mail as mail_command
from homebase.cli import serve as serve_command
from homebase.cli import users as users_command
from homebase.cli.common import (
    FAILED,
    OK,
    USAGE,
    error,
    read_password,
    run_in_session,
    validation_failed,
)
from homebase.core.config import Settings
from homebase.core.config_checks import describe

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from homebase.app_state import AppState
    from homebase.models import User


def _create_admin(args: argparse.Namespace, settings: Settings) -> int:
    from homebase.schemas.user import UserCreate
    from homebase.services.users import create_user

    password = read_password(args)
    if password is None:
        return USAGE
    try:
        data = UserCreate(email=args.email, password=password, name=args.name, is_admin=True)
    except ValidationError as exc:
        return validation_failed(exc)

    async def work(state: AppState, session: AsyncSession) -> User:
        return await create_user(session, state.hasher, data, as_admin=True)

    code, user = run_in_session(settings, work, create_database=args.create_database)
    if user is not None:
        print(f"created admin {user.email} (id {user.id})")
    return code


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from homebase.db.migrate import MigrationError, RevisionRefused, migrate

    try:
        outcome = asyncio.run(
            migrate(settings, args.revision, allow_downgrade=args.allow_downgrade)
        )
    except RevisionRefused as exc:
        error(str(exc))
        return USAGE
    except MigrationError as exc:
        error(str(exc))
        return FAILED
    if outcome.adopted is not None:
        print(f"adopted the database as revision {outcome.adopted} (none was recorded)")
    if outcome.before == outcome.after:
        print(f"database already at revision {outcome.after or 'base'}")
    else:
        print(f"database migrated from {outcome.before or 'empty'} to {outcome.after or 'base'}")
    return OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="homebase", description=__doc__)
    parser.add_argument("--version", action="version", version=f"homebase {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve_command.add_parser(commands)

    admin = commands.add_parser("create-admin", help="create an administrator")
    admin.add_argument("--email", required=True)
    admin.add_argument(
        "--password",
        help="the password (visible to other users of this machine: prefer the prompt)",
    )
    admin.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    admin.add_argument("--name")
    admin.add_argument(
        "--create-database",
        action="store_true",
        help="create the SQLite database if it does not exist yet",
    )
    admin.set_defaults(handler=_create_admin)

    migrate = commands.add_parser(
        "migrate", help="bring the database to a revision (default: the newest)"
    )
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.add_argument(
        "--allow-downgrade",
        action="store_true",
        help="run downgrades when REVISION is older than the database (may drop data)",
    )
    migrate.set_defaults(handler=_migrate)

    users_command.add_parser(commands)
    mail_command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (already printed)
        return exc.code if isinstance(exc.code, int) else USAGE
    try:
        settings = Settings()
    except ValidationError as exc:
        for line in describe(exc):
            print(f"configuration error: {line}", file=sys.stderr)
        return USAGE
    handler = args.handler
    result: int = handler(args, settings)
    return result

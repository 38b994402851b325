"""`homebase serve | create-admin | migrate | users … | mail test | --version`
(also `python -m homebase`).

Exit codes: 0 done, 1 not found / conflict / database unreachable, 2 usage or validation error.
"""

from __future__ import annotations

import argparse
import asyncio
import logging.config
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Sequence
from types import FrameType
from typing import TYPE_CHECKING

from pydantic import ValidationError

from homebase import __version__
from homebase.cli import mail as mail_command
from homebase.cli import users as users_command
from homebase.cli.common import FAILED, OK, USAGE, error, run_in_session, validation_failed
from homebase.core.config import Settings
from homebase.observability import MULTIPROC_ENV

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from homebase.app_state import AppState
    from homebase.models import User


def _exit_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    # uvicorn drains in-flight requests on SIGTERM, then re-raises the signal with the handler
    # it found installed: this one, so a graceful stop ends with status 0, not 143.
    raise SystemExit(OK)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from homebase.observability.logging import logging_config

    log_config = logging_config(settings)
    logging.config.dictConfig(log_config)
    metrics_dir = None
    if args.workers > 1 and not os.environ.get(MULTIPROC_ENV):
        # Before anything imports prometheus-client, so that the workers (and this process)
        # keep their metrics in files that /metrics adds up.
        metrics_dir = tempfile.mkdtemp(prefix="homebase-metrics-")
        os.environ[MULTIPROC_ENV] = metrics_dir
    try:
        return _run_server(args, settings, log_config)
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
            os.environ.pop(MULTIPROC_ENV, None)


def _run_server(args: argparse.Namespace, settings: Settings, log_config: dict[str, object]) -> int:
    import uvicorn

    from homebase.app_state import AppState
    from homebase.main import start

    async def prepare() -> None:
        # Once, before the workers start: the tables and the first admin.
        state = AppState.build(settings)
        try:
            await start(state)
        finally:
            await state.close()

    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    _ = settings.secret
    if args.workers > 1:  # a single worker does the same in its own start-up
        asyncio.run(prepare())
    uvicorn.run(
        "homebase.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=log_config,
        log_level=settings.log_level.lower(),
        access_log=False,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=30,
    )
    return OK


def _create_admin(args: argparse.Namespace, settings: Settings) -> int:
    from homebase.schemas.user import UserCreate
    from homebase.services.users import create_user

    try:
        data = UserCreate(email=args.email, password=args.password, name=args.name, is_admin=True)
    except ValidationError as exc:
        return validation_failed(exc)

    async def work(state: AppState, session: AsyncSession) -> User:
        return await create_user(session, state.hasher, data, as_admin=True)

    code, user = run_in_session(settings, work)
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


def _workers(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="homebase", description=__doc__)
    parser.add_argument("--version", action="version", version=f"homebase {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=_workers, default=1, help="worker processes")
    serve.set_defaults(handler=_serve)

    admin = commands.add_parser("create-admin", help="create an administrator")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", required=True)
    admin.add_argument("--name")
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
        print(f"configuration error: {exc}", file=sys.stderr)
        return USAGE
    handler = args.handler
    result: int = handler(args, settings)
    return result

"""`homebase serve | create-admin | migrate | --version` (also `python -m homebase`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from homebase import __version__
from homebase.core.config import Settings


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from homebase.core.state import AppState
    from homebase.main import start

    async def prepare() -> None:
        # Once, before the workers fork: the secret file, the tables and the first admin.
        state = AppState.build(settings)
        try:
            await start(state)
        finally:
            await state.close()

    _ = settings.secret
    asyncio.run(prepare())
    uvicorn.run(
        "homebase.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=30,
    )
    return 0


def _create_admin(args: argparse.Namespace, settings: Settings) -> int:
    from homebase.core.errors import AppError, FieldError
    from homebase.core.i18n import translate
    from homebase.core.state import AppState
    from homebase.db.schema import create_all
    from homebase.db.session import session_scope
    from homebase.schemas.user import UserCreate
    from homebase.services.users import create_user

    try:
        data = UserCreate(email=args.email, password=args.password, name=args.name, is_admin=True)
    except ValidationError as exc:
        for error in exc.errors():
            print(f"error: {'.'.join(map(str, error['loc']))}: {error['msg']}", file=sys.stderr)
        return 2

    async def run() -> int:
        state = AppState.build(settings)
        try:
            await create_all(state.engine)
            async with session_scope(state.sessionmaker) as session:
                user = await create_user(session, state.hasher, data, as_admin=True)
                print(f"created admin {user.email} (id {user.id})")
        except FieldError as exc:
            reason = translate(f"field.{exc.field_key}", "en", **exc.field_params)
            print(f"error: {exc.field}: {reason}", file=sys.stderr)
            return 2
        except AppError as exc:
            print(f"error: {exc.code}", file=sys.stderr)
            return 1
        finally:
            await state.close()
        return 0

    return asyncio.run(run())


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from homebase.db.migrations import upgrade

    upgrade(settings, args.revision)
    print(f"database migrated to {args.revision}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="homebase", description=__doc__)
    parser.add_argument("--version", action="version", version=f"homebase {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=_serve)

    admin = commands.add_parser("create-admin", help="create an administrator")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", required=True)
    admin.add_argument("--name")
    admin.set_defaults(handler=_create_admin)

    migrate = commands.add_parser("migrate", help="apply the Alembic migrations")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.set_defaults(handler=_migrate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    handler = args.handler
    result: int = handler(args, settings)
    return result

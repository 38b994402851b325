"""`homebase users list | activate | deactivate | reset-password | unlock | reset-mfa`."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

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

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from homebase.app_state import AppState
    from homebase.models import User

COLUMNS = ("id", "email", "username", "name", "is_admin", "is_active")


def _row(user: User) -> dict[str, Any]:
    return {column: getattr(user, column) for column in COLUMNS}


def _list(args: argparse.Namespace, settings: Settings) -> int:
    from homebase.services.paging import PageRequest
    from homebase.services.users import list_users

    async def work(_state: AppState, session: AsyncSession) -> tuple[list[User], int]:
        page = await list_users(session, q=args.query, page=PageRequest(args.limit, args.offset))
        return page.items, page.total or 0

    code, result = run_in_session(settings, work)
    if result is None:
        return code
    users, total = result
    rows = [_row(user) for user in users]
    if args.json:
        print(json.dumps(rows))
        return OK
    print("\t".join(COLUMNS))
    for row in rows:
        print("\t".join("" if row[c] is None else str(row[c]).lower() for c in COLUMNS))
    print(f"{len(rows)} of {total} users", flush=True)
    return OK


def _set_active(active: bool) -> Any:
    def command(args: argparse.Namespace, settings: Settings) -> int:
        from homebase.services import user_admin

        async def work(_state: AppState, session: AsyncSession) -> tuple[User, int]:
            return await user_admin.set_active(session, args.user, active=active)

        code, result = run_in_session(settings, work)
        if result is None:
            return code
        user, ended = result
        verb = "activated" if active else f"deactivated ({ended} sessions ended)"
        print(f"user {user.id} ({user.email or user.username}) {verb}")
        return OK

    return command


def _reset_password(args: argparse.Namespace, settings: Settings) -> int:
    from homebase.schemas.user import PasswordChange
    from homebase.services import user_admin

    generated = args.password is None and not args.password_stdin
    password = user_admin.generate_password() if generated else read_password(args)
    if password is None:
        return USAGE
    try:
        PasswordChange(new_password=password, new_password_repeat=password)
    except ValidationError as exc:
        return validation_failed(exc, {"new_password": "password"})

    async def work(state: AppState, session: AsyncSession) -> tuple[User, int]:
        return await user_admin.reset_password(session, state.hasher, args.user, password)

    code, result = run_in_session(settings, work)
    if result is None:
        return code
    user, ended = result
    print(f"password of user {user.id} reset ({ended} sessions ended)")
    if generated:
        print(f"new password: {password}")
    return OK


def _reset_mfa(args: argparse.Namespace, settings: Settings) -> int:
    from homebase.services import user_admin

    async def work(_state: AppState, session: AsyncSession) -> tuple[User, bool]:
        return await user_admin.reset_mfa(session, args.user)

    code, result = run_in_session(settings, work)
    if result is None:
        return code
    user, was_on = result
    done = "removed" if was_on else "was not on; nothing to remove"
    print(f"two-factor authentication of user {user.id} {done}")
    return OK


def _unlock(args: argparse.Namespace, settings: Settings) -> int:
    from homebase.services import user_admin

    if not settings.redis_url:
        # Without Redis, failure counts and locks live in each server process's memory,
        # out of this command's reach.
        error(
            "locks are kept in the server's memory without HOMEBASE_REDIS_URL: "
            "use POST /admin/users/{id}/unlock, or restart the server"
        )
        return FAILED

    async def work(state: AppState, session: AsyncSession) -> tuple[User, bool]:
        user = await user_admin.find_user(session, args.user)
        was_locked = await state.accounts.unlock(session, user.id, user_admin.OPERATOR, actor=None)
        return user, was_locked

    code, result = run_in_session(settings, work)
    if result is None:
        return code
    user, was_locked = result
    state_text = "unlocked" if was_locked else "was not locked (failure count cleared)"
    print(f"user {user.id} ({user.email or user.username}) {state_text}")
    return OK


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _not_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return number


def add_parser(commands: Any) -> None:
    users = commands.add_parser("users", help="list and manage user accounts")
    actions = users.add_subparsers(dest="action", required=True)

    listing = actions.add_parser("list", help="list users (tab-separated, or --json)")
    listing.add_argument("--query", "-q", help="search name, email and username")
    listing.add_argument("--limit", type=_positive, default=100)
    listing.add_argument("--offset", type=_not_negative, default=0)
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(handler=_list)

    for name, active, text in (
        ("deactivate", False, "deactivate a user and end all their sessions"),
        ("activate", True, "activate a deactivated user"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("user", help="user id, email or username")
        action.set_defaults(handler=_set_active(active))

    reset = actions.add_parser(
        "reset-password", help="set a new password (given, or generated and printed)"
    )
    reset.add_argument("user", help="user id, email or username")
    reset.add_argument("--password", help="the new password (default: generate one)")
    reset.add_argument(
        "--password-stdin", action="store_true", help="read the new password from standard input"
    )
    reset.set_defaults(handler=_reset_password)

    mfa = actions.add_parser(
        "reset-mfa", help="turn off a user's second factor (lost authenticator and codes)"
    )
    mfa.add_argument("user", help="user id, email or username")
    mfa.set_defaults(handler=_reset_mfa)
    unlock = actions.add_parser(
        "unlock", help="end the lock set by failed logins (needs HOMEBASE_REDIS_URL)"
    )
    unlock.add_argument("user", help="user id, email or username")
    unlock.set_defaults(handler=_unlock)

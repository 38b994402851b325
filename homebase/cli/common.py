"""Helpers shared by the CLI commands: one database session, errors as exit codes.

Heavy imports stay inside functions: `homebase serve` must be able to set up the metrics
folder before prometheus-client is first imported.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from pydantic import ValidationError

from homebase.core.config import Settings
from homebase.core.errors import AppError, FieldError
from homebase.core.i18n import field_message, translate

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from homebase.app_state import AppState

OK = 0
FAILED = 1  # not found, conflict, database unreachable
USAGE = 2  # bad arguments, validation

T = TypeVar("T")


def error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def validation_failed(exc: ValidationError, rename: dict[str, str] | None = None) -> int:
    for item in exc.errors():
        field = ".".join(str(part) for part in item["loc"]) or "value"
        error(f"{(rename or {}).get(field, field)}: {item['msg']}")
    return USAGE


def exit_code(exc: AppError) -> int:
    return USAGE if exc.status_code in (400, 422) else FAILED


def run_in_session(
    settings: Settings, work: Callable[[AppState, AsyncSession], Awaitable[T]]
) -> tuple[int, T | None]:
    """Run `work` in one committed transaction; map failures to an exit code and stderr."""

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

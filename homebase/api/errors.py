"""The one place where errors become HTTP responses, in the SPEC §5 envelope."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    StatementError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from homebase.core.errors import AppError, FieldError, Unauthorized
from homebase.core.i18n import field_message, translate

logger = logging.getLogger("homebase.errors")

WWW_AUTHENTICATE = 'Basic realm="homebase", charset="UTF-8", Bearer realm="homebase"'
WWW_AUTHENTICATE_INVALID = (
    'Basic realm="homebase", charset="UTF-8", Bearer realm="homebase", error="invalid_token"'
)
BODY_PARSE_ERROR = "There was an error parsing the body"
_HTTP_CODES = {
    404: ("not_found", "route_not_found"),
    405: ("method_not_allowed", "method_not_allowed"),
    413: ("payload_too_large", "payload_too_large"),
    415: ("unsupported_media_type", "unsupported_media_type"),
}


def _locale(request: Request) -> str:
    return getattr(request.state, "locale", None) or "en"


def envelope(
    status_code: int,
    code: str,
    message: str,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"result": "error", "code": code, "message": message}
    body.update(extra or {})
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status_code, headers=headers)


async def app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    locale = _locale(request)
    headers = dict(exc.headers)
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = (
            WWW_AUTHENTICATE_INVALID if exc.invalid_token else WWW_AUTHENTICATE
        )
    errors = None
    if isinstance(exc, FieldError):
        message = field_message(exc.field_key, locale, exc.field_params)
        errors = [{"field": exc.field, "message": message}]
    return envelope(
        exc.status_code,
        exc.code,
        translate(exc.message_key, locale, **exc.params),
        errors=errors,
        headers=headers,
        extra=exc.extra,
    )


def _field_name(loc: tuple[Any, ...], error_type: str) -> str:
    if error_type == "json_invalid":
        return "body"
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:] or parts
    return ".".join(parts) or "body"


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    locale = _locale(request)
    errors = [
        {
            "field": _field_name(tuple(error.get("loc", ())), str(error.get("type"))),
            "message": field_message(
                str(error.get("type", "value_error")),
                locale,
                {key: str(value) for key, value in (error.get("ctx") or {}).items()},
            ),
        }
        for error in exc.errors()
    ]
    return envelope(422, "validation_error", translate("validation_error", locale), errors=errors)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    locale = _locale(request)
    if exc.status_code == 400 and exc.__cause__ is not None:
        # FastAPI's body reader failed on something other than a JSONDecodeError: invalid
        # UTF-8, nesting too deep for the parser, a broken form. Malformed input is a 422.
        errors = [{"field": "body", "message": field_message("json_invalid", locale, {})}]
        return envelope(
            422, "validation_error", translate("validation_error", locale), errors=errors
        )
    code, key = _HTTP_CODES.get(exc.status_code, ("http_error", "validation_error"))
    params = getattr(exc, "params", None) or {}
    return envelope(exc.status_code, code, translate(key, locale, **params), headers=exc.headers)


def _sqlstate(exc: Exception) -> str:
    return str(getattr(getattr(exc, "orig", None), "sqlstate", None) or "")


async def database_error(request: Request, exc: Exception) -> JSONResponse:
    """Safety net for database errors that escaped the services."""
    # SQLSTATE class 22 is "data exception": a value the database refuses (a NUL byte in
    # text, a number out of range), which asyncpg does not always raise as a DataError.
    if isinstance(exc, DataError) or _sqlstate(exc).startswith("22"):
        return envelope(422, "validation_error", translate("validation_error", _locale(request)))
    if isinstance(exc, IntegrityError) or _sqlstate(exc).startswith("23"):
        return await integrity_error(request, exc)
    # Drivers report an unreachable or restarting server under several classes (asyncpg's
    # "the database system is shutting down" arrives as a bare DBAPIError): all are 503.
    expected = isinstance(exc, (OperationalError, InterfaceError, OSError, PoolTimeout)) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )
    if expected:
        logger.warning("database unavailable: %s", type(exc).__name__)
    else:
        logger.error("database error: %s", exc, exc_info=exc)
    return envelope(
        503,
        "database_unavailable",
        translate("database_unavailable", _locale(request)),
        headers={"Retry-After": "1"},
    )


async def integrity_error(request: Request, exc: Exception) -> JSONResponse:
    """A constraint the services did not foresee (a race they lost): a conflict, not a 500."""
    logger.info("integrity error mapped to 409: %s", type(exc).__name__)
    return envelope(409, "conflict", translate("conflict", _locale(request)))


async def overflow_error(request: Request, exc: Exception) -> JSONResponse:
    """A number too large for the database driver (SQLite binds 64-bit integers only) that no
    schema bounded: the input is invalid, the service is fine."""
    return envelope(422, "validation_error", translate("validation_error", _locale(request)))


async def statement_error(request: Request, exc: Exception) -> JSONResponse:
    """A value SQLAlchemy could not bind: it wraps the OverflowError of a number or a moment
    out of the driver's range (the bare `OverflowError` handler never sees it)."""
    assert isinstance(exc, StatementError)
    if isinstance(exc.orig, OverflowError):
        return await overflow_error(request, exc.orig)
    return await unexpected_error(request, exc)


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", exc_info=exc)
    return envelope(500, "internal_error", translate("internal_error", _locale(request)))


def install(app: FastAPI) -> None:
    app.add_exception_handler(AppError, app_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(OperationalError, database_error)
    app.add_exception_handler(DataError, database_error)
    app.add_exception_handler(DBAPIError, database_error)
    # Connection refused or timed out, or no pooled connection free in time: the database is
    # out of reach. Handled here rather than in the catch-all, which re-raises into the server.
    app.add_exception_handler(OSError, database_error)
    app.add_exception_handler(PoolTimeout, database_error)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(OverflowError, overflow_error)
    app.add_exception_handler(StatementError, statement_error)
    app.add_exception_handler(Exception, unexpected_error)

"""A query parameter given more than once is a 422. Every parameter of the API is a single
value; silently taking the last of several would hide a client's mistake.

A NUL character in a parameter is a 422 as well, before any route sees it: PostgreSQL cannot
take one in a text value (its driver error would otherwise surface as a 422 with no field)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from homebase.api.errors import envelope
from homebase.core.i18n import translate


class SingleQueryValueMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = query_problem(scope.get("query_string", b""))
            if problem is not None:
                response = _invalid_parameter_response(scope["state"]["locale"], *problem)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def repeated_query_key(query_string: bytes) -> str | None:
    """The first query parameter given more than once, else None."""
    if b"&" not in query_string:
        return None
    seen: set[str] = set()
    for key, _ in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if key in seen:
            return key
        seen.add(key)
    return None


def query_problem(query_string: bytes) -> tuple[str, str] | None:
    """(parameter, field message key) of the first refused parameter, else None."""
    repeated = repeated_query_key(query_string)
    if repeated is not None:
        return repeated, "field.repeated_parameter"
    if b"%00" in query_string or b"\x00" in query_string:
        for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
            if "\x00" in key or "\x00" in value:
                return key.replace("\x00", ""), "field.null_character"
    return None


def _invalid_parameter_response(locale: str, key: str, message_key: str) -> Response:
    errors = [{"field": key[:100], "message": translate(message_key, locale)}]
    return envelope(422, "validation_error", translate("validation_error", locale), errors=errors)

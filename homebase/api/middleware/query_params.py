"""A query parameter given more than once is a 422. Every parameter of the API is a single
value; silently taking the last of several would hide a client's mistake."""

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
            repeated = repeated_query_key(scope.get("query_string", b""))
            if repeated is not None:
                response = _repeated_parameter_response(scope["state"]["locale"], repeated)
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


def _repeated_parameter_response(locale: str, key: str) -> Response:
    errors = [{"field": key[:100], "message": translate("field.repeated_parameter", locale)}]
    return envelope(422, "validation_error", translate("validation_error", locale), errors=errors)

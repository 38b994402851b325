"""Pure ASGI middleware: locale negotiation, body size limit and security headers."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from homebase.core.client_ip import client_ip, parse_networks
from homebase.core.i18n import negotiate, translate
from homebase.routers.handlers import envelope

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
NO_STORE_PREFIXES = ("/auth", "/login", "/register", "/api/user")


class HomebaseMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        default_locale: str,
        trusted_proxies: Sequence[str] = (),
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.default_locale = default_locale
        self.trusted_proxies = parse_networks(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept_language = None
        content_length = None
        forwarded_for: list[str] = []
        for name, value in scope["headers"]:
            if name == b"accept-language":
                accept_language = value.decode("latin-1")
            elif name == b"content-length":
                content_length = value
            elif name == b"x-forwarded-for":
                forwarded_for.append(value.decode("latin-1"))
        state = scope.setdefault("state", {})
        state["locale"] = negotiate(accept_language, self.default_locale)
        peer = scope.get("client")
        state["client_ip"] = client_ip(
            peer[0] if peer else None, forwarded_for, self.trusted_proxies
        )

        limit = self.max_body_bytes
        too_large = content_length is not None and (
            not content_length.isdigit() or int(content_length) > limit
        )
        receive = _counting_receive(receive, limit)

        no_store = scope["path"].startswith(NO_STORE_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(SECURITY_HEADERS)
                if no_store:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        if too_large:  # refused before a byte of the body is read
            await _too_large_response(state["locale"], limit)(scope, receive, send_with_headers)
            return
        repeated = _repeated_query_key(scope.get("query_string", b""))
        if repeated is not None:
            response = _repeated_parameter_response(state["locale"], repeated)
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(HTTPException):
    """Raised while a body without (or with a lying) Content-Length is read past the limit.
    An HTTPException, because FastAPI's body reader lets those through to the handlers and
    turns any other exception into a 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413)
        self.params = {"limit": limit}


def _too_large_response(locale: str, limit: int) -> Response:
    message = translate("payload_too_large", locale, limit=limit)
    return envelope(413, "payload_too_large", message, headers={"Connection": "close"})


def _repeated_query_key(query_string: bytes) -> str | None:
    """The first query parameter given more than once. Every parameter of the API is a single
    value; silently taking the last of several would hide a client's mistake."""
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


def _counting_receive(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return counted

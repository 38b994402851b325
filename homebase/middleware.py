"""Pure ASGI middleware: locale negotiation, body size limit and security headers."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from homebase.core.client_ip import client_ip, parse_networks
from homebase.core.errors import PayloadTooLarge
from homebase.core.i18n import negotiate

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
        if content_length is not None and (
            not content_length.isdigit() or int(content_length) > limit
        ):
            receive = _refusing_receive(limit)
        else:
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

        await self.app(scope, receive, send_with_headers)


def _refusing_receive(limit: int) -> Receive:
    async def receive() -> Message:
        raise PayloadTooLarge(limit=limit)

    return receive


def _counting_receive(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise PayloadTooLarge(limit=limit)
        return message

    return counted

"""The response language, negotiated once from `Accept-Language` into `request.state.locale`."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from homebase.core.i18n import negotiate


class LocaleMiddleware:
    def __init__(self, app: ASGIApp, *, default_locale: str) -> None:
        self.app = app
        self.default_locale = default_locale

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            accept_language = None
            for name, value in scope["headers"]:
                if name == b"accept-language":
                    accept_language = value.decode("latin-1")
                    break
            state = scope.setdefault("state", {})
            state["locale"] = negotiate(accept_language, self.default_locale)
        await self.app(scope, receive, send)

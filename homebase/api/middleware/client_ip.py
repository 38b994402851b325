"""The caller's address into `request.state.client_ip`: `X-Forwarded-For` counts only when
the peer is one of `HOMEBASE_TRUSTED_PROXIES`."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from homebase.core.client_ip import client_ip, parse_networks


class ClientIPMiddleware:
    def __init__(self, app: ASGIApp, *, trusted_proxies: Sequence[str] = ()) -> None:
        self.app = app
        self.trusted_proxies = parse_networks(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            forwarded_for = [
                value.decode("latin-1")
                for name, value in scope["headers"]
                if name == b"x-forwarded-for"
            ]
            peer = scope.get("client")
            state = scope.setdefault("state", {})
            state["client_ip"] = client_ip(
                peer[0] if peer else None, forwarded_for, self.trusted_proxies
            )
        await self.app(scope, receive, send)

"""A bare ASGI app to wrap one middleware at a time: it answers 200 with what the middleware
left in `scope["state"]` and the body it could read."""

from __future__ import annotations

import json
from typing import Any

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    state = {key: value for key, value in scope.get("state", {}).items()}
    payload = json.dumps({"state": state, "body_bytes": len(body)}).encode()
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def with_locale(app: ASGIApp, locale: str = "en") -> ASGIApp:
    """Sets the locale the inner middlewares expect (LocaleMiddleware runs outside them)."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("state", {})["locale"] = locale
        await app(scope, receive, send)

    return wrapped


def client(app: ASGIApp, peer: tuple[str, int] = ("203.0.113.9", 1234)) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=peer)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


def state_of(response: httpx.Response) -> dict[str, Any]:
    state: dict[str, Any] = response.json()["state"]
    return state

"""Request ids, the access log and the HTTP metrics, as one pure ASGI middleware."""

from __future__ import annotations

import logging
import re
import time
import uuid

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from homebase.observability import metrics
from homebase.observability.logging import request_id_var

access_logger = logging.getLogger("homebase.access")

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
UNMATCHED_ROUTE = "<unmatched>"
# Probes and scrapes arrive every few seconds: logged at DEBUG so they don't drown the rest.
QUIET_PREFIXES = ("/health", "/metrics")


def accepted_request_id(value: bytes | None) -> str | None:
    """The client's `X-Request-ID` when it is short and made of safe characters, else None."""
    if not value:
        return None
    text = value.decode("latin-1")
    return text if _VALID_REQUEST_ID.fullmatch(text) else None


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/tasks/{task_id}`), never the raw path, so the
    metrics stay bounded whatever paths clients invent."""
    route = scope.get("route")
    if route is not None:
        path = getattr(route, "path_format", None) or getattr(route, "path", None)
        return str(path) if path else UNMATCHED_ROUTE
    if "endpoint" in scope and "app_root_path" in scope:
        # A mounted app (the docs' static files): its prefix is what the mount added.
        prefix = str(scope.get("root_path", ""))[len(str(scope["app_root_path"])) :]
        return f"{prefix}/{{path}}"
    return UNMATCHED_ROUTE


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = next((v for k, v in scope["headers"] if k == REQUEST_ID_HEADER), None)
        request_id = accepted_request_id(incoming) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        status = 500
        error_body = bytearray()

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k != REQUEST_ID_HEADER]
                headers.append((REQUEST_ID_HEADER, request_id.encode()))
                message["headers"] = headers
            elif message["type"] == "http.response.body" and status == 429:
                error_body.extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            seconds = time.perf_counter() - started
            route = route_template(scope)
            metrics.observe_request(scope["method"], route, status, seconds)
            if status == 429:
                metrics.observe_rate_limited(_error_code(bytes(error_body)))
            _log_access(scope, route, status, seconds)
            request_id_var.reset(token)


def _error_code(body: bytes) -> str:
    try:
        code = orjson.loads(body).get("code")
    except (orjson.JSONDecodeError, AttributeError):
        return "unknown"
    return code if isinstance(code, str) and len(code) <= 40 else "unknown"


def _log_access(scope: Scope, route: str, status: int, seconds: float) -> None:
    # The raw path and query are left out: the route template says where, and a query string
    # is where a careless client puts a token.
    if status >= 500:
        level = logging.WARNING
    elif scope["path"].startswith(QUIET_PREFIXES):
        level = logging.DEBUG
    else:
        level = logging.INFO
    if not access_logger.isEnabledFor(level):
        return
    state = scope.get("state", {})
    client = scope.get("client")
    duration_ms = round(seconds * 1000, 2)
    access_logger.log(
        level,
        "%s %s %s %.1fms",
        scope["method"],
        route,
        status,
        duration_ms,
        extra={
            "method": scope["method"],
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
            "user_id": state.get("user_id"),
            "client_ip": state.get("client_ip") or (client[0] if client else None),
        },
    )

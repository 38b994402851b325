"""Pure ASGI middleware, one concern per module; `install` stacks them in their order."""

from __future__ import annotations

from fastapi import FastAPI

from homebase.api.middleware.body_limit import BodyLimitMiddleware
from homebase.api.middleware.client_ip import ClientIPMiddleware
from homebase.api.middleware.headers import SecurityHeadersMiddleware
from homebase.api.middleware.locale import LocaleMiddleware
from homebase.api.middleware.query_params import SingleQueryValueMiddleware
from homebase.core.config import Settings


def install(app: FastAPI, settings: Settings) -> None:
    """Add the request middleware, innermost first (Starlette runs the last added first):
    every refusal they make carries the security headers and speaks the caller's language."""
    app.add_middleware(SingleQueryValueMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_import_bytes=settings.max_import_bytes,
    )
    app.add_middleware(ClientIPMiddleware, trusted_proxies=settings.trusted_proxies)
    app.add_middleware(LocaleMiddleware, default_locale=settings.default_locale)
    app.add_middleware(SecurityHeadersMiddleware)

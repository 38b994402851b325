"""Health probes, metrics and the offline API docs."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from homebase.api.deps import StateDep
from homebase.observability import metrics
from homebase.schemas.health import Health, Liveness, Readiness
from homebase.services import health as health_checks

router = APIRouter(tags=["system"])
docs_router = APIRouter(include_in_schema=False)
STATIC_DIR = Path(fastapi_offline.__file__).parent / "static"
STATIC_URL = "/static/docs"


@router.get("/health/live", response_model=Liveness)
async def live() -> dict[str, str]:
    """Liveness probe: the process is up and serving (checks nothing else)."""
    return {"status": "ok"}


@router.get(
    "/health/ready",
    responses={
        200: {"model": Readiness},
        503: {"model": Readiness, "description": "A dependency is down"},
    },
)
async def ready(state: StateDep) -> JSONResponse:
    """Readiness probe: the database, and Redis when configured, answer.

    503 names what is down, e.g. `{"status": "error", "database": "unavailable", "redis": "ok"}`.
    """
    checks = await health_checks.readiness(state.engine, state.settings.redis_url)
    up = all(value == health_checks.OK for value in checks.values())
    return JSONResponse({"status": "ok" if up else "error", **checks}, 200 if up else 503)


@router.get(
    "/health",
    responses={
        200: {"model": Health},
        503: {"model": Health, "description": "The database is unreachable"},
    },
)
async def health(state: StateDep) -> JSONResponse:
    """`{"status":"ok","database":"ok"}`, or 503 when the database is unreachable."""
    if await health_checks.database_ok(state.engine):
        return JSONResponse({"status": "ok", "database": "ok"})
    return JSONResponse({"status": "error", "database": "unavailable"}, status_code=503)


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics_endpoint() -> Response:
    """Prometheus metrics (text format), added up over every worker process."""
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)


@docs_router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    return get_swagger_ui_html(
        openapi_url=f"{root}/openapi.json",
        title="Homebase API",
        oauth2_redirect_url=f"{root}/docs/oauth2-redirect",
        swagger_js_url=f"{root}{STATIC_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{STATIC_URL}/swagger-ui.css",
        swagger_favicon_url=f"{root}{STATIC_URL}/favicon.png",
        swagger_ui_parameters={"persistAuthorization": True},
    )


@docs_router.get("/docs/oauth2-redirect")
async def swagger_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@docs_router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    return get_redoc_html(
        openapi_url=f"{root}/openapi.json",
        title="Homebase API",
        redoc_js_url=f"{root}{STATIC_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{root}{STATIC_URL}/favicon.png",
        with_google_fonts=False,
    )

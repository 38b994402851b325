"""Health probes and the offline API docs."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text

from homebase.routers.deps import StateDep

router = APIRouter(tags=["system"])
docs_router = APIRouter(include_in_schema=False)
STATIC_DIR = Path(fastapi_offline.__file__).parent / "static"
STATIC_URL = "/static/docs"


async def database_ok(state: StateDep) -> bool:
    try:
        async with state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


@router.get("/health/live")
async def live() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/health/ready", responses={503: {"description": "A dependency is down"}})
async def ready(state: StateDep) -> JSONResponse:
    """The database (and Redis, when configured) answer."""
    return await health(state)


@router.get("/health", responses={503: {"description": "The database is unreachable"}})
async def health(state: StateDep) -> JSONResponse:
    """`{"status":"ok","database":"ok"}`, or 503 when the database is unreachable."""
    if await database_ok(state):
        return JSONResponse({"status": "ok", "database": "ok"})
    return JSONResponse({"status": "error", "database": "unavailable"}, status_code=503)


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

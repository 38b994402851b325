"""The application factory: routers, middleware, error handlers, start-up."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from homebase import __version__
from homebase.api import errors, middleware, openapi
from homebase.api.middleware.observability import ObservabilityMiddleware
from homebase.api.routes import (
    account_export,
    admin,
    app_passwords,
    auth,
    contact_cards,
    contacts,
    dav,
    feeds,
    recovery,
    system,
    task_calendars,
    tasks,
    testing,
    users,
)
from homebase.app_state import AppState
from homebase.core.config import Settings
from homebase.db.session import session_scope
from homebase.observability import metrics
from homebase.services.bootstrap import ensure_admin

logger = logging.getLogger("homebase")

DESCRIPTION = """
Accounts, tasks and contacts. Every protected endpoint takes **either**
`Authorization: Basic base64(login:password)` **or** `Authorization: Bearer <access token>`
(get one from `POST /auth/login`, or with the *Authorize* button, which uses `/auth/token`).
Scripts and sync clients use an app password (`POST /auth/tokens`): a scoped `hbp_…` secret
sent as the Bearer token or as the Basic password.

Errors are always `{"result": "error", "code": "…", "message": "…"}`, with `errors` on 422,
in the language of `Accept-Language` (en, ru, uk).
"""


# Set by `homebase serve` once it has migrated the database and created the admin, before its
# workers start: a worker then skips `start` and never loads Alembic (11 MB of its memory).
PREPARED_ENV = "_HOMEBASE_PREPARED"


async def start(state: AppState) -> None:
    """Bring the database to the newest revision, then create the configured admin."""
    from homebase.db.migrate import migrate  # Alembic: loaded only where the schema is checked

    settings = state.settings
    outcome = await migrate(settings)
    if outcome.adopted is not None:
        logger.warning(
            "database without a recorded revision adopted as revision %s", outcome.adopted
        )
    if outcome.before != outcome.after:
        logger.info("database migrated from %s to %s", outcome.before or "empty", outcome.after)
    if settings.admin_email and settings.admin_password:
        async with session_scope(state.sessionmaker) as session:
            await ensure_admin(
                session,
                state.hasher,
                settings.admin_email,
                settings.admin_password.get_secret_value(),
            )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    state = AppState.build(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if os.environ.get(PREPARED_ENV) != "1":
            await start(state)
        if settings.mail_worker_interval > 0:
            state.mailer.start(settings.mail_worker_interval)
        yield
        await state.close()

    app = FastAPI(
        title="Homebase",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        generate_unique_id_function=openapi.operation_id,
    )
    app.state.homebase = state
    errors.install(app)
    openapi.install(app)
    # A request is matched against the routes in this order, each tried in turn (~4 µs a
    # route here): the resources read most come first. The vCard / iCalendar routes come
    # before the resources whose `/{id}` would take them.
    modules = (
        task_calendars,
        tasks,
        contact_cards,
        contacts,
        auth,
        app_passwords,
        recovery,
        account_export,
        users,
        feeds,
        admin,
        system,
        dav,
    )
    for module in modules:
        app.include_router(module.router)
    app.include_router(auth.compat)
    app.include_router(system.docs_router)
    if settings.env == "test":
        app.include_router(testing.router)
    app.mount(system.STATIC_URL, StaticFiles(directory=system.STATIC_DIR), name="docs-static")

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=[
                "X-Total-Count",
                "X-Next-Cursor",
                "Link",
                "ETag",
                "Retry-After",
                "X-Request-ID",
            ],
        )
    middleware.install(app, settings)
    _observe(app, state)
    return app


def _observe(app: FastAPI, state: AppState) -> None:
    """Request ids, access log and metrics (outermost, so they time everything)."""
    app.add_middleware(ObservabilityMiddleware)
    metrics.instrument_engine(state.engine)
    folder = metrics.multiprocess_dir()
    if folder is not None:
        metrics.forget_dead_workers(folder)

"""The OpenAPI document, with the security each route takes.

Credentials are read by one dependency (`current_auth`, `current_caller`, or `optional_auth`)
rather than by FastAPI's security classes, which would add two calls to every request; this
marks the routes that depend on it, so Swagger's Authorize button (Basic, or the OAuth2
password flow through `/auth/token`) applies to exactly those.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from homebase.api.deps import current_auth, current_caller, optional_auth

SECURITY_SCHEMES = {
    "HTTPBasic": {"type": "http", "scheme": "basic"},
    "OAuth2PasswordBearer": {
        "type": "oauth2",
        "flows": {"password": {"tokenUrl": "/auth/token", "scopes": {}}},
    },
}
REQUIRED: list[dict[str, list[str]]] = [{"HTTPBasic": []}, {"OAuth2PasswordBearer": []}]
OPTIONAL = [*REQUIRED, {}]


def _calls(dependant: Dependant) -> set[Callable[..., Any]]:
    found: set[Callable[..., Any]] = set()
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            found.add(dependency.call)
        found |= _calls(dependency)
    return found


def _api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every APIRoute, looking inside included routers (all are included without a prefix)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _api_routes(included.routes)


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
        for route in _api_routes(app.routes):
            if not route.include_in_schema:
                continue
            calls = _calls(route.dependant)
            if current_auth in calls or current_caller in calls:
                security = REQUIRED
            elif optional_auth in calls:
                security = OPTIONAL
            else:
                continue
            for method in route.methods or ():
                schema["paths"][route.path_format][method.lower()]["security"] = security
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

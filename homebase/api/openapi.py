"""The OpenAPI document: operation ids, the security each route takes, and the responses,
headers and statuses added centrally (see api/responses.py for what a new route gets).

Credentials are read by one dependency (`current_auth`, a `ClaimScopeCheck`,
or `optional_auth`) rather than by FastAPI's security classes, which would add two calls to
every request; this marks the routes that depend on it, so Swagger's Authorize button (Basic,
or the OAuth2 password flow through `/auth/token`) applies to exactly those.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from homebase.api import responses
from homebase.api.deps import ClaimScopeCheck, current_auth, optional_auth

SECURITY_SCHEMES = {
    "HTTPBasic": {"type": "http", "scheme": "basic"},
    "OAuth2PasswordBearer": {
        "type": "oauth2",
        "flows": {"password": {"tokenUrl": "/auth/token", "scopes": {}}},
    },
}
REQUIRED: list[dict[str, list[str]]] = [{"HTTPBasic": []}, {"OAuth2PasswordBearer": []}]
# Anonymous first: `{}` says the operation needs no credentials, and takes them when given.
OPTIONAL = [{}, *REQUIRED]
TAG_DESCRIPTIONS = {
    "auth": "Registration, login, tokens and sessions",
    "users": "Accounts, and the profile/password endpoints of the older user service",
    "tasks": "The caller's tasks (ETags, filters, offset or cursor paging)",
    "contacts": "The caller's address book (ETags, search, birthdays, paging)",
    "admin": "Administration (admins only)",
    "system": "Health probes and metrics",
    "compatibility": "Aliases kept for the Flask-era client",
}
# FastAPI's own 422 body, replaced everywhere by the error envelope.
_FASTAPI_422 = ("HTTPValidationError", "ValidationError")

ABOUT_ERRORS = """
Any path answers a method it does not list with **405** `method_not_allowed` (the envelope, with
an `Allow` header), and any body over the size limit with **413** `payload_too_large`.
"""


def operation_id(route: APIRoute) -> str:
    """`{tag}_{action}`, e.g. `tasks_list`, `tasks_read`: the route function's name without the
    tag's noun. Stable while the function keeps its name (two methods on one function need a
    `name=` each)."""
    tag = str(route.tags[0]) if route.tags else "default"
    nouns = {tag, tag.removesuffix("s")}
    action = "_".join(word for word in route.name.split("_") if word not in nouns)
    return f"{tag}_{action or route.name}"


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


def _drop_fastapi_422(schema: dict[str, Any]) -> None:
    found = schema.get("components", {}).get("schemas", {})
    for name in _FASTAPI_422:
        found.pop(name, None)


def build(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=(app.description or "") + ABOUT_ERRORS,
        routes=app.routes,
    )
    components = schema.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    components["headers"] = responses.HEADERS
    for route in _api_routes(app.routes):
        if not route.include_in_schema:
            continue
        calls = _calls(route.dependant)
        security = None
        if current_auth in calls or any(isinstance(c, ClaimScopeCheck) for c in calls):
            security = REQUIRED
        elif optional_auth in calls:
            security = OPTIONAL
        success = str(route.status_code or 200)
        for method in route.methods or ():
            operation = schema["paths"][route.path_format][method.lower()]
            if security is not None:
                operation["security"] = security
            responses.document(operation, route, calls, success)
    _drop_fastapi_422(schema)
    schema["tags"] = _tags(schema)
    return schema


def _tags(schema: dict[str, Any]) -> list[dict[str, str]]:
    """Every tag an operation uses, described (a new tag gets its name as description)."""
    used = {
        tag
        for item in schema["paths"].values()
        for op in item.values()
        for tag in op.get("tags", [])
    }
    ordered = [*TAG_DESCRIPTIONS, *sorted(used - set(TAG_DESCRIPTIONS))]
    return [{"name": t, "description": TAG_DESCRIPTIONS.get(t, t)} for t in ordered if t in used]


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if not app.openapi_schema:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

"""OpenAPI descriptions of responses: the error statuses a route declares (`errors()`), and the
headers and statuses every operation gets from one post-processing step (`document()`).

How a new route gets its headers: nothing to write. `document()` derives them from what the
route depends on or returns —
- every response: `X-Request-ID`; every operation: 422 in the error envelope (a repeated query
  parameter is a 422 anywhere), 413 where there is a body; 429 carries `Retry-After`;
- a `PageDep` listing: `X-Total-Count` and `Link`; a `CursorPageDep` one: also `X-Next-Cursor`;
- a `response_model` in `VERSIONED` (the resources with ETags): `ETag` on success and
  `Location` on 201; the `If-None-Match` dependency: a 304; the `If-Match` one: a 412.
A route only lists, with `errors(...)`, the other error statuses it can answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from fastapi import Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import Row

from homebase.api.deps import cursor_page_params, page_params
from homebase.api.etag import if_match, if_none_match
from homebase.schemas.common import ErrorResponse
from homebase.schemas.contact import ContactPublic
from homebase.schemas.task import TaskPublic

_DESCRIPTIONS = {
    400: "Bad request (for example, the new passwords differ)",
    401: "No credentials, or bad ones",
    403: "Authenticated, but not allowed",
    404: "Not found (or not yours)",
    409: "Conflicts with existing data",
    412: "The resource changed since the ETag given in If-Match",
    413: "Body over the size limit (HOMEBASE_MAX_BODY_BYTES)",
    422: "Invalid input: `errors` names each field",
    429: "Too many requests; see Retry-After",
    503: "Database unavailable",
}

# Response models of the resources that carry a strong ETag (see api/etag.py).
VERSIONED: tuple[type, ...] = (TaskPublic, ContactPublic)

_STRING = {"type": "string"}
_COUNT = {"type": "string", "pattern": "^[0-9]+$"}
# Referenced from every response that carries them; `required` where they are always sent.
HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "The request's id (the client's own when it sent a safe one), as logged",
        "required": True,
        "schema": _STRING,
    },
    "ETag": {
        "description": "Strong entity tag of the resource",
        "required": True,
        "schema": _STRING,
    },
    "Location": {
        "description": "Path of the created resource",
        "required": True,
        "schema": _STRING,
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again (always sent with a 429)",
        "schema": _COUNT,
    },
    "X-Total-Count": {
        "description": "Items matching the filters, over every page (offset paging only)",
        "schema": _COUNT,
    },
    "Link": {
        "description": 'RFC 8288 links to the other pages: `rel="next"`, `"prev"`, `"first"`, '
        '`"last"` (cursor paging: `next` and `first` only)',
        "schema": _STRING,
    },
    "X-Next-Cursor": {
        "description": "Cursor of the next page, when there is one (pass it as `cursor`)",
        "schema": _STRING,
    },
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry for the given error statuses (503 is always possible; 422 and 413
    are added to every operation by `document()`).

    Where credentials are checked (401), 429 is possible too: Basic credentials are refused
    while their failure budget is spent or their account is locked."""
    wanted = sorted({*codes, 503, *((429,) if 401 in codes else ())})
    return {code: {"model": ErrorResponse, "description": _DESCRIPTIONS[code]} for code in wanted}


def _header(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def _error(code: int) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/ErrorResponse"}
    return {"description": _DESCRIPTIONS[code], "content": {"application/json": {"schema": schema}}}


def _is_error_envelope(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/ErrorResponse"))


def document(operation: dict[str, Any], route: APIRoute, calls: set[Any], success: str) -> None:
    """Add the statuses and headers the central machinery gives this operation."""
    responses: dict[str, dict[str, Any]] = operation["responses"]
    responses["422"] = _error(422)
    if "requestBody" in operation:
        responses["413"] = _error(413)
    if if_match in calls:
        responses.setdefault("412", _error(412))
    versioned = isinstance(route.response_model, type) and issubclass(
        route.response_model, VERSIONED
    )
    if if_none_match in calls:
        responses["304"] = {
            "description": "Not modified (If-None-Match matched); no body",
            "headers": {"ETag": _header("ETag")},
        }
    names: list[str] = []
    if versioned:
        names += ["ETag", "Location"] if success == "201" else ["ETag"]
    if page_params in calls:
        names += ["X-Total-Count", "Link"]
    if cursor_page_params in calls:
        names += ["X-Total-Count", "Link", "X-Next-Cursor"]
    if success in responses:
        responses[success].setdefault("headers", {}).update({n: _header(n) for n in names})
    for code, response in responses.items():
        headers = response.setdefault("headers", {})
        headers["X-Request-ID"] = _header("X-Request-ID")
        if code == "429" or (code == "503" and _is_error_envelope(response)):
            headers["Retry-After"] = _header("Retry-After")


class RowJson:
    """The JSON of a public schema, built from database rows in one step.

    The hot read routes skip the ORM object, the schema instance and `response_model`'s
    second validation: a row's columns named like the schema's fields go to orjson as they
    are (the route's `response_model` still documents the shape; a test holds the bytes equal
    to the schema's own JSON)."""

    def __init__(self, schema: type[BaseModel]) -> None:
        self.fields = tuple(schema.model_fields)

    def item(self, row: Row[Any]) -> dict[str, Any]:
        mapping = row._mapping
        return {field: mapping[field] for field in self.fields}

    def one(self, row: Row[Any], headers: Mapping[str, str] | None = None) -> Response:
        return json_response(self.item(row), headers)

    def leading(self, rows: Iterable[Row[Any]]) -> Response:
        """The JSON array of rows whose leading columns are the schema's fields in its order
        (the columns after them are ignored): no lookup by name."""
        fields = self.fields
        return json_response([dict(zip(fields, row, strict=False)) for row in rows])


def json_response(content: Any, headers: Mapping[str, str] | None = None) -> Response:
    body = orjson.dumps(content, option=orjson.OPT_UTC_Z)
    return Response(body, headers=headers, media_type="application/json")

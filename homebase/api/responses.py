"""OpenAPI descriptions of the error responses each route can give, and JSON straight from
database rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from fastapi import Response
from pydantic import BaseModel
from sqlalchemy import Row

from homebase.schemas.common import ErrorResponse

_DESCRIPTIONS = {
    400: "Bad request (for example, the new passwords differ)",
    401: "No credentials, or bad ones",
    403: "Authenticated, but not allowed",
    404: "Not found (or not yours)",
    409: "Conflicts with existing data",
    412: "The resource changed since the ETag given in If-Match",
    413: "Body over the size limit (HOMEBASE_MAX_BODY_BYTES)",
    422: "Invalid payload",
    429: "Too many requests; see Retry-After",
    503: "Database unavailable",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry for the given error statuses, plus 503 (any route may lose the
    database); 422 is listed only where a route takes input.

    Where credentials are checked (401), 429 is possible too: Basic credentials are refused
    while their failure budget is spent or their account is locked."""
    wanted = sorted({*codes, 503, *((429,) if 401 in codes else ())})
    return {code: {"model": ErrorResponse, "description": _DESCRIPTIONS[code]} for code in wanted}


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

    def many(self, rows: Iterable[Row[Any]], headers: Mapping[str, str] | None = None) -> Response:
        return json_response([self.item(row) for row in rows], headers)


def json_response(content: Any, headers: Mapping[str, str] | None = None) -> Response:
    body = orjson.dumps(content, option=orjson.OPT_UTC_Z)
    return Response(body, headers=headers, media_type="application/json")

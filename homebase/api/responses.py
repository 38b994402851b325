"""OpenAPI descriptions of the error responses each route can give."""

from __future__ import annotations

from typing import Any

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

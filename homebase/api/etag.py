"""ETag response headers and `If-Match` / `If-None-Match` dependencies, for any versioned
resource (a model with `id` and `version`). Tasks and contacts follow the same rules:

- a single resource's GET, and every create/replace/update, carries its strong `ETag`;
- `If-None-Match` on GET answers 304 (no body) when it names the current ETag, or is `*`;
- `If-Match` on PUT/PATCH/DELETE is checked by the service in the same transaction as the
  write (412 `precondition_failed` when stale; `*` matches any existing resource).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Response, status

from homebase.core.preconditions import TagList, Versioned, entity_tag

MAX_HEADER = 4096


async def if_match(
    value: Annotated[
        str | None,
        Header(
            alias="If-Match",
            max_length=MAX_HEADER,
            description="Apply the change only if the resource still has this ETag (or `*`)",
        ),
    ] = None,
) -> TagList | None:
    return TagList.parse(value) if value is not None else None


async def if_none_match(
    value: Annotated[
        str | None,
        Header(
            alias="If-None-Match",
            max_length=MAX_HEADER,
            description="Answer 304 Not Modified if the resource still has this ETag",
        ),
    ] = None,
) -> TagList | None:
    return TagList.parse(value) if value is not None else None


IfMatchDep = Annotated[TagList | None, Depends(if_match)]
IfNoneMatchDep = Annotated[TagList | None, Depends(if_none_match)]


def etag_headers(obj: Versioned) -> dict[str, str]:
    # Private data: a browser may keep it, but must revalidate (cheap, thanks to the ETag).
    return {"ETag": entity_tag(obj), "Cache-Control": "private, no-cache"}


def set_etag(response: Response, obj: Versioned) -> None:
    response.headers.update(etag_headers(obj))


def not_modified(condition: TagList | None, obj: Versioned) -> Response | None:
    """The 304 answer for a GET whose `If-None-Match` still matches, else None."""
    if condition is None or not condition.matches_weak(entity_tag(obj)):
        return None
    response = Response(status_code=status.HTTP_304_NOT_MODIFIED)
    set_etag(response, obj)
    return response

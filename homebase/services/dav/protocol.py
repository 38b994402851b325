"""A DAV request and response, free of any web framework, and the dispatch between them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from homebase.core.preconditions import TagList
from homebase.services.dav.errors import MethodNotAllowed
from homebase.services.dav.resources import Caller, Level, Target
from homebase.services.dav.store import Store

# RFC 4918 class 1 and 3 (no locking), RFC 6352, RFC 4791; Apple and DAVx⁵ read this list.
DAV_HEADER = "1, 3, addressbook, calendar-access"
ALLOW_COLLECTION = "OPTIONS, GET, HEAD, PROPFIND, REPORT"
ALLOW_ITEM = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, REPORT"
READ_METHODS = frozenset({"OPTIONS", "GET", "HEAD", "PROPFIND", "REPORT"})
WRITE_METHODS = frozenset({"PUT", "DELETE"})
METHODS = sorted(
    READ_METHODS | WRITE_METHODS | {"MKCOL", "MKCALENDAR", "PROPPATCH", "MOVE", "COPY", "POST"}
)
XML_CONTENT_TYPE = "application/xml; charset=utf-8"


@dataclass(frozen=True, slots=True)
class DavRequest:
    method: str
    path: str
    body: bytes = b""
    depth: str | None = None
    content_type: str | None = None
    if_match: TagList | None = None
    if_none_match: TagList | None = None


@dataclass(slots=True)
class DavResponse:
    status: int
    body: str | AsyncIterator[str] | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def options(target: Target) -> DavResponse:
    allow = ALLOW_ITEM if target.level is Level.ITEM else ALLOW_COLLECTION
    return DavResponse(200, headers={"DAV": DAV_HEADER, "Allow": allow})


async def dispatch(
    request: DavRequest, caller: Caller, store: Store, target: Target
) -> DavResponse:
    # Imported here: each handler module imports this one for its types.
    from homebase.services.dav import propfind, reports, writes

    method = request.method
    if method == "OPTIONS":
        return options(target)
    if method == "PROPFIND":
        return await propfind.propfind(request, caller, store, target)
    if method == "REPORT":
        return await reports.report(request, caller, store, target)
    if method in ("GET", "HEAD"):
        return await writes.get(request, store, target)
    if method == "PUT" and target.level is Level.ITEM:
        return await writes.put(request, caller, store, target)
    if method == "DELETE" and target.level is Level.ITEM:
        return await writes.delete(request, store, target)
    raise MethodNotAllowed(ALLOW_ITEM if target.level is Level.ITEM else ALLOW_COLLECTION)

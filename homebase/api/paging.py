"""`X-Total-Count`, `X-Next-Cursor` and RFC 8288 `Link` headers for paged collections."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import Request, Response

from homebase.api.deps import PageParams
from homebase.services.paging import Page, PageRequest

NEXT_CURSOR = "X-Next-Cursor"


class _Links:
    """The request's URL with other paging values, as Starlette's `include_query_params`
    gives it (the other parameters kept in order, the paging ones last), from one parse of
    the query instead of one per link."""

    def __init__(self, request: Request, *paging: str) -> None:
        url = str(request.url)
        self.base, _, query = url.partition("?")
        self.kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in paging]

    def link(self, rel: str, **paging: object) -> str:
        query = urlencode([*self.kept, *((k, str(v)) for k, v in paging.items())])
        return f'<{self.base}?{query}>; rel="{rel}"'


def set_page_headers(request: Request, response: Response, page: PageParams, total: int) -> None:
    response.headers["X-Total-Count"] = str(total)
    links = _Links(request, "limit", "offset")
    found = []
    if page.offset + page.limit < total:
        found.append(links.link("next", limit=page.limit, offset=page.offset + page.limit))
    if page.offset > 0:
        prev = max(0, page.offset - page.limit)
        found.append(links.link("prev", limit=page.limit, offset=prev))
    if total > 0:
        last_offset = ((total - 1) // page.limit) * page.limit
        found.append(links.link("first", limit=page.limit, offset=0))
        found.append(links.link("last", limit=page.limit, offset=last_offset))
    if found:
        response.headers["Link"] = ", ".join(found)


def _set_cursor_links(
    request: Request, response: Response, page: PageRequest, nxt: str | None
) -> None:
    """Cursor mode: no total and no `last` (both would need the count cursors avoid)."""
    links = _Links(request, "limit", "cursor")
    found = []
    if nxt is not None:
        found.append(links.link("next", limit=page.limit, cursor=nxt))
    found.append(links.link("first", limit=page.limit, cursor=""))
    response.headers["Link"] = ", ".join(found)


def set_listing_headers(
    request: Request, response: Response, page: PageRequest, result: Page[Any]
) -> None:
    """Offset mode keeps the offset headers; either mode names the next page's cursor in
    `X-Next-Cursor`, so a client may switch to cursors at any page."""
    if result.next_cursor is not None:
        response.headers[NEXT_CURSOR] = result.next_cursor
    if page.cursor is None and result.total is not None:
        set_page_headers(request, response, PageParams(page.limit, page.offset), result.total)
    else:
        _set_cursor_links(request, response, page, result.next_cursor)

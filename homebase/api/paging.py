"""`X-Total-Count`, `X-Next-Cursor` and RFC 8288 `Link` headers for paged collections."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from homebase.api.deps import PageParams
from homebase.services.paging import Page, PageRequest

NEXT_CURSOR = "X-Next-Cursor"


def set_page_headers(request: Request, response: Response, page: PageParams, total: int) -> None:
    response.headers["X-Total-Count"] = str(total)
    links = []
    url = request.url
    if page.offset + page.limit < total:
        nxt = url.include_query_params(limit=page.limit, offset=page.offset + page.limit)
        links.append(f'<{nxt}>; rel="next"')
    if page.offset > 0:
        prev = url.include_query_params(limit=page.limit, offset=max(0, page.offset - page.limit))
        links.append(f'<{prev}>; rel="prev"')
    if total > 0:
        first = url.include_query_params(limit=page.limit, offset=0)
        last_offset = ((total - 1) // page.limit) * page.limit
        last = url.include_query_params(limit=page.limit, offset=last_offset)
        links.append(f'<{first}>; rel="first"')
        links.append(f'<{last}>; rel="last"')
    if links:
        response.headers["Link"] = ", ".join(links)


def _set_cursor_links(
    request: Request, response: Response, page: PageRequest, nxt: str | None
) -> None:
    """Cursor mode: no total and no `last` (both would need the count cursors avoid)."""
    url = request.url
    links = []
    if nxt is not None:
        links.append(f'<{url.include_query_params(limit=page.limit, cursor=nxt)}>; rel="next"')
    links.append(f'<{url.include_query_params(limit=page.limit, cursor="")}>; rel="first"')
    response.headers["Link"] = ", ".join(links)


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

"""`X-Total-Count` and RFC 8288 `Link` headers for paged collections."""

from __future__ import annotations

from fastapi import Request, Response

from homebase.routers.deps import PageParams


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

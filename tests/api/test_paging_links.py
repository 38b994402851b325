"""The `Link` headers are built from one parse of the query: each link is the URL Starlette's
`include_query_params` gives, for any query a client may send."""

from __future__ import annotations

import pytest
from fastapi import Response
from starlette.requests import Request

from homebase.api.deps import PageParams
from homebase.api.paging import set_listing_headers, set_page_headers
from homebase.services.paging import Page, PageRequest

QUERIES = [
    b"",
    b"limit=2",
    b"offset=4&limit=2&sort=-due_date",
    b"q=caf%C3%A9+%26+co&status=%D0%BD%D0%BE%D0%B2%D0%B0%D1%8F&limit=3",
    b"empty=&flag&limit=1&x=a%2Bb%20c",
    b"cursor=&limit=2&sort=title",
]


def _request(query: bytes) -> Request:
    return Request(
        {
            "type": "http", "method": "GET", "scheme": "https", "path": "/tasks",
            "raw_path": b"/tasks", "query_string": query, "root_path": "",
            "headers": [(b"host", b"hb.example:8443")], "server": ("hb.example", 8443),
        }
    )  # fmt: skip


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize(
    ("limit", "offset", "total"), [(2, 0, 5), (2, 2, 5), (3, 9, 10), (1, 0, 0)]
)
def test_offset_links_are_starlettes(query: bytes, limit: int, offset: int, total: int) -> None:
    request, response = _request(query), Response()
    set_page_headers(request, response, PageParams(limit, offset), total)
    url = request.url
    expected = []
    if offset + limit < total:
        expected.append(("next", url.include_query_params(limit=limit, offset=offset + limit)))
    if offset > 0:
        prev = max(0, offset - limit)
        expected.append(("prev", url.include_query_params(limit=limit, offset=prev)))
    if total > 0:
        last = ((total - 1) // limit) * limit
        expected.append(("first", url.include_query_params(limit=limit, offset=0)))
        expected.append(("last", url.include_query_params(limit=limit, offset=last)))
    assert response.headers.get("x-total-count") == str(total)
    if not expected:
        assert "link" not in response.headers
        return
    assert response.headers["link"] == ", ".join(f'<{u}>; rel="{rel}"' for rel, u in expected)


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("nxt", ["eyJvIjoidCJ9", None])
def test_cursor_links_are_starlettes(query: bytes, nxt: str | None) -> None:
    request, response = _request(query), Response()
    set_listing_headers(request, response, PageRequest(2, 0, ""), Page([], None, nxt))
    url = request.url
    expected = [] if nxt is None else [("next", url.include_query_params(limit=2, cursor=nxt))]
    expected.append(("first", url.include_query_params(limit=2, cursor="")))
    assert response.headers["link"] == ", ".join(f'<{u}>; rel="{rel}"' for rel, u in expected)
    assert response.headers.get("x-next-cursor") == nxt

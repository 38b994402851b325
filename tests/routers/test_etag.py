"""ETag helpers: strong tags from id + version, If-Match and If-None-Match comparison."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from homebase.core.errors import PreconditionFailed
from homebase.routers.etag import check_if_match, etag_for, not_modified

TAG = etag_for(7, 3)


def request_with(headers: dict[str, str]) -> Request:
    raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw})


def test_etag_is_strong_and_changes_with_id_and_version() -> None:
    assert TAG.startswith('"') and TAG.endswith('"')
    assert len({etag_for(7, 3), etag_for(7, 4), etag_for(8, 3), etag_for(73, 1)}) == 4


@pytest.mark.parametrize("header", [None, TAG, "*", f'"other", {TAG}', f' {TAG} ,"x"'])
def test_if_match_passes(header: str | None) -> None:
    check_if_match(header, TAG)


@pytest.mark.parametrize("header", ["", '"other"', f"W/{TAG}", etag_for(7, 2), TAG.strip('"')])
def test_if_match_fails_with_412(header: str) -> None:
    with pytest.raises(PreconditionFailed):
        check_if_match(header, TAG)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, False),
        ({"If-None-Match": TAG}, True),
        ({"If-None-Match": f"W/{TAG}"}, True),
        ({"If-None-Match": "*"}, True),
        ({"If-None-Match": f'"a", {TAG}'}, True),
        ({"If-None-Match": etag_for(7, 2)}, False),
        ({"If-Match": TAG}, False),
    ],
)
def test_not_modified(headers: dict[str, str], expected: bool) -> None:
    assert not_modified(request_with(headers), TAG) is expected

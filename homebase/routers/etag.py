"""Strong ETags from a row's id and version, and the If-Match / If-None-Match rules (RFC 9110)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Request

from homebase.core.errors import PreconditionFailed

IfMatch = Annotated[
    str | None,
    Header(
        max_length=1024,
        description="Apply only if the resource still has one of these ETags (or `*`)",
    ),
]


def etag_for(resource_id: int, version: int) -> str:
    return f'"{resource_id}-{version}"'


def _tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def matches_strong(header: str, etag: str) -> bool:
    """If-Match: `*` or an identical strong tag (a weak tag never matches)."""
    tags = _tags(header)
    return "*" in tags or etag in tags


def matches_weak(header: str, etag: str) -> bool:
    """If-None-Match: `*` or the same opaque tag, weak or strong."""
    tags = _tags(header)
    return "*" in tags or _opaque(etag) in {_opaque(tag) for tag in tags}


def check_if_match(header: str | None, current_etag: str) -> None:
    """Raise 412 unless an If-Match header (when given) names the current ETag."""
    if header is not None and not matches_strong(header, current_etag):
        raise PreconditionFailed()


def not_modified(request: Request, etag: str) -> bool:
    """Whether a GET may be answered 304: If-None-Match names the current ETag."""
    header = request.headers.get("if-none-match")
    return header is not None and matches_weak(header, etag)

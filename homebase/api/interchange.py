"""HTTP pieces shared by the vCard and iCalendar routes: raw bodies, text answers, reports."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import Query, Request, Response

from homebase.core.i18n import translate
from homebase.core.preconditions import TagList
from homebase.schemas.interchange import ImportFailure, ImportReportPublic
from homebase.services.interchange.report import ImportReport

VCARD = "text/vcard; charset=utf-8"
CALENDAR = "text/calendar; charset=utf-8"


DryRun = Annotated[bool, Query(description="Report what would change; change nothing")]


def file_responses(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI 200 of a route that answers a file rather than JSON."""
    return {200: {"content": {media_type: {}}, "description": description}}


def import_body(media_type: str) -> dict[str, Any]:
    """The OpenAPI `requestBody` of an import: a file in `media_type`, not JSON."""
    content = {media_type: {"schema": {"type": "string"}}}
    return {"requestBody": {"required": True, "content": content}}


def etag_matches(request: Request, tag: str) -> bool:
    """Whether the request's `If-None-Match` names `tag` (weak comparison, RFC 9110)."""
    header = request.headers.get("if-none-match")
    return header is not None and TagList.parse(header).matches_weak(tag)


def text_response(
    request: Request, text: str, media_type: str, filename: str | None = None
) -> Response:
    """`text` with a strong ETag of its bytes; 304 when `If-None-Match` names it."""
    body = text.encode("utf-8")
    tag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": tag, "Cache-Control": "private, no-cache"}
    if filename is not None:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if etag_matches(request, tag):
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type=media_type, headers=headers)


def report_public(request: Request, report: ImportReport) -> ImportReportPublic:
    locale = getattr(request.state, "locale", None) or "en"
    failed = [
        ImportFailure(
            index=error.index,
            uid=error.uid,
            code=error.code,
            message=translate(f"import.{error.code}", locale),
        )
        for error in report.failed
    ]
    return ImportReportPublic(
        created=report.created, updated=report.updated, unchanged=report.unchanged, failed=failed
    )

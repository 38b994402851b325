"""Bodies over `HOMEBASE_MAX_BODY_BYTES` are 413: refused before a byte is read when
`Content-Length` says so, and cut off while reading when it is missing or lies."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from homebase.api.errors import envelope
from homebase.core.i18n import translate


class BodyTooLarge(HTTPException):
    """Raised while a body without (or with a lying) Content-Length is read past the limit.
    An HTTPException, because FastAPI's body reader lets those through to the handlers and
    turns any other exception into a 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413)
        self.params = {"limit": limit}


# vCard / iCalendar imports take whole address books, and a DAV client's first sync names a
# whole collection in one REPORT (services/dav/xml.py bounds the XML further): they have the
# import limit.
IMPORT_SUFFIX = "/import"
DAV_PREFIX = "/dav/"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_import_bytes: int) -> None:
        self.app = app
        self.body_limit = max_body_bytes
        self.import_limit = max_import_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        large = path.endswith(IMPORT_SUFFIX) or path.startswith(DAV_PREFIX)
        limit = self.import_limit if large else self.body_limit
        content_length = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                content_length = value
                break
        if content_length is not None and (
            not content_length.isdigit() or int(content_length) > limit
        ):
            response = _too_large_response(scope["state"]["locale"], limit)
            await response(scope, receive, send)
            return
        await self.app(scope, _counting_receive(receive, limit), send)


def _too_large_response(locale: str, limit: int) -> Response:
    message = translate("payload_too_large", locale, limit=limit)
    return envelope(413, "payload_too_large", message, headers={"Connection": "close"})


def _counting_receive(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return counted

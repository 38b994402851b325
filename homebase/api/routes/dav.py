"""CardDAV / CalDAV under /dav/ and the two well-known addresses (SPEC §9).

DAV clients are not JSON clients: every answer here, errors included, is XML or the stored
card / calendar. The session is held for as long as a multistatus streams, so a PROPFIND over
ten thousand cards never builds the whole document in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.api.deps import app_state, current_auth
from homebase.core.errors import AppError, Unauthorized
from homebase.core.i18n import translate
from homebase.core.preconditions import TagList
from homebase.db.session import session_scope
from homebase.models import User
from homebase.services.dav import protocol, resources, xml
from homebase.services.dav.access import may_use_dav
from homebase.services.dav.dbstore import DbStore
from homebase.services.dav.errors import DavError
from homebase.services.dav.protocol import DavRequest, DavResponse
from homebase.services.dav.store import Store

StoreFactory = Callable[[AsyncSession, User], Store]
# Basic only, one realm for every path: iOS and DAVx⁵ show one password prompt per realm.
WWW_AUTHENTICATE = 'Basic realm="homebase", charset="UTF-8"'
_CHUNK = 64 * 1024


async def store_factory() -> StoreFactory:
    """How a request's store is made: the database (tests may put another store here)."""
    return DbStore


StoreFactoryDep = Annotated[StoreFactory, Depends(store_factory)]
router = APIRouter(include_in_schema=False)


@router.api_route("/.well-known/carddav", methods=protocol.METHODS)
@router.api_route("/.well-known/caldav", methods=protocol.METHODS)
@router.api_route("/dav", methods=protocol.METHODS)
@router.api_route("/dav/{path:path}", methods=protocol.METHODS)
async def dav(request: Request, make_store: StoreFactoryDep) -> Response:
    """CardDAV and CalDAV: discovery, PROPFIND, REPORT, GET, PUT, DELETE."""
    dav_request = await _dav_request(request)
    if dav_request.method == "OPTIONS":
        return _render(protocol.options(resources.Target(resources.Level.ITEM, dav_request.path)))
    try:
        return await _serve(request, dav_request, make_store)
    except AppError as exc:
        return _error(request, exc)


async def _dav_request(request: Request) -> DavRequest:
    headers = request.headers
    return DavRequest(
        method=request.method.upper(),
        path=request.scope["path"],
        body=await request.body(),
        depth=headers.get("depth"),
        content_type=headers.get("content-type"),
        if_match=_tags(headers.get("if-match")),
        if_none_match=_tags(headers.get("if-none-match")),
    )


def _tags(value: str | None) -> TagList | None:
    return TagList.parse(value) if value is not None else None


async def _serve(request: Request, dav_request: DavRequest, make_store: StoreFactory) -> Response:
    state = app_state(request)
    reads = dav_request.method in protocol.READ_METHODS
    stack = AsyncExitStack()
    session = await stack.enter_async_context(session_scope(state.read_sessions))
    try:
        principal = await current_auth(request, session)
        if not may_use_dav(principal):
            raise Unauthorized()
        user = principal.user
        if not reads:
            # The password was checked outside the write transaction (it holds SQLite's lock).
            await stack.aclose()
            session = await stack.enter_async_context(session_scope(state.write_sessions))
        caller = resources.Caller(user.id, user.name, user.email)
        target = resources.locate(dav_request.path, caller)
        result = await protocol.dispatch(dav_request, caller, make_store(session, user), target)
        if isinstance(result.body, str | None):
            await stack.aclose()  # commits: a failed commit is never a 2xx
            return _render(result)
    except BaseException as exc:
        await stack.__aexit__(type(exc), exc, exc.__traceback__)  # rolls back, or keeps an audit
        raise
    return _stream(result, result.body, stack)


def _render(result: DavResponse) -> Response:
    body = result.body if isinstance(result.body, str) else None
    return Response(
        body, status_code=result.status, headers=result.headers, media_type=result.content_type
    )


def _stream(result: DavResponse, chunks: AsyncIterator[str], stack: AsyncExitStack) -> Response:
    async def body() -> AsyncIterator[bytes]:
        async with stack:
            buffer: list[str] = []
            size = 0
            async for chunk in chunks:
                buffer.append(chunk)
                size += len(chunk)
                if size >= _CHUNK:
                    yield "".join(buffer).encode()
                    buffer, size = [], 0
            yield "".join(buffer).encode()

    return StreamingResponse(
        body(), status_code=result.status, headers=result.headers, media_type=result.content_type
    )


def _error(request: Request, exc: AppError) -> Response:
    locale = getattr(request.state, "locale", None) or "en"
    message = translate(exc.message_key, locale, **exc.params)
    condition = ""
    if isinstance(exc, DavError) and exc.condition:
        inner = xml.href(exc.condition_inner) if exc.condition_inner else ""
        condition = xml.element(exc.condition, inner)
    headers = dict(exc.headers)
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return Response(
        xml.error_document(condition, message),
        status_code=exc.status_code,
        headers=headers,
        media_type=protocol.XML_CONTENT_TYPE,
    )

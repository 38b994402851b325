"""Reusable dependencies, one `Annotated` alias each: the session, the caller, the client."""

from __future__ import annotations

import binascii
from base64 import b64decode
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from homebase.app_state import AppState
from homebase.core.app_passwords import Scope, grants
from homebase.core.cursor import MAX_LENGTH as CURSOR_MAX_LENGTH
from homebase.core.errors import (
    AdminRequired,
    AppPasswordNotAllowed,
    FieldError,
    InsufficientScope,
    InvalidCredentials,
    Unauthorized,
)
from homebase.core.security import AppPasswordClaim, SessionClaim
from homebase.db.session import session_scope
from homebase.models import User
from homebase.schemas.common import MAX_ID
from homebase.services.accounts import (
    Accounts,
    BasicCredential,
    BearerCredential,
    Caller,
    Claim,
    Credential,
    Principal,
)
from homebase.services.app_passwords import TokenGrant
from homebase.services.audit import ClientInfo
from homebase.services.paging import PageRequest


async def get_state(request: Request) -> AppState:
    return app_state(request)


StateDep = Annotated[AppState, Depends(get_state)]


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.homebase
    return state


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    state = app_state(request)
    factory = state.read_sessions if request.method in SAFE_METHODS else state.write_sessions
    async with session_scope(factory) as session:
        yield session


# scope="function": commit before the response is sent, so a failed commit is never a 2xx.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


@asynccontextmanager
async def reading(request: Request) -> AsyncIterator[AsyncConnection]:
    """One pooled connection for a hot read route (a task by id, the task list), opened by
    the route itself, with no ORM session: the route confirms its caller's claim and reads
    on it (a generator dependency would cost a fifth of such a request in FastAPI's
    machinery). An app password's use (see `Accounts.confirm`) is written once the
    connection is back in the pool, whether the route answered or failed."""
    state = app_state(request)
    try:
        async with state.read_engine.connect() as connection:
            yield connection
    finally:
        claim = getattr(request.state, "claim", None)
        if isinstance(claim, AppPasswordClaim) and claim.use is not None:
            await state.accounts.note_use(claim.use, client_info(request))


async def confirm(request: Request, reader: AsyncConnection, claim: Claim) -> Caller:
    """The caller behind `claim`, confirmed on the route's connection (`Accounts.confirm`)."""
    caller = await app_state(request).accounts.confirm(reader, claim)
    request.state.user_id = caller.id
    return caller


def client_info(request: Request) -> ClientInfo:
    return ClientInfo(
        ip=getattr(request.state, "client_ip", None)
        or (request.client.host if request.client else None),
        user_agent=request.headers.get("user-agent"),
    )


async def get_client(request: Request) -> ClientInfo:
    return client_info(request)


# Every dependency is `async def`: FastAPI runs a plain `def` one in the thread pool.
ClientDep = Annotated[ClientInfo, Depends(get_client)]


async def get_locale(request: Request) -> str:
    """The language of the request (en, ru, uk), as the locale middleware negotiated it."""
    return str(getattr(request.state, "locale", None) or app_state(request).settings.default_locale)


# The language of what the request causes beyond its answer (a mail).
LocaleDep = Annotated[str, Depends(get_locale)]


async def get_accounts(request: Request) -> Accounts:
    return app_state(request).accounts


# The account manager (services/accounts.py): sign-up, sign-in, credentials, unlocking.
AccountsDep = Annotated[Accounts, Depends(get_accounts)]


def parse_basic(value: str) -> tuple[str, str] | None:
    try:
        decoded = b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    login, sep, password = decoded.partition(":")
    if not sep or not login or not password:
        return None
    return login, password


def credential_of(request: Request) -> Credential:
    """The credential in the `Authorization` header (the transport); the manager decides
    what it proves."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    scheme, value = scheme.lower(), value.strip()
    if scheme == "bearer" and value:
        return BearerCredential(value)
    if scheme == "basic" and value:
        parsed = parse_basic(value)
        if parsed is None:
            raise InvalidCredentials()
        return BasicCredential(*parsed)
    raise Unauthorized()


async def _authenticate(request: Request, session: AsyncSession) -> Principal:
    accounts = app_state(request).accounts
    principal = await accounts.authenticate(session, credential_of(request), client_info(request))
    request.state.user_id = principal.user.id
    return principal


# The routes that depend on these are marked in the OpenAPI document as taking Basic or
# Bearer credentials (see `routers/openapi.py`); the header is read here, once.
async def current_auth(request: Request, session: SessionDep) -> Principal:
    """The caller, from `Authorization: Bearer <access token>` or `Basic <login:password>`."""
    return await _authenticate(request, session)


async def optional_auth(request: Request, session: SessionDep) -> Principal | None:
    """The caller when credentials are given, else None (for routes open to anyone)."""
    if not request.headers.get("authorization", "").strip():
        return None
    return await _authenticate(request, session)


async def claimed_caller(request: Request) -> Claim:
    """The caller of a hot read route: a login session's token or an app password is only
    claimed here (`Accounts.claim`), and the route confirms it on its own connection."""
    who = await app_state(request).accounts.claim(credential_of(request), client_info(request))
    if isinstance(who, SessionClaim):
        request.state.user_id = who.user_id
    elif isinstance(who, Caller):
        request.state.user_id = who.id
    request.state.claim = who  # `reading` writes an app password's use, if any
    return who


OptionalAuthDep = Annotated[Principal | None, Depends(optional_auth)]
AuthDep = Annotated[Principal, Depends(current_auth)]


async def current_user(principal: AuthDep) -> User:
    return principal.user


CurrentUser = Annotated[User, Depends(current_user)]


def _refuse_app_password(principal: Principal) -> Principal:
    if principal.app_password is not None:
        raise AppPasswordNotAllowed()
    return principal


async def account_auth(principal: AuthDep) -> Principal:
    """The caller signed in with the password or a login session. Managing the account
    (password, email, app passwords, sessions, MFA, feeds, the full export, deletion, and
    every admin endpoint) takes this: an app password is 403 there, whatever its scopes."""
    return _refuse_app_password(principal)


async def optional_account_auth(principal: OptionalAuthDep) -> Principal | None:
    """`account_auth` for routes open to anyone (registration, where an admin may do more)."""
    return None if principal is None else _refuse_app_password(principal)


AccountAuth = Annotated[Principal, Depends(account_auth)]
OptionalAccountAuth = Annotated[Principal | None, Depends(optional_account_auth)]


async def account_user(principal: AccountAuth) -> User:
    return principal.user


AccountUser = Annotated[User, Depends(account_user)]


def _require_scope(grant: TokenGrant | None, scope: str) -> None:
    if grant is not None and not grants(grant.scopes, scope):
        raise InsufficientScope(scope)


@dataclass(frozen=True, slots=True)
class ScopeCheck:
    """The caller, when a password, a session, or an app password holding `scope`."""

    scope: str

    async def __call__(self, principal: AuthDep) -> User:
        _require_scope(principal.app_password, self.scope)
        return principal.user


@dataclass(frozen=True, slots=True)
class ClaimScopeCheck:
    """`ScopeCheck` for a hot read route: a login session has every scope; an app password's
    is checked on the token's row, by the route's statement."""

    scope: str

    # It reads the credential itself (`claimed_caller`) rather than depending on a second
    # dependency: each one FastAPI resolves costs a hot read some 5 % of its CPU.
    async def __call__(self, request: Request) -> Claim:
        who = await claimed_caller(request)
        if isinstance(who, Caller):
            _require_scope(who.app_password, self.scope)
        elif isinstance(who, AppPasswordClaim):
            who.scope = self.scope  # checked by the statement's reader, on the token's row
        return who


@dataclass(frozen=True, slots=True)
class ResourceScopeCheck:
    """A router-wide scope: `<resource>:read` for GET and HEAD, `<resource>:write` else."""

    resource: str

    async def __call__(self, request: Request, principal: AuthDep) -> User:
        action = "read" if request.method in SAFE_METHODS else "write"
        _require_scope(principal.app_password, f"{self.resource}:{action}")
        return principal.user


@cache
def Scoped(scope: Scope) -> Any:
    """A dependency on the caller that an app password passes only with `scope`:
    `Annotated[User, Scoped("account:read")]`."""
    return Depends(ScopeCheck(scope))


@cache
def ClaimScoped(scope: Scope) -> Any:
    """`Scoped` for a hot read route, which confirms the claim itself:
    `Annotated[Claim, ClaimScoped("tasks:read")]`."""
    return Depends(ClaimScopeCheck(scope))


@cache
def ResourceScoped(resource: str) -> Any:
    """For `APIRouter(dependencies=[ResourceScoped("tasks")])`: GET reads, the rest writes."""
    return Depends(ResourceScopeCheck(resource))


AccountReader = Annotated[User, Scoped("account:read")]


async def admin_user(user: AccountUser) -> User:
    if not user.is_admin:
        raise AdminRequired()
    return user


AdminUser = Annotated[User, Depends(admin_user)]


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    offset: int


async def page_params(
    limit: Annotated[int, Query(ge=1, le=100, description="Page size (at most 100)")] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31, description="Items to skip")] = 0,
) -> PageParams:
    return PageParams(limit, offset)


PageDep = Annotated[PageParams, Depends(page_params)]


# The parameters of offset or cursor paging, shared by `cursor_page_params` and the query
# models that read them in one step (api/query.py).
PageLimit = Annotated[int, Query(ge=1, le=100, description="Page size (at most 100)")]
PageOffset = Annotated[
    int | None, Query(ge=0, le=2**31, description="Items to skip (not with `cursor`)")
]
PageCursor = Annotated[
    str | None,
    Query(
        max_length=CURSOR_MAX_LENGTH,
        description="Resume after the page this cursor came from (`X-Next-Cursor`, or the "
        '`rel="next"` link); empty to start a cursor walk. Not with `offset`.',
    ),
]


def page_request(limit: int, offset: int | None, cursor: str | None) -> PageRequest:
    if cursor is not None and offset is not None:
        raise FieldError("cursor", "cursor_with_offset")
    return PageRequest(limit, offset or 0, cursor)


async def cursor_page_params(
    limit: PageLimit = 50, offset: PageOffset = None, cursor: PageCursor = None
) -> PageRequest:
    return page_request(limit, offset, cursor)


# Offset or cursor paging, for the listings that support both (see services/paging.py).
CursorPageDep = Annotated[PageRequest, Depends(cursor_page_params)]

# An id in a path: out-of-range ids are a 422, never an overflow in the database driver.
ResourceId = Annotated[int, Path(ge=1, le=MAX_ID, description="The resource's id")]

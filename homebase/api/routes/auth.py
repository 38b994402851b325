"""Registration, login, token refresh and sessions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Response, status
from pydantic import AfterValidator

from homebase.api.deps import (
    AccountAuth,
    AccountReader,
    AccountsDep,
    AccountUser,
    ClientDep,
    LocaleDep,
    SessionDep,
)
from homebase.api.responses import errors
from homebase.schemas.auth import LoginRequest, RefreshRequest, SessionPublic, TokenPair
from homebase.schemas.common import check_text
from homebase.schemas.user import UserCreate, UserPublic
from homebase.services import auth as auth_service

router = APIRouter(tags=["auth"])
compat = APIRouter(tags=["compatibility"])


@router.post(
    "/auth/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPublic,
    responses=errors(409, 422, 429),
)
async def register(
    data: UserCreate, session: SessionDep, accounts: AccountsDep, client: ClientDep
) -> UserPublic:
    """Create an account (an `is_admin` field is ignored here)."""
    return UserPublic.model_validate(await accounts.register(session, data, client))


@router.post("/auth/login", response_model=TokenPair, responses=errors(401, 403, 422, 429))
async def login(
    data: LoginRequest,
    session: SessionDep,
    accounts: AccountsDep,
    client: ClientDep,
    locale: LocaleDep,
) -> TokenPair:
    """Log in with `{email | username | login, password}`; returns an access/refresh pair."""
    return await accounts.login(session, data.identifier, data.password, client, locale)


@router.post("/auth/token", response_model=TokenPair, responses=errors(401, 403, 422, 429))
async def token(
    username: Annotated[str, Form(max_length=254), AfterValidator(check_text)],
    password: Annotated[str, Form(min_length=1, max_length=1024), AfterValidator(check_text)],
    session: SessionDep,
    accounts: AccountsDep,
    client: ClientDep,
    locale: LocaleDep,
) -> TokenPair:
    """OAuth2 password flow (the form Swagger's Authorize button sends)."""
    data = LoginRequest(login=username, password=password)
    return await accounts.login(session, data.identifier, data.password, client, locale)


@router.post("/auth/refresh", response_model=TokenPair, responses=errors(401, 422, 429))
async def refresh(
    data: RefreshRequest, session: SessionDep, accounts: AccountsDep, client: ClientDep
) -> TokenPair:
    """Spend a refresh token for a new pair; a spent token presented again ends the session."""
    return await accounts.refresh(session, data.refresh_token, client)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, responses=errors(422))
async def logout(data: RefreshRequest, session: SessionDep, client: ClientDep) -> Response:
    """End the session of a refresh token."""
    await auth_service.logout(session, data.refresh_token, client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/auth/me", response_model=UserPublic, responses=errors(401))
async def me(user: AccountReader) -> UserPublic:
    """The authenticated user."""
    return UserPublic.model_validate(user)


@router.get("/auth/sessions", response_model=list[SessionPublic], responses=errors(401))
async def sessions(principal: AccountAuth, session: SessionDep) -> list[SessionPublic]:
    """The caller's open sessions, one per login."""
    return await auth_service.list_sessions(session, principal.user, principal.session_id)


@router.delete(
    "/auth/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 404, 422),
)
async def end_session(
    session_id: Annotated[str, Path(max_length=64, pattern=r"^[0-9A-Za-z_-]+$")],
    user: AccountUser,
    session: SessionDep,
    client: ClientDep,
) -> Response:
    """End one of the caller's sessions."""
    await auth_service.end_session(session, user, session_id, client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/auth/logout-all", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401))
async def logout_all(user: AccountUser, session: SessionDep, client: ClientDep) -> Response:
    """End every session of the caller."""
    await auth_service.end_all_sessions(session, user, client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@compat.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPublic,
    responses=errors(409, 422, 429),
)
async def register_alias(
    data: UserCreate, session: SessionDep, accounts: AccountsDep, client: ClientDep
) -> UserPublic:
    """Alias of `POST /auth/register` for the Flask-era client."""
    return await register(data, session, accounts, client)


@compat.post("/login", response_model=TokenPair, responses=errors(401, 422, 429))
async def login_alias(
    data: LoginRequest,
    session: SessionDep,
    accounts: AccountsDep,
    client: ClientDep,
    locale: LocaleDep,
) -> TokenPair:
    """Alias of `POST /auth/login` for the Flask-era client."""
    return await login(data, session, accounts, client, locale)

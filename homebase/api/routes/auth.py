"""Registration, login, token refresh and sessions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Response, status
from pydantic import AfterValidator
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.api.deps import (
    AuthDep,
    ClientDep,
    CurrentUser,
    LocaleDep,
    ReadSessionDep,
    SessionDep,
    StateDep,
)
from homebase.api.responses import errors
from homebase.app_state import AppState
from homebase.schemas.auth import LoginRequest, RefreshRequest, SessionPublic, TokenPair
from homebase.schemas.common import check_text
from homebase.schemas.user import UserCreate, UserPublic
from homebase.services import auth as auth_service
from homebase.services import email_verification, mfa_login
from homebase.services import users as user_service
from homebase.services.audit import ClientInfo

router = APIRouter(tags=["auth"])
compat = APIRouter(tags=["compatibility"])


@router.post(
    "/auth/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPublic,
    responses=errors(409, 422, 429),
)
async def register(
    data: UserCreate, session: SessionDep, state: StateDep, client: ClientDep
) -> UserPublic:
    """Create an account (an `is_admin` field is ignored here)."""
    await state.limiter.register(client.ip, data.email or data.username)
    user = await user_service.create_user(session, state.hasher, data, client=client)
    return UserPublic.model_validate(user)


async def _login(
    data: LoginRequest,
    reader: AsyncSession,
    session: AsyncSession,
    state: AppState,
    client: ClientInfo,
    locale: str,
) -> TokenPair:
    await state.limiter.login(client.ip, data.identifier)
    user = await auth_service.authenticate(
        reader, state.hasher, data.identifier, data.password, client, state.limiter.lockout
    )
    # Keep what verifying wrote (a re-hash) and hand the reader's connection back before the
    # writing transaction takes one: a login holding two pooled connections at once could
    # exhaust the pool under a burst of logins.
    await reader.commit()
    if state.settings.require_verified_email:
        await email_verification.ensure_verified_for_login(
            session,
            state.mailer,
            state.limiter,
            user,
            locale=locale,
            ttl=state.settings.email_verification_ttl,
            client=client,
        )
    await mfa_login.require_second_factor(session, user, state.settings.mfa_token_ttl, client)
    return await auth_service.start_session(
        session, state.codec, user, client, state.settings.refresh_token_ttl
    )


@router.post("/auth/login", response_model=TokenPair, responses=errors(401, 403, 422, 429))
async def login(
    data: LoginRequest,
    reader: ReadSessionDep,
    session: SessionDep,
    state: StateDep,
    client: ClientDep,
    locale: LocaleDep,
) -> TokenPair:
    """Log in with `{email | username | login, password}`; returns an access/refresh pair."""
    return await _login(data, reader, session, state, client, locale)


@router.post("/auth/token", response_model=TokenPair, responses=errors(401, 403, 422, 429))
async def token(
    username: Annotated[str, Form(max_length=254), AfterValidator(check_text)],
    password: Annotated[str, Form(min_length=1, max_length=1024), AfterValidator(check_text)],
    reader: ReadSessionDep,
    session: SessionDep,
    state: StateDep,
    client: ClientDep,
    locale: LocaleDep,
) -> TokenPair:
    """OAuth2 password flow (the form Swagger's Authorize button sends)."""
    data = LoginRequest(login=username, password=password)
    return await _login(data, reader, session, state, client, locale)


@router.post("/auth/refresh", response_model=TokenPair, responses=errors(401, 422, 429))
async def refresh(
    data: RefreshRequest, session: SessionDep, state: StateDep, client: ClientDep
) -> TokenPair:
    """Spend a refresh token for a new pair; a spent token presented again ends the session."""
    await state.limiter.refresh(client.ip)
    return await auth_service.refresh(
        session, state.codec, data.refresh_token, client, state.settings.refresh_token_ttl
    )


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, responses=errors(422))
async def logout(data: RefreshRequest, session: SessionDep, client: ClientDep) -> Response:
    """End the session of a refresh token."""
    await auth_service.logout(session, data.refresh_token, client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/auth/me", response_model=UserPublic, responses=errors(401))
async def me(user: CurrentUser) -> UserPublic:
    """The authenticated user."""
    return UserPublic.model_validate(user)


@router.get("/auth/sessions", response_model=list[SessionPublic], responses=errors(401))
async def sessions(principal: AuthDep, session: SessionDep) -> list[SessionPublic]:
    """The caller's open sessions, one per login."""
    return await auth_service.list_sessions(session, principal.user, principal.session_id)


@router.delete(
    "/auth/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 404, 422),
)
async def end_session(
    session_id: Annotated[str, Path(max_length=64, pattern=r"^[0-9A-Za-z_-]+$")],
    user: CurrentUser,
    session: SessionDep,
    client: ClientDep,
) -> Response:
    """End one of the caller's sessions."""
    await auth_service.end_session(session, user, session_id, client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/auth/logout-all", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401))
async def logout_all(user: CurrentUser, session: SessionDep, client: ClientDep) -> Response:
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
    data: UserCreate, session: SessionDep, state: StateDep, client: ClientDep
) -> UserPublic:
    """Alias of `POST /auth/register` for the Flask-era client."""
    return await register(data, session, state, client)


@compat.post("/login", response_model=TokenPair, responses=errors(401, 422, 429))
async def login_alias(
    data: LoginRequest,
    reader: ReadSessionDep,
    session: SessionDep,
    state: StateDep,
    client: ClientDep,
    locale: LocaleDep,
) -> TokenPair:
    """Alias of `POST /auth/login` for the Flask-era client."""
    return await _login(data, reader, session, state, client, locale)

"""App passwords (personal access tokens): issued, listed and revoked by the account owner."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from homebase.api.deps import AccountUser, ClientDep, ResourceId, SessionDep
from homebase.api.responses import errors
from homebase.schemas.app_password import (
    AppPasswordCreate,
    AppPasswordCreated,
    AppPasswordPublic,
)
from homebase.services import app_passwords as app_password_service

router = APIRouter(tags=["auth"])


@router.post(
    "/auth/tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=AppPasswordCreated,
    responses=errors(401, 403, 409, 422),
)
async def create_app_password(
    data: AppPasswordCreate,
    user: AccountUser,
    session: SessionDep,
    client: ClientDep,
) -> AppPasswordCreated:
    """Create an app password; its `token` is shown in this response only (sent `no-store`,
    like every /auth response)."""
    return await app_password_service.create(session, user, data, client)


@router.get("/auth/tokens", response_model=list[AppPasswordPublic], responses=errors(401, 403))
async def list_app_passwords(user: AccountUser, session: SessionDep) -> list[AppPasswordPublic]:
    """The caller's app passwords (never their secrets), newest first."""
    rows = await app_password_service.list_for(session, user)
    return [AppPasswordPublic.model_validate(row) for row in rows]


@router.delete(
    "/auth/tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 403, 404, 422),
)
async def revoke_app_password(
    token_id: ResourceId, user: AccountUser, session: SessionDep, client: ClientDep
) -> Response:
    """Revoke an app password: refused from the next request on, in every worker."""
    await app_password_service.revoke(session, user, token_id, client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

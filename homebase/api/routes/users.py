"""Users, and the profile/password endpoints of the older user microservice."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from homebase.api.deps import (
    AccountAuth,
    AccountReader,
    AccountsDep,
    AccountUser,
    ClientDep,
    CursorPageDep,
    OptionalAccountAuth,
    ResourceId,
    SessionDep,
)
from homebase.api.paging import set_listing_headers
from homebase.api.responses import errors
from homebase.core.i18n import translate
from homebase.schemas.common import ResultMessage
from homebase.schemas.user import (
    AdminPasswordChange,
    PasswordChange,
    ProfilePublic,
    ProfileResult,
    ProfileUpdate,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from homebase.services import users as user_service

router = APIRouter(tags=["users"])


@router.get("/users", response_model=list[UserPublic], responses=errors(401, 422))
async def list_users(
    request: Request,
    response: Response,
    _user: AccountReader,
    session: SessionDep,
    page: CursorPageDep,
    q: Annotated[
        str | None, Query(max_length=100, description="Search name, email, username")
    ] = None,
) -> list[UserPublic]:
    """Users by id, paged by `offset` or `cursor`; `q` searches name, email and username."""
    result = await user_service.list_users(session, q=q, page=page)
    set_listing_headers(request, response, page, result)
    return [UserPublic.model_validate(user) for user in result.items]


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPublic,
    responses=errors(401, 403, 409, 422, 429),
)
async def create_user(
    data: UserCreate,
    principal: OptionalAccountAuth,
    session: SessionDep,
    accounts: AccountsDep,
    client: ClientDep,
) -> UserPublic:
    """Register a user; an authenticated admin may also set `is_admin`."""
    user = await accounts.create_user(session, data, client, principal)
    return UserPublic.model_validate(user)


@router.get("/users/me", response_model=UserPublic, responses=errors(401))
async def read_me(user: AccountReader) -> UserPublic:
    """The authenticated user."""
    return UserPublic.model_validate(user)


@router.get("/users/{user_id}", response_model=UserPublic, responses=errors(401, 404, 422))
async def read_user(user_id: ResourceId, _user: AccountReader, session: SessionDep) -> UserPublic:
    """One user by id."""
    return UserPublic.model_validate(await user_service.get_user(session, user_id))


@router.put(
    "/users/{user_id}",
    response_model=UserPublic,
    responses=errors(401, 403, 404, 409, 422),
    name="replace_user",
)
@router.patch(
    "/users/{user_id}", response_model=UserPublic, responses=errors(401, 403, 404, 409, 422)
)
async def update_user(
    user_id: ResourceId, data: UserUpdate, user: AccountUser, session: SessionDep, client: ClientDep
) -> UserPublic:
    """Update a user (the user themself or an admin); only admins set `is_admin`/`is_active`."""
    updated = await user_service.update_user(session, user, user_id, data, client)
    return UserPublic.model_validate(updated)


@router.delete(
    "/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401, 403, 404)
)
async def delete_user(
    user_id: ResourceId, user: AccountUser, session: SessionDep, client: ClientDep
) -> Response:
    """Delete a user with their tasks, contacts and sessions."""
    await user_service.delete_user(session, user, user_id, client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/users/{user_id}/change-password",
    response_model=ResultMessage,
    responses=errors(400, 401, 403, 404, 422),
)
async def change_password(
    request: Request,
    user_id: ResourceId,
    data: AdminPasswordChange,
    principal: AccountAuth,
    session: SessionDep,
    accounts: AccountsDep,
    client: ClientDep,
) -> ResultMessage:
    """Change a password: an admin, or the user themself with `current_password`."""
    await accounts.change_password(session, principal, user_id, data, client)
    return ResultMessage(message=translate("password_changed", request.state.locale))


@router.put("/api/user/profile", response_model=ProfileResult, responses=errors(401, 409, 422))
async def update_profile(
    data: ProfileUpdate, user: AccountUser, session: SessionDep
) -> ProfileResult:
    """Update the caller's name, email and phone."""
    updated = await user_service.update_profile(session, user, data)
    return ProfileResult(user=ProfilePublic.model_validate(updated))


@router.put("/api/user/password", response_model=ResultMessage, responses=errors(400, 401, 422))
async def update_password(
    request: Request,
    data: PasswordChange,
    principal: AccountAuth,
    session: SessionDep,
    accounts: AccountsDep,
    client: ClientDep,
) -> ResultMessage:
    """Change the caller's password: `current_password` proves the current one (with Basic
    credentials, the request itself does)."""
    await accounts.change_password(session, principal, principal.user.id, data, client)
    return ResultMessage(message=translate("password_changed", request.state.locale))

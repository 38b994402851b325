"""Administration: the security audit trail, the mail outbox, ending a user's sessions,
unlocking an account."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict

from homebase.api.deps import (
    AccountsDep,
    AdminUser,
    ClientDep,
    PageDep,
    ResourceId,
    SessionDep,
)
from homebase.api.paging import set_page_headers
from homebase.api.responses import errors
from homebase.schemas.common import MAX_ID
from homebase.schemas.recovery import OutboxMailPublic
from homebase.services import audit, mail_outbox
from homebase.services import users as user_service

router = APIRouter(tags=["admin"])


class AuditEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    type: str
    user_id: int | None
    actor_id: int | None
    login: str | None
    ip: str | None
    user_agent: str | None
    detail: str | None
    created_at: datetime


@router.get("/admin/audit", response_model=list[AuditEventPublic], responses=errors(401, 403, 422))
async def audit_events(
    request: Request,
    response: Response,
    _admin: AdminUser,
    session: SessionDep,
    page: PageDep,
    user_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    type: Annotated[str | None, Query(max_length=40)] = None,
) -> list[AuditEventPublic]:
    """Security events, newest first; filter by `user_id` and `type`."""
    events, total = await audit.list_events(
        session, user_id=user_id, event_type=type, limit=page.limit, offset=page.offset
    )
    set_page_headers(request, response, page, total)
    return [AuditEventPublic.model_validate(event) for event in events]


@router.get("/admin/mail", response_model=list[OutboxMailPublic], responses=errors(401, 403, 422))
async def outbox_mails(
    request: Request,
    response: Response,
    _admin: AdminUser,
    session: SessionDep,
    page: PageDep,
    which: Annotated[
        Literal["failed", "pending", "sending", "sent", "all"],
        Query(alias="status", description="Which mails: the failed ones by default"),
    ] = "failed",
) -> list[OutboxMailPublic]:
    """Mails of the outbox, newest first: failed (given up) by default, never their body."""
    mails, total = await mail_outbox.list_mails(
        session,
        status=None if which == "all" else which,
        limit=page.limit,
        offset=page.offset,
    )
    set_page_headers(request, response, page, total)
    return [OutboxMailPublic.model_validate(mail) for mail in mails]


@router.delete(
    "/admin/users/{user_id}/sessions",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 403, 404, 422),
)
async def end_user_sessions(
    user_id: ResourceId,
    admin: AdminUser,
    session: SessionDep,
    client: ClientDep,
) -> Response:
    """End every session of a user (their access and refresh tokens stop working)."""
    await user_service.end_sessions_of(session, admin, user_id, client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/admin/users/{user_id}/unlock",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 403, 404, 422),
)
async def unlock_user(
    user_id: ResourceId,
    admin: AdminUser,
    session: SessionDep,
    accounts: AccountsDep,
    client: ClientDep,
) -> Response:
    """End a user's lock after failed logins and clear their failure count (audited)."""
    await accounts.unlock(session, user_id, client, actor=admin)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

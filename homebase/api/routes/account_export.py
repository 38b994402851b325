"""The caller's data, all of it, as one download."""

from __future__ import annotations

from fastapi import APIRouter, Response

from homebase.api.deps import AccountAuth, SessionDep
from homebase.api.responses import errors
from homebase.services import account_export

router = APIRouter(tags=["users"])


@router.get(
    "/users/me/export",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "zip"}, **errors(401)},
)
async def export_account(principal: AccountAuth, session: SessionDep) -> Response:
    """A zip of everything Homebase holds about the caller (JSON, `.vcf`, `.ics`), without
    any password hash or token secret."""
    body = await account_export.archive(session, principal.user, principal.session_id)
    headers = {
        "Content-Disposition": 'attachment; filename="homebase-export.zip"',
        "Cache-Control": "no-store",
    }
    return Response(content=body, media_type="application/zip", headers=headers)

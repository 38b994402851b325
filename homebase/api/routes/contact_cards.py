"""Contacts as vCards: one, all, and the import. Mounted before the contacts router, whose
`/contacts/{contact_id}` would otherwise take `/contacts/7.vcf`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from homebase.api.deps import CurrentUser, ResourceScoped, SessionDep, StateDep
from homebase.api.interchange import (
    VCARD,
    DryRun,
    file_responses,
    import_body,
    report_public,
    text_response,
)
from homebase.api.responses import errors
from homebase.schemas.common import MAX_ID
from homebase.schemas.interchange import ImportReportPublic
from homebase.services import contacts as contact_service
from homebase.services.interchange import contact_import
from homebase.services.interchange.contact_cards import card_of

router = APIRouter(tags=["contacts"], dependencies=[ResourceScoped("contacts")])
_VCARD_RESPONSE = file_responses("text/vcard", "vCard")


@router.get("/contacts.vcf", response_class=Response, responses={**_VCARD_RESPONSE, **errors(401)})
async def export_all_contacts(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    """All of the caller's contacts as one vCard file (each card in its own version)."""
    text = await contact_import.owned_cards(session, user)
    return text_response(request, text, VCARD, "contacts.vcf")


@router.get(
    "/contacts/{contact_id}.vcf",
    response_class=Response,
    responses={**_VCARD_RESPONSE, **errors(401, 404)},
)
async def export_contact(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    contact_id: Annotated[int, Path(ge=1, le=MAX_ID, description="Contact id")],
) -> Response:
    """One contact as a vCard: the card as imported (mapped fields kept current), or 4.0."""
    contact = await contact_service.get_contact(session, user, contact_id)
    return text_response(request, card_of(contact), VCARD)


@router.post(
    "/contacts/import",
    response_model=ImportReportPublic,
    responses=errors(401, 409, 413, 422),
    openapi_extra=import_body("text/vcard"),
)
async def import_contacts(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    state: StateDep,
    dry_run: DryRun = False,
) -> ImportReportPublic:
    """Import a vCard file (3.0 or 4.0, one or many cards): upsert by UID, one report line per
    refused card."""
    report = await contact_import.import_cards(
        session,
        user,
        await request.body(),
        dry_run=dry_run,
        max_items=state.settings.max_import_items,
    )
    return report_public(request, report)

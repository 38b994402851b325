"""Contacts: owner-scoped address book with search, upcoming birthdays, paging and ETags."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from homebase.api.deps import CurrentUser, CursorPageDep, PageDep, SessionDep
from homebase.api.etag import IfMatchDep, IfNoneMatchDep, etag_responses, not_modified, set_etag
from homebase.api.paging import set_listing_headers, set_page_headers
from homebase.api.responses import errors
from homebase.core.preconditions import require_match
from homebase.models import Contact
from homebase.schemas.common import MAX_ID
from homebase.schemas.contact import (
    ContactBirthday,
    ContactCreate,
    ContactPublic,
    ContactUpdate,
)
from homebase.services import birthdays as birthday_service
from homebase.services import contacts as contact_service

router = APIRouter(tags=["contacts"])

_NO_NUL = "^[^\\x00]*$"
ContactId = Annotated[int, Path(ge=1, le=MAX_ID, description="Contact id")]


def _text_query(description: str, max_length: int = 100) -> Any:
    return Query(max_length=max_length, pattern=_NO_NUL, description=description)


async def owned_contact(user: CurrentUser, session: SessionDep, contact_id: ContactId) -> Contact:
    """The contact at this path, if the caller owns it (or is an admin); 404 otherwise."""
    return await contact_service.get_contact(session, user, contact_id)


OwnedContact = Annotated[Contact, Depends(owned_contact)]


async def writable_contact(contact: OwnedContact, if_match: IfMatchDep) -> Contact:
    """The owned contact, if `If-Match` (when sent) names its current ETag; 412 otherwise."""
    require_match(if_match, contact)
    return contact


WritableContact = Annotated[Contact, Depends(writable_contact)]


@router.get("/contacts", response_model=list[ContactPublic], responses=errors(401, 422))
async def list_contacts(
    request: Request,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    page: CursorPageDep,
    q: Annotated[str | None, _text_query("Words to find in first name, last name or email")] = None,
    first_name: Annotated[str | None, _text_query("Part of the first name")] = None,
    last_name: Annotated[str | None, _text_query("Part of the last name")] = None,
    email: Annotated[str | None, _text_query("Part of the email", 254)] = None,
) -> list[ContactPublic]:
    """The caller's contacts by last and first name; searches ignore case in every script.

    Paged by `offset` (with `X-Total-Count`) or by `cursor` (no count; as fast deep down as
    on the first page)."""
    filters = contact_service.ContactFilters(q, first_name, last_name, email)
    result = await contact_service.list_contacts(session, user, filters, page)
    set_listing_headers(request, response, page, result)
    return [ContactPublic.model_validate(contact) for contact in result.items]


@router.post(
    "/contacts",
    status_code=status.HTTP_201_CREATED,
    response_model=ContactPublic,
    responses=errors(401, 409, 422),
)
async def create_contact(
    data: ContactCreate, response: Response, user: CurrentUser, session: SessionDep
) -> ContactPublic:
    """Add a contact; 409 `contact_email_taken` when the caller has one with this email."""
    contact = await contact_service.create_contact(session, user, data)
    set_etag(response, contact)
    response.headers["Location"] = f"/contacts/{contact.id}"
    return ContactPublic.model_validate(contact)


@router.get("/contacts/birthdays", response_model=list[ContactBirthday], responses=errors(401, 422))
async def upcoming_birthdays(
    request: Request,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    page: PageDep,
    days: Annotated[
        int, Query(ge=0, le=birthday_service.MAX_DAYS, description="Days ahead of today")
    ] = 7,
    tz: Annotated[
        str | None, _text_query("IANA time zone that decides today (default UTC)", 64)
    ] = None,
) -> list[ContactBirthday]:
    """Contacts whose next birthday falls in today … today+days, soonest first."""
    items, total = await birthday_service.upcoming(
        session, user, days=days, tz=tz, limit=page.limit, offset=page.offset
    )
    set_page_headers(request, response, page, total)
    return [
        ContactBirthday(
            **ContactPublic.model_validate(item.contact).model_dump(),
            next_birthday=item.next_birthday,
            age_on_next_birthday=item.age_on_next_birthday,
        )
        for item in items
    ]


@router.get(
    "/contacts/{contact_id}",
    response_model=ContactPublic,
    responses={**etag_responses(conditional_get=True), **errors(401, 404, 422)},
)
async def read_contact(
    response: Response, contact: OwnedContact, if_none_match: IfNoneMatchDep
) -> ContactPublic | Response:
    """One contact, with its ETag; 304 when If-None-Match names it."""
    unchanged = not_modified(if_none_match, contact)
    if unchanged is not None:
        return unchanged
    set_etag(response, contact)
    return ContactPublic.model_validate(contact)


@router.put(
    "/contacts/{contact_id}",
    response_model=ContactPublic,
    responses=errors(401, 404, 409, 412, 422),
)
async def replace_contact(
    data: ContactCreate,
    response: Response,
    contact: WritableContact,
    user: CurrentUser,
    session: SessionDep,
) -> ContactPublic:
    """Replace every field of a contact (fields left out are cleared or required)."""
    updated = await contact_service.update_contact(session, user, contact, data)
    set_etag(response, updated)
    return ContactPublic.model_validate(updated)


@router.patch(
    "/contacts/{contact_id}",
    response_model=ContactPublic,
    responses=errors(401, 404, 409, 412, 422),
)
async def update_contact(
    data: ContactUpdate,
    response: Response,
    contact: WritableContact,
    user: CurrentUser,
    session: SessionDep,
) -> ContactPublic:
    """Change the fields given, keep the others."""
    updated = await contact_service.update_contact(session, user, contact, data)
    set_etag(response, updated)
    return ContactPublic.model_validate(updated)


@router.delete(
    "/contacts/{contact_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 404, 412, 422),
)
async def delete_contact(contact: WritableContact, session: SessionDep) -> Response:
    """Delete a contact."""
    await contact_service.delete_contact(session, contact)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

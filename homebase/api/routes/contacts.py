"""Contacts: owner-scoped address book with search, upcoming birthdays, paging and ETags."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from homebase.api.deps import (
    CurrentUser,
    CursorPageDep,
    PageDep,
    ResourceId,
    ResourceScoped,
    SessionDep,
)
from homebase.api.etag import IfMatchDep, IfNoneMatchDep, not_modified, set_etag
from homebase.api.paging import set_listing_headers, set_page_headers
from homebase.api.responses import errors, json_response
from homebase.schemas.contact import (
    ContactBirthday,
    ContactCreate,
    ContactFilters,
    ContactPublic,
    ContactUpdate,
    TimeZoneQuery,
    public_fields,
)
from homebase.services import birthdays as birthday_service
from homebase.services import contacts as contact_service

# An app password needs `contacts:read` to GET and `contacts:write` for everything else.
router = APIRouter(tags=["contacts"], dependencies=[ResourceScoped("contacts")])

_ContactId = Annotated[ResourceId, Path(description="Contact id")]


@router.get("/contacts", response_model=list[ContactPublic], responses=errors(401, 422))
async def list_contacts(
    request: Request,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    page: CursorPageDep,
    filters: Annotated[ContactFilters, Query()],
) -> list[ContactPublic]:
    """The caller's contacts by last and first name; searches ignore case in every script.

    Paged by `offset` (with `X-Total-Count`) or by `cursor` (no count; as fast deep down as
    on the first page)."""
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
    request: Request,
    response: Response,
    data: ContactCreate,
    user: CurrentUser,
    session: SessionDep,
) -> ContactPublic:
    """Add a contact; 409 `contact_email_taken` when the caller has one with this email."""
    contact = await contact_service.create_contact(session, user, data)
    set_etag(response, contact)
    response.headers["Location"] = str(request.url_for("read_contact", contact_id=contact.id).path)
    return ContactPublic.model_validate(contact)


@router.get("/contacts/birthdays", response_model=list[ContactBirthday], responses=errors(401, 422))
async def upcoming_birthdays(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    page: PageDep,
    days: Annotated[
        int, Query(ge=0, le=birthday_service.MAX_DAYS, description="Days ahead of today")
    ] = 7,
    tz: Annotated[TimeZoneQuery, Query()] = None,
) -> Response:
    """Contacts whose next birthday falls in today … today+days, soonest first."""
    items, total = await birthday_service.upcoming(
        session, user, days=days, tz=tz, limit=page.limit, offset=page.offset
    )
    # Straight to JSON, as `response_model` documents it (a test holds the bytes equal).
    response = json_response(
        [
            {
                **public_fields(item.contact),
                "next_birthday": item.next_birthday,
                "age_on_next_birthday": item.age_on_next_birthday,
            }
            for item in items
        ]
    )
    set_page_headers(request, response, page, total)
    return response


@router.get(
    "/contacts/{contact_id}",
    response_model=ContactPublic,
    responses=errors(401, 404, 422),
)
async def read_contact(
    contact_id: _ContactId,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    if_none_match: IfNoneMatchDep,
) -> ContactPublic | Response:
    """One contact, with its ETag; 304 when If-None-Match names it."""
    contact = await contact_service.get_contact(session, user, contact_id)
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
    contact_id: _ContactId,
    data: ContactCreate,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    if_match: IfMatchDep,
) -> ContactPublic:
    """Replace every field of a contact (fields left out are cleared or required)."""
    contact = await contact_service.replace_contact(
        session, user, contact_id, data, if_match=if_match
    )
    set_etag(response, contact)
    return ContactPublic.model_validate(contact)


@router.patch(
    "/contacts/{contact_id}",
    response_model=ContactPublic,
    responses=errors(401, 404, 409, 412, 422),
)
async def update_contact(
    contact_id: _ContactId,
    data: ContactUpdate,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    if_match: IfMatchDep,
) -> ContactPublic:
    """Change the fields given, keep the others."""
    contact = await contact_service.update_contact(
        session, user, contact_id, data, if_match=if_match
    )
    set_etag(response, contact)
    return ContactPublic.model_validate(contact)


@router.delete(
    "/contacts/{contact_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 404, 412, 422),
)
async def delete_contact(
    contact_id: _ContactId, user: CurrentUser, session: SessionDep, if_match: IfMatchDep
) -> Response:
    """Delete a contact."""
    await contact_service.delete_contact(session, user, contact_id, if_match=if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

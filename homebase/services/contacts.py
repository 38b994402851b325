"""Contact rules: owner-scoped CRUD under `If-Match`, unique emails per owner, no birthdays
in the future, and the search text kept beside each contact."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from homebase.core.cursor import CursorSpec, fingerprint
from homebase.core.errors import Conflict, FieldError
from homebase.core.preconditions import TagList
from homebase.models import Contact, User
from homebase.repositories.contacts import (
    EMAIL_CONSTRAINT,
    contacts,
    email_taken,
    filter_conditions,
    filtered_query,
    name_order,
    search_text,
)
from homebase.schemas.contact import ContactCreate, ContactFilters, ContactUpdate
from homebase.services.birthdays import latest_today
from homebase.services.interchange.contact_cards import birthday_columns, mapped_of, rewrite_card
from homebase.services.owned import flush_owned, requested_owner, writable
from homebase.services.paging import Listing, Page, PageRequest, fetch_page


class ContactEmailTaken(Conflict):
    code = "contact_email_taken"
    message_key = "contact_email_taken"


_CONFLICTS = {EMAIL_CONSTRAINT: ContactEmailTaken}


def listing(filters: ContactFilters) -> Listing:
    """The order of `GET /contacts`, served by the (owner, last name, first name, id) index
    unless it searches on PostgreSQL (then the trigram index finds the matches);
    its cursors are refused under other filters."""
    scope = fingerprint(filters.q, filters.first_name, filters.last_name, filters.email)
    shape = f"contacts:last_name,first_name,id:{scope}"
    keys = name_order(filters)
    searches = bool(filter_conditions(filters))
    return Listing(keys, CursorSpec(shape, tuple(key.type for key in keys)), searches)


async def list_contacts(
    session: AsyncSession, actor: User, filters: ContactFilters, page: PageRequest
) -> Page[Contact]:
    """One page of the actor's own contacts, filtered, by name."""
    return await fetch_page(session, filtered_query(actor.id, filters), listing(filters), page)


async def get_contact(session: AsyncSession, actor: User, contact_id: int) -> Contact:
    """A contact of the actor's (any contact, for an admin); 404 hides the others."""
    return await contacts.get(session, actor, contact_id)


def _check_birthday(birthday: date | str | None, today: date | None) -> None:
    if isinstance(birthday, date) and birthday > (today or latest_today()):
        raise FieldError("birthday", "birthday_in_future")


async def _ensure_email_free(
    session: AsyncSession, owner_id: int, email: str | None, exclude_id: int | None = None
) -> None:
    if email is not None and await email_taken(session, owner_id, email, exclude_id):
        raise ContactEmailTaken()


def _apply(contact: Contact, changes: dict[str, Any]) -> None:
    """Set the changed columns and what derives from them, the stored card included."""
    before = mapped_of(contact) if contact.card is not None else None
    for field, value in changes.items():
        if field == "birthday":
            contact.birthday, contact.birthday_key = birthday_columns(value)
        else:
            setattr(contact, field, value)
    contact.search_text = search_text(contact.first_name, contact.last_name, contact.email)
    if before is not None:
        rewrite_card(contact, before)


async def create_contact(
    session: AsyncSession, actor: User, data: ContactCreate, *, today: date | None = None
) -> Contact:
    """A new contact of the actor's (or, for an admin, of the `user_id` given)."""
    _check_birthday(data.birthday, today)
    owner_id = await requested_owner(session, actor, data.user_id) or actor.id
    await _ensure_email_free(session, owner_id, data.email)
    contact = Contact(user_id=owner_id)
    _apply(contact, data.model_dump(exclude={"user_id"}))
    session.add(contact)
    await flush_owned(session, _CONFLICTS)
    return contact


async def _write(
    session: AsyncSession,
    actor: User,
    contact_id: int,
    changes: dict[str, Any],
    *,
    owner: int | None,
    if_match: TagList | None,
    today: date | None,
) -> Contact:
    contact = await writable(session, contacts, actor, contact_id, if_match)
    _check_birthday(changes.get("birthday"), today)
    owner_id = await requested_owner(session, actor, owner) or contact.user_id
    email = changes.get("email", contact.email)
    if owner_id != contact.user_id or email != contact.email:
        await _ensure_email_free(session, owner_id, email, exclude_id=contact.id)
    _apply(contact, {**changes, "user_id": owner_id})
    await flush_owned(session, _CONFLICTS)
    return contact


async def replace_contact(
    session: AsyncSession,
    actor: User,
    contact_id: int,
    data: ContactCreate,
    *,
    if_match: TagList | None = None,
    today: date | None = None,
) -> Contact:
    """PUT: every field is replaced (omitted optional ones are cleared)."""
    changes = data.model_dump(exclude={"user_id"})
    return await _write(
        session, actor, contact_id, changes, owner=data.user_id, if_match=if_match, today=today
    )


async def update_contact(
    session: AsyncSession,
    actor: User,
    contact_id: int,
    data: ContactUpdate,
    *,
    if_match: TagList | None = None,
    today: date | None = None,
) -> Contact:
    """PATCH: only the fields given change."""
    changes = data.model_dump(exclude={"user_id"}, exclude_unset=True)
    return await _write(
        session, actor, contact_id, changes, owner=data.user_id, if_match=if_match, today=today
    )


async def delete_contact(
    session: AsyncSession, actor: User, contact_id: int, *, if_match: TagList | None = None
) -> None:
    """Delete a contact of the actor's, if `If-Match` (when given) names its version."""
    contact = await writable(session, contacts, actor, contact_id, if_match)
    await session.delete(contact)
    await flush_owned(session)

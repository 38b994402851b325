"""Contact rules: owner-scoped CRUD, unique emails per owner, and search.

Search runs over `search_text`: first name, last name and email, each case-folded with
`str.casefold()` (so it works for every script, which SQLite's `lower()` does not) and joined
by SEARCH_SEPARATOR. A `LIKE` on it is served by the trigram index on PostgreSQL; the
separator lets one pattern aim at a single field.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import date
from operator import attrgetter
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.core.cursor import CursorSpec, KeyType, fingerprint
from homebase.core.errors import Conflict, FieldError, NotFound
from homebase.db.keyset import SortKey, order_by
from homebase.db.versioning import flush_versioned
from homebase.models import Contact, User
from homebase.models.contact import SEARCH_SEPARATOR
from homebase.schemas.contact import ContactCreate, ContactUpdate
from homebase.services.birthdays import birthday_key, latest_today
from homebase.services.paging import Listing, Page, PageRequest, fetch_page

_LIKE_ESCAPE = "\\"


class ContactNotFound(NotFound):
    message_key = "contact_not_found"


class ContactEmailTaken(Conflict):
    code = "contact_email_taken"
    message_key = "contact_email_taken"


@dataclass(frozen=True, slots=True)
class ContactFilters:
    q: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None


def fold(value: str) -> str:
    return value.casefold().replace(SEARCH_SEPARATOR, " ")


def search_text(first_name: str, last_name: str, email: str) -> str:
    return SEARCH_SEPARATOR.join(fold(part) for part in (first_name, last_name, email))


def _escape(value: str) -> str:
    return (
        value.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
        .replace("%", _LIKE_ESCAPE + "%")
        .replace("_", _LIKE_ESCAPE + "_")
    )


def _contains(before: int, value: str, after: int) -> ColumnElement[bool]:
    """`value` inside the field that has `before` fields before it and `after` after it."""
    sep = SEARCH_SEPARATOR
    pattern = f"%{sep}" * before + f"%{_escape(fold(value))}%" + f"{sep}%" * after
    return Contact.search_text.like(pattern, escape=_LIKE_ESCAPE)


def filter_conditions(filters: ContactFilters) -> list[ColumnElement[bool]]:
    """Every word of `q` in some field; each field filter inside its own field."""
    conditions = [_contains(0, word, 0) for word in (filters.q or "").split()]
    for position, value in enumerate((filters.first_name, filters.last_name, filters.email)):
        if value and value.strip():
            conditions.append(_contains(position, value.strip(), 2 - position))
    return conditions


_NAME_ORDER = (
    SortKey(Contact.last_name.expression, attrgetter("last_name"), KeyType("str")),
    SortKey(Contact.first_name.expression, attrgetter("first_name"), KeyType("str")),
    SortKey(Contact.id.expression, attrgetter("id"), KeyType("int")),
)


def filtered_query(owner_id: int, filters: ContactFilters) -> Select[Contact]:
    """The owner's contacts matching `filters`, in no particular order."""
    return select(Contact).where(Contact.user_id == owner_id, *filter_conditions(filters))


def list_query(owner_id: int, filters: ContactFilters) -> Select[Contact]:
    """The owner's contacts matching `filters`, by last name, first name, id."""
    return filtered_query(owner_id, filters).order_by(*order_by(_NAME_ORDER))


def listing(filters: ContactFilters) -> Listing:
    """The order of `GET /contacts`, served by the (owner, last name, first name, id) index;
    its cursors are refused under other filters."""
    shape = f"contacts:last_name,first_name,id:{fingerprint(*astuple(filters))}"
    keys = tuple(key.type for key in _NAME_ORDER)
    return Listing(_NAME_ORDER, CursorSpec(shape, keys))


async def list_contacts(
    session: AsyncSession, owner: User, filters: ContactFilters, page: PageRequest
) -> Page[Contact]:
    return await fetch_page(session, filtered_query(owner.id, filters), listing(filters), page)


async def get_contact(session: AsyncSession, actor: User, contact_id: int) -> Contact:
    """A contact of the actor's (any contact, for an admin); 404 hides the others."""
    query = select(Contact).where(Contact.id == contact_id)
    if not actor.is_admin:
        query = query.where(Contact.user_id == actor.id)
    contact = await session.scalar(query)
    if contact is None:
        raise ContactNotFound()
    return contact


def _check_birthday(birthday: date | None, today: date | None) -> None:
    if birthday is not None and birthday > (today or latest_today()):
        raise FieldError("birthday", "birthday_in_future")


async def _owner_id(session: AsyncSession, actor: User, requested: int | None) -> int | None:
    """The owner an admin asked for (checked to exist); None when there is nothing to honour."""
    if requested is None or not actor.is_admin:
        return None
    if await session.scalar(select(User.id).where(User.id == requested)) is None:
        raise FieldError("user_id", "owner_not_found")
    return requested


async def _ensure_email_free(
    session: AsyncSession, owner_id: int, email: str, exclude_id: int | None = None
) -> None:
    query = select(Contact.id).where(Contact.user_id == owner_id, Contact.email == email)
    if exclude_id is not None:
        query = query.where(Contact.id != exclude_id)
    if await session.scalar(query.limit(1)) is not None:
        raise ContactEmailTaken()


async def _flush(session: AsyncSession) -> None:
    """Flush; a lost race on the version is 412 (see `flush_versioned`), on the email 409."""
    try:
        await flush_versioned(session)
    except IntegrityError as exc:  # a concurrent write took the email (or the owner went)
        if "email" in str(exc.orig).lower():
            raise ContactEmailTaken() from exc
        raise Conflict() from exc


def _apply(contact: Contact, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        setattr(contact, field, value)
    contact.search_text = search_text(contact.first_name, contact.last_name, contact.email)
    contact.birthday_key = birthday_key(contact.birthday) if contact.birthday else None


async def create_contact(
    session: AsyncSession, actor: User, data: ContactCreate, *, today: date | None = None
) -> Contact:
    """A new contact of the actor's (or, for an admin, of the `user_id` given)."""
    _check_birthday(data.birthday, today)
    owner_id = await _owner_id(session, actor, data.user_id) or actor.id
    await _ensure_email_free(session, owner_id, data.email)
    contact = Contact(user_id=owner_id)
    _apply(contact, data.model_dump(exclude={"user_id"}))
    session.add(contact)
    await _flush(session)
    return contact


async def update_contact(
    session: AsyncSession,
    actor: User,
    contact: Contact,
    data: ContactCreate | ContactUpdate,
    *,
    today: date | None = None,
) -> Contact:
    """Replace (ContactCreate, for PUT) or patch (ContactUpdate) a contact already loaded."""
    if isinstance(data, ContactCreate):
        changes = data.model_dump(exclude={"user_id"})
    else:
        changes = data.model_dump(exclude={"user_id"}, exclude_unset=True)
    _check_birthday(changes.get("birthday"), today)
    owner_id = await _owner_id(session, actor, data.user_id) or contact.user_id
    if owner_id != contact.user_id or changes.get("email", contact.email) != contact.email:
        await _ensure_email_free(
            session, owner_id, changes.get("email", contact.email), exclude_id=contact.id
        )
    _apply(contact, {**changes, "user_id": owner_id})
    await _flush(session)
    return contact


async def delete_contact(session: AsyncSession, contact: Contact) -> None:
    await session.delete(contact)
    await _flush(session)

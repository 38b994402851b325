"""Contact queries: the owner rule, search, the name order, and the per-owner email check.

Search runs over `search_text`: first name, last name and email, each case-folded with
`str.casefold()` (so it works for every script, which SQLite's `lower()` does not) and joined
by SEARCH_SEPARATOR. A `LIKE` on it is served by the trigram index on PostgreSQL; the
separator lets one pattern aim at a single field.
"""

from __future__ import annotations

from dataclasses import replace
from operator import attrgetter

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.core.cursor import KeyType
from homebase.db.keyset import SortKey, order_by, unindexed_on_postgresql
from homebase.models import Contact
from homebase.models.contact import SEARCH_SEPARATOR
from homebase.repositories.owned import OwnedRepository
from homebase.schemas.contact import ContactFilters

contacts = OwnedRepository(Contact, "contact_not_found")

EMAIL_CONSTRAINT = "uq_contact_user_id_email"
_LIKE_ESCAPE = "\\"

NAME_ORDER = (
    SortKey(Contact.last_name.expression, attrgetter("last_name"), KeyType("str")),
    SortKey(Contact.first_name.expression, attrgetter("first_name"), KeyType("str")),
    SortKey(Contact.id.expression, attrgetter("id"), KeyType("int")),
)
# The same order for a search, sorted on PostgreSQL as `last_name || ''`, which no index
# provides. Ordered by the plain column, PostgreSQL may walk the name index hoping the LIMIT stops
# it early, and at a large owner with few matches it reads every contact (0.4 s at a million);
# with this it must find the matches first, and the trigram index is how it finds them. SQLite
# has no trigram index: it keeps the name index's order (see `unindexed_on_postgresql`).
SEARCH_ORDER = (
    replace(NAME_ORDER[0], sort_expression=unindexed_on_postgresql(Contact.last_name.expression)),
    *NAME_ORDER[1:],
)


def fold(value: str) -> str:
    return value.casefold().replace(SEARCH_SEPARATOR, " ")


def search_text(first_name: str, last_name: str, email: str | None) -> str:
    """The stored `search_text` of a contact, in the shape `filter_conditions` searches."""
    return SEARCH_SEPARATOR.join(fold(part) for part in (first_name, last_name, email or ""))


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


def filtered_query(owner_id: int, filters: ContactFilters) -> Select[Contact]:
    """The owner's contacts matching `filters`, in no particular order."""
    return contacts.of_owner(owner_id).where(*filter_conditions(filters))


def list_query(owner_id: int, filters: ContactFilters) -> Select[Contact]:
    """The owner's contacts matching `filters`, by last name, first name, id."""
    return filtered_query(owner_id, filters).order_by(*order_by(name_order(filters)))


def name_order(filters: ContactFilters) -> tuple[SortKey, ...]:
    """The name order, in the form that makes a search use the trigram index on PostgreSQL."""
    return SEARCH_ORDER if filter_conditions(filters) else NAME_ORDER


async def email_taken(
    session: AsyncSession, owner_id: int, email: str, exclude_id: int | None = None
) -> bool:
    """Whether the owner has another contact with this (lower-cased) email."""
    query = select(Contact.id).where(Contact.user_id == owner_id, Contact.email == email)
    if exclude_id is not None:
        query = query.where(Contact.id != exclude_id)
    return await session.scalar(query.limit(1)) is not None

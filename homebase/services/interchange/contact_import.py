"""`POST /contacts/import` and the vCard exports.

Each card is its own unit: a refused card is a report line and the others are imported. The
plan (created / updated / unchanged / refused) is made before anything is written, so a dry
run and a real run give the same report. Parsing runs in a worker thread: it is CPU work.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import anyio
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.models import Contact, User
from homebase.models.contact import EXTRA_MAX
from homebase.models.interchange import href_for
from homebase.models.lengths import NAME_MAX
from homebase.repositories.contacts import search_text
from homebase.schemas.common import Email, Phone
from homebase.services.birthdays import latest_today
from homebase.services.interchange import vcard
from homebase.services.interchange.contact_cards import card_of
from homebase.services.interchange.items import ItemError
from homebase.services.interchange.report import (
    ImportReport,
    bulk_write,
    chunks,
    decode_body,
    ensure_within_cap,
)

_EMAIL: TypeAdapter[str] = TypeAdapter(Email)
# A plain ASCII address needs no full RFC check (which costs ~0.3 ms, most of an import's
# time); anything else goes through the same validation as the REST API.
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    # Special-use names the full check refuses (RFC 6761) take the slow path.
    r"(?!(?:arpa|invalid|local|localhost|onion|test)$)[a-z]{2,24}"
)
_PHONE: TypeAdapter[str] = TypeAdapter(Phone)


@dataclass(frozen=True, slots=True)
class CardRow:
    """A card ready to store: its text and the column values derived from it."""

    index: int
    uid: str
    text: str
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    birthday: date | None
    birthday_key: int | None
    extra: str | None


def _first_valid(values: Iterable[str], adapter: TypeAdapter[str]) -> str | None:
    for value in values:
        if adapter is _EMAIL and len(value) <= 254 and _PLAIN_EMAIL.fullmatch(value.lower()):
            return value.lower()
        try:
            return adapter.validate_python(value)
        except ValidationError:
            continue
    return None


def card_row(index: int, card: vcard.Card, today: date) -> CardRow | ItemError:
    """The columns of a card. What does not fit a column stays in the card only: an invalid
    EMAIL or TEL is skipped for the next one, a future BDAY is not mapped, long names and
    notes are cut to the column size."""
    text = card.text()
    if "\x00" in text:
        return ItemError(index, card.uid, "invalid_text")
    mapped = card.mapped()
    birthday = mapped.birthday
    day = birthday.as_date() if birthday is not None else None
    if day is not None and day > today:
        birthday = day = None
    return CardRow(
        index=index,
        uid=card.uid,
        text=text,
        first_name=mapped.first_name[:NAME_MAX],
        last_name=mapped.last_name[:NAME_MAX],
        email=_first_valid(card.emails(), _EMAIL),
        phone=_first_valid(card.phones(), _PHONE),
        birthday=day,
        birthday_key=birthday.month * 100 + birthday.day if birthday is not None else None,
        extra=mapped.note[:EXTRA_MAX] if mapped.note is not None else None,
    )


def prepare(body: str, today: date) -> tuple[list[CardRow], list[ItemError]]:
    """The rows of a body's cards, each card parsed and turned into its row before the next
    (the parsed cards of a large import are never all held at once)."""
    rows: list[CardRow] = []
    errors: list[ItemError] = []
    for index, card in vcard.iter_cards(body):
        outcome = card if isinstance(card, ItemError) else card_row(index, card, today)
        if isinstance(outcome, ItemError):
            errors.append(outcome)
        else:
            rows.append(outcome)
    errors.sort(key=lambda error: error.index)
    return rows, errors


def _columns(row: CardRow) -> dict[str, Any]:
    return {
        "first_name": row.first_name,
        "last_name": row.last_name,
        "email": row.email,
        "phone": row.phone,
        "extra": row.extra,
        "birthday": row.birthday,
        "birthday_key": row.birthday_key,
        "card": row.text,
        "search_text": search_text(row.first_name, row.last_name, row.email),
    }


def set_columns(contact: Contact, row: CardRow) -> None:
    """Give a contact the columns of its card (a CardDAV PUT)."""
    for name, value in _columns(row).items():
        setattr(contact, name, value)


async def import_cards(
    session: AsyncSession, owner: User, body: bytes, *, dry_run: bool, max_items: int
) -> ImportReport:
    """Upsert the cards of `body` by UID into the owner's contacts; see the module doc."""
    text = decode_body(body)
    rows, errors = await anyio.to_thread.run_sync(prepare, text, latest_today())
    ensure_within_cap(len(rows) + len(errors), max_items)
    existing: dict[str, Contact] = {}
    for part in chunks([row.uid for row in rows]):
        query = select(Contact).where(Contact.user_id == owner.id, Contact.uid.in_(part))
        existing.update((contact.uid, contact) for contact in await session.scalars(query))
    emails = select(Contact.email, Contact.uid).where(
        Contact.user_id == owner.id, Contact.email.is_not(None)
    )
    taken: dict[str | None, str] = {email: uid for email, uid in await session.execute(emails)}
    report = ImportReport(failed=errors)
    writes: list[tuple[Contact | None, CardRow]] = []
    for row in rows:
        contact = existing.get(row.uid)
        holder = taken.get(row.email) if row.email is not None else None
        if holder is not None and holder != row.uid:
            report.refuse(ItemError(row.index, row.uid, "contact_email_taken"))
            continue
        if contact is not None and card_of(contact) == row.text:
            report.unchanged += 1
            continue
        if contact is not None and contact.email is not None:
            taken.pop(contact.email, None)
        if row.email is not None:
            taken[row.email] = row.uid
        report.count(created=contact is None)
        writes.append((contact, row))
    if not dry_run:
        inserts = [
            {**_columns(row), "user_id": owner.id, "uid": row.uid, "href": href_for(row.uid, "vcf")}
            for contact, row in writes
            if contact is None
        ]
        updates = [
            {**_columns(row), "id": contact.id, "version": contact.version}
            for contact, row in writes
            if contact is not None
        ]
        await bulk_write(session, Contact, inserts, updates)
    report.failed.sort(key=lambda error: error.index)
    return report


async def owned_cards(session: AsyncSession, owner: User) -> str:
    """Every contact of the owner as one vCard body, by last name, first name. The stored
    cards are read as text alone; only contacts without one (made through REST) are loaded
    whole, a chunk at a time, to generate theirs."""
    query = (
        select(Contact.id, Contact.card)
        .where(Contact.user_id == owner.id)
        .order_by(Contact.last_name, Contact.first_name, Contact.id)
    )
    rows = (await session.execute(query)).all()
    generated: dict[int, str] = {}
    for part in chunks([contact_id for contact_id, card in rows if card is None]):
        contacts = list(await session.scalars(select(Contact).where(Contact.id.in_(part))))
        generated.update(await anyio.to_thread.run_sync(_generated_cards, contacts))
        for contact in contacts:
            session.expunge(contact)
    return "".join(card if card is not None else generated[id_] for id_, card in rows)


def _generated_cards(contacts: list[Contact]) -> dict[int, str]:
    return {contact.id: card_of(contact) for contact in contacts}

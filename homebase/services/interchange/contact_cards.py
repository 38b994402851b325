"""Between a contact row and its vCard: the mapped values, the stored or generated card, and
keeping the stored card in step with REST edits."""

from __future__ import annotations

from datetime import date

from homebase.models import Contact
from homebase.services.interchange import vcard
from homebase.services.interchange.vcard import Birthday, Mapped


def birthday_columns(value: date | str | None) -> tuple[date | None, int | None]:
    """(birthday, birthday_key) for a REST value: a date, `--MM-DD` (no year), or None."""
    if value is None:
        return None, None
    if isinstance(value, date):
        return value, value.month * 100 + value.day
    found = Birthday.parse(value)
    if found is None:  # the schema checked the form; nothing else reaches here
        return None, None
    return None, found.month * 100 + found.day


def birthday_of(contact: Contact) -> Birthday | None:
    if contact.birthday is not None:
        return Birthday(contact.birthday.month, contact.birthday.day, contact.birthday.year)
    if contact.birthday_key:
        return Birthday(contact.birthday_key // 100, contact.birthday_key % 100)
    return None


def mapped_of(contact: Contact) -> Mapped:
    """What the contact's columns say, in the card's terms."""
    return Mapped(
        first_name=contact.first_name,
        last_name=contact.last_name,
        email=contact.email,
        phone=contact.phone,
        birthday=birthday_of(contact),
        note=contact.extra,
    )


def card_of(contact: Contact) -> str:
    """The stored card, or a vCard 4.0 generated from the columns."""
    if contact.card is not None:
        return contact.card
    return vcard.new_card(contact.uid, mapped_of(contact)).text()


def rewrite_card(contact: Contact, before: Mapped) -> None:
    """After a REST edit: rewrite in the stored card only the properties whose value changed."""
    if contact.card is None:
        return
    parsed = vcard.parse_cards(contact.card)
    if not parsed.cards:  # cannot happen for a card stored by an import; keep it untouched
        return
    card = parsed.cards[0][1]
    contact.card = vcard.apply(card, before, mapped_of(contact)).text()

"""The `Store` over the database: contacts and tasks as the REST API sees them, verbatim.

A card or calendar a client PUTs is stored as sent (`Contact.card`, `Task.ical`); the REST
columns are derived from it by the interchange readers. Items made through REST have no
stored text and are served the one the interchange writers generate. The change log
(models/dav.py) gives the sync tokens; the birthdays calendar is derived from the contacts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.core.preconditions import entity_tag
from homebase.models import Contact, Task, User
from homebase.models.dav import DavChange
from homebase.services.birthdays import latest_today
from homebase.services.dav.errors import InvalidContent, InvalidSyncToken
from homebase.services.dav.store import Changes, Entry, Kind, Written
from homebase.services.interchange import contentline as cl
from homebase.services.interchange import ical, vcard
from homebase.services.interchange.contact_cards import card_of
from homebase.services.interchange.contact_import import card_row, set_columns
from homebase.services.interchange.ical import stamp
from homebase.services.interchange.items import ItemError
from homebase.services.interchange.task_calendars import fitted, ical_of
from homebase.services.interchange.task_calendars import set_columns as set_task_columns

TOKEN_PREFIX = "urn:x-homebase:sync:"  # noqa: S105 (a sync token, not a secret)
_BATCH = 500
_MODELS: dict[Kind, type[Contact] | type[Task]] = {
    Kind.CONTACTS: Contact,
    Kind.TASKS: Task,
    Kind.BIRTHDAYS: Contact,
}
_YEARLESS_YEAR = 2000  # a leap year: a year-less 29 February exists in it


def _log_name(kind: Kind) -> str:
    return Kind.CONTACTS.value if kind is Kind.BIRTHDAYS else kind.value


def _birthday_name(contact_href: str) -> str:
    """The event of the contact `x.vcf` is `x.vcf.ics`: reversible, whatever the card's name."""
    return contact_href + ".ics"


def birthday_calendar(contact: Contact) -> str:
    """One yearly all-day VEVENT; stable text (DTSTAMP is the contact's last change)."""
    assert contact.birthday_key is not None
    month, day = divmod(contact.birthday_key, 100)
    year = contact.birthday.year if contact.birthday is not None else _YEARLESS_YEAR
    start = date(year, month, day)
    name = " ".join(p for p in (contact.first_name, contact.last_name) if p) or contact.uid
    rule = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1" if (month, day) == (2, 29) else "FREQ=YEARLY"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{ical.PRODID}",
        "BEGIN:VEVENT",
        *cl.fold(f"UID:birthday-{contact.uid}"),
        f"DTSTAMP:{stamp(contact.updated_at)}",
        f"DTSTART;VALUE=DATE:{start:%Y%m%d}",
        f"DTEND;VALUE=DATE:{start + timedelta(days=1):%Y%m%d}",
        f"RRULE:{rule}",
        *cl.fold(f"SUMMARY:{cl.escape(name)}"),
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return cl.CRLF.join(lines) + cl.CRLF


def _entry(kind: Kind, row: Any, with_body: bool) -> Entry:
    if kind is Kind.BIRTHDAYS:
        body = birthday_calendar(row) if with_body else None
        return Entry(_birthday_name(row.href), f'"b{row.id}-{row.version}"', body)
    body = None
    if with_body:
        body = card_of(row) if kind is Kind.CONTACTS else ical_of(row)
    return Entry(row.href, entity_tag(row), body)


class DbStore:
    def __init__(self, session: AsyncSession, user: User) -> None:
        self.session = session
        self.user_id = user.id

    def _query(self, kind: Kind) -> Any:
        model = _MODELS[kind]
        query = select(model).where(model.user_id == self.user_id)
        if kind is Kind.BIRTHDAYS:
            query = query.where(Contact.birthday_key.is_not(None))
        return query

    async def token(self, kind: Kind) -> str:
        newest = await self.session.scalar(
            select(func.max(DavChange.id)).where(
                DavChange.user_id == self.user_id, DavChange.collection == _log_name(kind)
            )
        )
        return f"{TOKEN_PREFIX}{newest or 0}"

    async def entries(self, kind: Kind, *, with_body: bool) -> AsyncIterator[Entry]:
        model = _MODELS[kind]
        after = 0
        while True:
            query = self._query(kind).where(model.id > after).order_by(model.id).limit(_BATCH)
            rows = list(await self.session.scalars(query))
            for row in rows:
                yield _entry(kind, row, with_body)
            if len(rows) < _BATCH:
                return
            after = rows[-1].id

    async def _rows(self, kind: Kind, names: Sequence[str]) -> list[Any]:
        model = _MODELS[kind]
        hrefs = list(names)
        if kind is Kind.BIRTHDAYS:
            hrefs = [name.removesuffix(".ics") for name in names if name.endswith(".ics")]
        found: list[Any] = []
        for start in range(0, len(hrefs), _BATCH):
            part = hrefs[start : start + _BATCH]
            found.extend(await self.session.scalars(self._query(kind).where(model.href.in_(part))))
        return found

    async def fetch(self, kind: Kind, names: list[str]) -> list[Entry]:
        entries = [_entry(kind, row, True) for row in await self._rows(kind, names)]
        wanted = set(names)
        return [entry for entry in entries if entry.name in wanted]

    async def uid_holder(self, kind: Kind, uid: str) -> str | None:
        model = _MODELS[kind]
        query = select(model.href).where(model.user_id == self.user_id, model.uid == uid)
        return await self.session.scalar(query)

    async def put(self, kind: Kind, name: str, body: str, uid: str) -> Written:
        rows = await self._rows(kind, [name])
        row = rows[0] if rows else None
        if kind is Kind.CONTACTS:
            row = await self._put_card(row, name, body)
        else:
            row = await self._put_task(row, name, body)
        await self.session.flush()
        return Written(created=not rows, etag=entity_tag(row))

    async def _put_card(self, contact: Contact | None, name: str, body: str) -> Contact:
        parsed = vcard.parse_cards(body)
        if parsed.errors or len(parsed.cards) != 1:
            raise InvalidContent(True, _reason(parsed.errors))
        outcome = card_row(0, parsed.cards[0][1], latest_today())
        if isinstance(outcome, ItemError):
            raise InvalidContent(True, _reason([outcome]))
        if contact is None:
            contact = Contact(user_id=self.user_id, uid=outcome.uid, href=name)
            self.session.add(contact)
        contact.uid = outcome.uid
        set_columns(contact, outcome)
        if contact.email is not None and await self._email_taken(contact):
            # Two cards may share an address (a family); the column is unique per owner, so
            # the second keeps it in its card only.
            contact.email = None
        contact.card = body
        return contact

    async def _email_taken(self, contact: Contact) -> bool:
        query = select(Contact.id).where(
            Contact.user_id == self.user_id,
            Contact.email == contact.email,
            Contact.href != contact.href,
        )
        return (await self.session.scalar(query.limit(1))) is not None

    async def _put_task(self, task: Task | None, name: str, body: str) -> Task:
        parsed = ical.parse_todos(body)
        if parsed.errors or len(parsed.items) != 1:
            raise InvalidContent(False, _reason(parsed.errors))
        item = parsed.items[0][1]
        if task is None:
            task = Task(user_id=self.user_id, uid=item.uid, href=name)
            self.session.add(task)
        task.uid = item.uid
        set_task_columns(task, body, fitted(item))
        return task

    async def delete(self, kind: Kind, name: str) -> None:
        for row in await self._rows(kind, [name]):
            await self.session.delete(row)
        await self.session.flush()

    async def changes(self, kind: Kind, token: str | None, *, with_body: bool) -> Changes:
        current = await self.token(kind)
        if token is None:
            changed = [entry async for entry in self.entries(kind, with_body=with_body)]
            return Changes(current, changed, [])
        since = _token_number(token)
        if since is None or since > _token_number(current):  # type: ignore[operator]
            raise InvalidSyncToken()
        log = await self.session.execute(
            select(DavChange.href, DavChange.deleted)
            .where(
                DavChange.user_id == self.user_id,
                DavChange.collection == _log_name(kind),
                DavChange.id > since,
            )
            .order_by(DavChange.id)
        )
        touched = [href for href, _ in log]
        names = [_birthday_name(h) for h in touched] if kind is Kind.BIRTHDAYS else touched
        rows = await self._rows(kind, names)
        changed = [_entry(kind, row, with_body) for row in rows]
        present = {entry.name for entry in changed}
        return Changes(current, changed, [name for name in names if name not in present])


def _token_number(token: str) -> int | None:
    number = token.strip().removeprefix(TOKEN_PREFIX)
    return int(number) if number.isdigit() and len(number) < 19 else None


def _reason(errors: list[ItemError]) -> str:
    return errors[0].code if errors else "one card or one task per resource"

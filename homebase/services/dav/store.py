"""What the protocol needs from storage: one user's three collections and their change log."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol


class Kind(enum.StrEnum):
    CONTACTS = "contacts"
    TASKS = "tasks"
    BIRTHDAYS = "birthdays"

    @property
    def is_card(self) -> bool:
        return self is Kind.CONTACTS

    @property
    def writable(self) -> bool:
        return self is not Kind.BIRTHDAYS

    @property
    def component(self) -> str:
        """The iCalendar component a calendar collection holds ("VCARD" for the address book)."""
        return {Kind.CONTACTS: "VCARD", Kind.TASKS: "VTODO", Kind.BIRTHDAYS: "VEVENT"}[self]

    @property
    def extension(self) -> str:
        return "vcf" if self is Kind.CONTACTS else "ics"

    @property
    def content_type(self) -> str:
        if self is Kind.CONTACTS:
            return "text/vcard; charset=utf-8"
        return f"text/calendar; charset=utf-8; component={self.component.lower()}"


@dataclass(frozen=True, slots=True)
class Entry:
    """One resource of a collection. `body` is None when it was not asked for."""

    name: str  # the last segment of its href
    etag: str  # strong, quoted
    body: str | None = None


@dataclass(frozen=True, slots=True)
class Changes:
    token: str
    changed: list[Entry]
    removed: list[str]  # names


@dataclass(frozen=True, slots=True)
class Written:
    created: bool
    etag: str


class Store(Protocol):
    """One user's collections. Every method is scoped to that user."""

    async def token(self, kind: Kind) -> str:
        """The collection's current sync token (also its CTag)."""
        ...

    def entries(self, kind: Kind, *, with_body: bool) -> AsyncIterator[Entry]:
        """Every resource, in a stable order, read in batches (never all at once)."""
        ...

    async def fetch(self, kind: Kind, names: list[str]) -> list[Entry]:
        """The named resources that exist, with their bodies."""
        ...

    async def uid_holder(self, kind: Kind, uid: str) -> str | None:
        """The name of the resource holding this UID, if any."""
        ...

    async def put(self, kind: Kind, name: str, body: str, uid: str) -> Written:
        """Store the body verbatim under `name` (create or replace) and log the change."""
        ...

    async def delete(self, kind: Kind, name: str) -> None:
        """Remove the resource and leave a tombstone for sync."""
        ...

    async def changes(self, kind: Kind, token: str | None, *, with_body: bool) -> Changes:
        """What changed since `token` (everything for None); InvalidSyncToken if unknown."""
        ...

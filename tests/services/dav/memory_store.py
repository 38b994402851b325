"""An in-memory `Store`: the DAV protocol tested on its own, without a database."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from homebase.services.dav.errors import InvalidSyncToken
from homebase.services.dav.store import Changes, Entry, Kind, Written

TOKEN_PREFIX = "urn:x-homebase:sync:"


@dataclass
class _Item:
    uid: str
    body: str
    changed_at: int

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body.encode()).hexdigest()[:20] + '"'


@dataclass
class MemoryStore:
    items: dict[Kind, dict[str, _Item]] = field(default_factory=lambda: {k: {} for k in Kind})
    tombstones: dict[Kind, dict[str, int]] = field(default_factory=lambda: {k: {} for k in Kind})
    clock: int = 0
    oldest_token: int = 0

    def add(self, kind: Kind, name: str, body: str, uid: str) -> None:
        self.clock += 1
        self.items[kind][name] = _Item(uid, body, self.clock)

    async def token(self, kind: Kind) -> str:
        return f"{TOKEN_PREFIX}{self.clock}"

    async def entries(self, kind: Kind, *, with_body: bool) -> AsyncIterator[Entry]:
        for name, item in sorted(self.items[kind].items()):
            yield Entry(name, item.etag, item.body if with_body else None)

    async def fetch(self, kind: Kind, names: list[str]) -> list[Entry]:
        found = self.items[kind]
        return [Entry(n, found[n].etag, found[n].body) for n in names if n in found]

    async def uid_holder(self, kind: Kind, uid: str) -> str | None:
        return next((n for n, item in self.items[kind].items() if item.uid == uid), None)

    async def put(self, kind: Kind, name: str, body: str, uid: str) -> Written:
        created = name not in self.items[kind]
        self.add(kind, name, body, uid)
        self.tombstones[kind].pop(name, None)
        return Written(created, self.items[kind][name].etag)

    async def delete(self, kind: Kind, name: str) -> None:
        self.clock += 1
        del self.items[kind][name]
        self.tombstones[kind][name] = self.clock

    async def changes(self, kind: Kind, token: str | None, *, with_body: bool) -> Changes:
        since = 0
        if token is not None:
            number = token.removeprefix(TOKEN_PREFIX)
            if not number.isdigit() or not self.oldest_token <= int(number) <= self.clock:
                raise InvalidSyncToken()
            since = int(number)
        changed = [
            Entry(n, item.etag, item.body if with_body else None)
            for n, item in sorted(self.items[kind].items())
            if item.changed_at > since
        ]
        removed = [n for n, at in self.tombstones[kind].items() if at > since and token]
        return Changes(await self.token(kind), changed, removed)

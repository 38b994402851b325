"""REPORT: the multigets and queries of RFC 6352 / RFC 4791 and sync-collection (RFC 6578)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from xml.etree.ElementTree import Element

from homebase.services.dav import content, filters, resources, xml
from homebase.services.dav.errors import BadDavRequest, UnsupportedReport
from homebase.services.dav.propfind import Mode, Wanted, wanted_props
from homebase.services.dav.protocol import XML_CONTENT_TYPE, DavRequest, DavResponse
from homebase.services.dav.resources import Caller, Level, Target
from homebase.services.dav.store import Kind, Store
from homebase.services.dav.xml import CALDAV, CARDDAV, DAV, tag

_MULTIGET = {Kind.CONTACTS: tag(CARDDAV, "addressbook-multiget")}
_QUERY = {Kind.CONTACTS: tag(CARDDAV, "addressbook-query")}
for _kind in (Kind.TASKS, Kind.BIRTHDAYS):
    _MULTIGET[_kind] = tag(CALDAV, "calendar-multiget")
    _QUERY[_kind] = tag(CALDAV, "calendar-query")


async def report(request: DavRequest, caller: Caller, store: Store, target: Target) -> DavResponse:
    root = xml.parse(request.body)
    if root is None:
        raise BadDavRequest()
    if target.level is not Level.COLLECTION or target.kind is None:
        raise UnsupportedReport()
    kind = target.kind
    wanted = _report_props(root)
    if root.tag == tag(DAV, "sync-collection"):
        chunks = _sync(root, caller, store, kind, wanted)
    elif root.tag == _MULTIGET[kind]:
        chunks = _multiget(root, caller, store, kind, wanted)
    elif root.tag == _QUERY[kind]:
        chunks = _query(root, caller, store, kind, wanted)
    else:
        raise UnsupportedReport()
    # Pull the first chunk now, so that a bad filter or sync token is an error status,
    # not a broken 207 stream.
    first = await anext(chunks)
    return DavResponse(207, _prepend(first, chunks), XML_CONTENT_TYPE)


def _report_props(root: Element) -> Wanted:
    if root.find(tag(DAV, "prop")) is None and root.find(tag(DAV, "allprop")) is None:
        return Wanted(Mode.PROP, (tag(DAV, "getetag"),))
    return wanted_props(root)


async def _prepend(first: str, rest: AsyncIterator[str]) -> AsyncIterator[str]:
    yield first
    async for chunk in rest:
        yield chunk


async def _multiget(
    root: Element, caller: Caller, store: Store, kind: Kind, wanted: Wanted
) -> AsyncIterator[str]:
    # Every href is answered (a client whose first sync names a whole collection gets it
    # all); xml.MAX_ELEMENTS bounds how many a body can hold.
    hrefs = [xml.text_of(node) for node in root.iter(tag(DAV, "href"))]
    names = {href: resources.member_name(href, caller, kind) for href in hrefs}
    found = {
        entry.name: entry
        for entry in await store.fetch(kind, [name for name in names.values() if name])
    }
    yield xml.MULTISTATUS_OPEN
    for href, name in names.items():
        entry = found.get(name) if name else None
        if entry is None:
            yield xml.status_response(href, 404)
        else:
            yield wanted.select(caller.item(kind, entry.name), resources.entry_props(kind, entry))
    yield xml.MULTISTATUS_CLOSE


def _matcher(root: Element, kind: Kind) -> Callable[[list[content.Component]], bool]:
    if kind is Kind.CONTACTS:
        card = filters.card_filter(root.find(tag(CARDDAV, "filter")))
        return lambda components: any(card.test(c) for c in components if c.name == "VCARD")
    comp = filters.calendar_filter(root.find(tag(CALDAV, "filter")))
    return (lambda components: True) if comp is None else comp.test


def _limit(root: Element) -> int | None:
    node = root.find(f"{tag(CARDDAV, 'limit')}/{tag(CARDDAV, 'nresults')}")
    if node is None:
        return None
    try:
        return max(0, int(xml.text_of(node)))
    except ValueError:
        raise BadDavRequest() from None


async def _query(
    root: Element, caller: Caller, store: Store, kind: Kind, wanted: Wanted
) -> AsyncIterator[str]:
    matches, limit = _matcher(root, kind), _limit(root)
    yield xml.MULTISTATUS_OPEN
    shown = 0
    async for entry in store.entries(kind, with_body=True):
        if limit is not None and shown >= limit:
            break
        try:
            parsed = content.parse(entry.body or "")
        except content.ContentError:
            continue
        if matches(parsed):
            shown += 1
            yield wanted.select(caller.item(kind, entry.name), resources.entry_props(kind, entry))
    yield xml.MULTISTATUS_CLOSE


async def _sync(
    root: Element, caller: Caller, store: Store, kind: Kind, wanted: Wanted
) -> AsyncIterator[str]:
    token = xml.text_of(root.find(tag(DAV, "sync-token"))) or None
    changes = await store.changes(kind, token, with_body=wanted.needs_body)
    yield xml.MULTISTATUS_OPEN
    for entry in changes.changed:
        yield wanted.select(caller.item(kind, entry.name), resources.entry_props(kind, entry))
    for name in changes.removed:
        yield xml.status_response(caller.item(kind, name), 404)
    yield xml.sync_token(changes.token)
    yield xml.MULTISTATUS_CLOSE

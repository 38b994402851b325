"""GET, PUT and DELETE of one card / calendar object, with strong ETags (RFC 4918, 9110)."""

from __future__ import annotations

from homebase.core.errors import NotFound, PreconditionFailed
from homebase.services.dav import content
from homebase.services.dav.errors import InvalidContent, ReadOnly, UidConflict, UnsupportedContent
from homebase.services.dav.protocol import DavRequest, DavResponse
from homebase.services.dav.resources import Caller, Level, Target
from homebase.services.dav.store import Entry, Kind, Store

_CARD_TYPES = frozenset({"text/vcard", "text/x-vcard", "text/directory"})
_CALENDAR_TYPES = frozenset({"text/calendar"})
_INFO = "Homebase CardDAV/CalDAV: add this address to a CardDAV or CalDAV client.\n"


async def get(request: DavRequest, store: Store, target: Target) -> DavResponse:
    if target.level is not Level.ITEM:
        return DavResponse(200, None if request.method == "HEAD" else _INFO, "text/plain")
    entry = await _existing(store, target)
    if entry is None:
        raise NotFound()
    headers = {"ETag": entry.etag}
    if request.if_none_match is not None and request.if_none_match.matches_weak(entry.etag):
        return DavResponse(304, headers=headers)
    assert target.kind is not None
    body = None if request.method == "HEAD" else entry.body
    return DavResponse(200, body, target.kind.content_type, headers)


async def _existing(store: Store, target: Target) -> Entry | None:
    assert target.kind is not None and target.name is not None
    found = await store.fetch(target.kind, [target.name])
    return found[0] if found else None


def _check_preconditions(request: DavRequest, entry: Entry | None) -> None:
    none_match, match = request.if_none_match, request.if_match
    if none_match is not None and entry is not None and none_match.matches_weak(entry.etag):
        raise PreconditionFailed()
    if match is not None and (entry is None or not match.matches_strong(entry.etag)):
        raise PreconditionFailed()


def read_upload(request: DavRequest, kind: Kind) -> tuple[str, str]:
    """The uploaded text and its UID; 415 when it is not a card / calendar, 400 when broken."""
    media = (request.content_type or "").split(";")[0].strip().lower()
    allowed = _CARD_TYPES if kind.is_card else _CALENDAR_TYPES
    if media and media not in allowed:
        raise UnsupportedContent(kind.is_card)
    try:
        text = request.body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidContent(kind.is_card, "not UTF-8") from None
    root = "VCARD" if kind.is_card else "VCALENDAR"
    if not text.lstrip().upper().startswith(f"BEGIN:{root}"):
        raise UnsupportedContent(kind.is_card)
    try:
        component = content.single(text, root)
    except content.ContentError as exc:
        raise InvalidContent(kind.is_card, str(exc)) from None
    uid = component.value("UID") if kind.is_card else _calendar_uid(component, kind)
    if not uid:
        raise InvalidContent(kind.is_card, "no UID")
    return text, uid


def _calendar_uid(calendar: content.Component, kind: Kind) -> str:
    """RFC 4791 §4.1: one kind of component, all with the same UID (overrides share it)."""
    parts = [child for child in calendar.children if child.name != "VTIMEZONE"]
    if not parts or any(child.name != kind.component for child in parts):
        raise InvalidContent(False, f"a calendar object of this collection holds {kind.component}")
    uids = {child.value("UID") for child in parts}
    if len(uids) != 1:
        raise InvalidContent(False, "every component must share one UID")
    return uids.pop()


async def put(request: DavRequest, caller: Caller, store: Store, target: Target) -> DavResponse:
    kind, name = target.kind, target.name
    assert kind is not None and name is not None
    if not kind.writable:
        raise ReadOnly()
    text, uid = read_upload(request, kind)
    _check_preconditions(request, await _existing(store, target))
    holder = await store.uid_holder(kind, uid)
    if holder is not None and holder != name:
        raise UidConflict(kind.is_card, caller.item(kind, holder))
    written = await store.put(kind, name, text, uid)
    return DavResponse(201 if written.created else 204, headers={"ETag": written.etag})


async def delete(request: DavRequest, store: Store, target: Target) -> DavResponse:
    assert target.kind is not None and target.name is not None
    if not target.kind.writable:
        raise ReadOnly()
    entry = await _existing(store, target)
    if entry is None:
        raise NotFound()
    _check_preconditions(request, entry)
    await store.delete(target.kind, target.name)
    return DavResponse(204)

"""PROPFIND (RFC 4918 §9.1), Depth 0 and 1; a collection's members are streamed."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from homebase.core.errors import NotFound
from homebase.services.dav import resources, xml
from homebase.services.dav.errors import BadDavRequest, FiniteDepth
from homebase.services.dav.protocol import XML_CONTENT_TYPE, DavRequest, DavResponse
from homebase.services.dav.resources import Caller, Level, Target
from homebase.services.dav.store import Kind, Store
from homebase.services.dav.xml import DAV, tag


class Mode(enum.Enum):
    PROP = "prop"
    ALLPROP = "allprop"
    PROPNAME = "propname"


@dataclass(frozen=True, slots=True)
class Wanted:
    mode: Mode
    names: tuple[str, ...] = ()

    @property
    def needs_body(self) -> bool:
        return self.mode is Mode.PROP and any(n in resources.BODY_PROPS for n in self.names)

    def select(self, path: str, available: dict[str, str]) -> str:
        if self.mode is Mode.PROP:
            found = {n: available[n] for n in self.names if n in available}
            return xml.response(path, found, (n for n in self.names if n not in available))
        if self.mode is Mode.PROPNAME:
            return xml.response(path, dict.fromkeys(available, ""))
        shown = {n: v for n, v in available.items() if n not in resources.DATA_PROPS}
        return xml.response(path, shown)


def wanted_props(root: Element | None) -> Wanted:
    """What a `<D:propfind>` (or a REPORT's `<D:prop>`) asks for; an empty body is allprop."""
    if root is None or root.find(tag(DAV, "allprop")) is not None:
        return Wanted(Mode.ALLPROP)
    if root.find(tag(DAV, "propname")) is not None:
        return Wanted(Mode.PROPNAME)
    prop = root if root.tag == tag(DAV, "prop") else root.find(tag(DAV, "prop"))
    if prop is None:
        raise BadDavRequest()
    return Wanted(Mode.PROP, tuple(dict.fromkeys(child.tag for child in prop)))


def depth(request: DavRequest) -> int:
    """0 or 1; absent means 0 here (as most servers read it); infinity is refused."""
    value = (request.depth or "0").strip().lower()
    if value == "infinity":
        raise FiniteDepth()
    if value not in ("0", "1"):
        raise BadDavRequest()
    return int(value)


async def propfind(
    request: DavRequest, caller: Caller, store: Store, target: Target
) -> DavResponse:
    level = depth(request)
    root = xml.parse(request.body)
    if root is not None and root.tag != tag(DAV, "propfind"):
        raise BadDavRequest()
    wanted = wanted_props(root)
    if target.level is Level.ITEM:
        assert target.kind is not None and target.name is not None
        found = await store.fetch(target.kind, [target.name])
        if not found:
            raise NotFound()
        body = wanted.select(target.path, resources.entry_props(target.kind, found[0]))
        return _multistatus(_chain(body, _nothing()))
    first = await _self_props(caller, store, target)
    chunks = _members(caller, store, target, wanted) if level == 1 else _nothing()
    return _multistatus(_chain(wanted.select(target.path, first), chunks))


async def _self_props(caller: Caller, store: Store, target: Target) -> dict[str, str]:
    if target.level is Level.ROOT:
        return resources.root_props(caller)
    if target.level is Level.HOME:
        return resources.home_props(caller)
    assert target.kind is not None
    return await resources.collection_props(caller, target.kind, store)


async def _members(
    caller: Caller, store: Store, target: Target, wanted: Wanted
) -> AsyncIterator[str]:
    if target.level is Level.ROOT:
        yield wanted.select(caller.home, resources.home_props(caller))
    elif target.level is Level.HOME:
        for kind in Kind:
            props = await resources.collection_props(caller, kind, store)
            yield wanted.select(caller.collection(kind), props)
    elif target.level is Level.COLLECTION:
        assert target.kind is not None
        kind = target.kind
        async for entry in store.entries(kind, with_body=wanted.needs_body):
            yield wanted.select(caller.item(kind, entry.name), resources.entry_props(kind, entry))


async def _nothing() -> AsyncIterator[str]:
    return
    yield  # an async generator that yields nothing


async def _chain(first: str, rest: AsyncIterator[str]) -> AsyncIterator[str]:
    yield xml.MULTISTATUS_OPEN
    yield first
    async for chunk in rest:
        yield chunk
    yield xml.MULTISTATUS_CLOSE


def _multistatus(chunks: AsyncIterator[str]) -> DavResponse:
    return DavResponse(207, chunks, XML_CONTENT_TYPE)

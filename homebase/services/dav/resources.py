"""The URL space under /dav/ and the live properties of each resource.

    /dav/                             root: points at the caller's principal
    /dav/users/{id}/                  the caller's principal, and home of both collection sets
    /dav/users/{id}/{kind}/           contacts (address book), tasks, birthdays (calendars)
    /dav/users/{id}/{kind}/{name}     one card / one calendar object

Another user's paths are 404, exactly like paths that do not exist: nothing is listed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from homebase.core.errors import NotFound
from homebase.services.dav import xml
from homebase.services.dav.store import Entry, Kind, Store
from homebase.services.dav.xml import APPLE, CALDAV, CALSERVER, CARDDAV, DAV, tag

ROOT = "/dav/"
WELL_KNOWN = ("/.well-known/carddav", "/.well-known/caldav")
MAX_RESOURCE_SIZE = 1024 * 1024  # the body limit: a bigger card could not be uploaded


class Level(enum.Enum):
    ROOT = "root"
    HOME = "home"
    COLLECTION = "collection"
    ITEM = "item"


@dataclass(frozen=True, slots=True)
class Target:
    level: Level
    path: str  # the href to answer with
    kind: Kind | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Caller:
    id: int
    name: str
    email: str | None

    @property
    def home(self) -> str:
        return f"{ROOT}users/{self.id}/"

    def collection(self, kind: Kind) -> str:
        return f"{self.home}{kind.value}/"

    def item(self, kind: Kind, name: str) -> str:
        return self.collection(kind) + quote(name, safe="@+=,;:~!$&'()*")


def locate(path: str, caller: Caller) -> Target:
    """The resource a (percent-decoded) request path names; NotFound for anything else."""
    if path in WELL_KNOWN or path in ("/dav", ROOT):
        return Target(Level.ROOT, path)
    rest = path.removeprefix(f"{ROOT}users/")
    if rest == path:
        raise NotFound()
    owner, _, rest = rest.partition("/")
    if owner != str(caller.id):
        raise NotFound()
    if not rest:
        return Target(Level.HOME, caller.home)
    kind_name, _, name = rest.partition("/")
    try:
        kind = Kind(kind_name)
    except ValueError:
        raise NotFound() from None
    if not name:
        return Target(Level.COLLECTION, caller.collection(kind), kind)
    if "/" in name:
        raise NotFound()
    return Target(Level.ITEM, caller.item(kind, name), kind, name)


def member_name(href: str, caller: Caller, kind: Kind) -> str | None:
    """The member name an href of a multiget names in this collection, else None."""
    path = unquote(urlsplit(href.strip()).path)
    prefix = caller.collection(kind)
    if not path.startswith(prefix):
        return None
    name = path[len(prefix) :]
    return name if name and "/" not in name else None


# --- properties --------------------------------------------------------------------------

_PRIVILEGES_READ = ("read", "read-current-user-privilege-set")
_PRIVILEGES_WRITE = ("write", "write-content", "bind", "unbind")
_REPORTS = {
    Kind.CONTACTS: ((CARDDAV, "addressbook-multiget"), (CARDDAV, "addressbook-query")),
    Kind.TASKS: ((CALDAV, "calendar-multiget"), (CALDAV, "calendar-query")),
    Kind.BIRTHDAYS: ((CALDAV, "calendar-multiget"), (CALDAV, "calendar-query")),
}
_NAMES = {Kind.CONTACTS: "Contacts", Kind.TASKS: "Tasks", Kind.BIRTHDAYS: "Birthdays"}
# Properties that cost a body read, or are too big for allprop (RFC 4918 §9.1).
DATA_PROPS = frozenset({tag(CARDDAV, "address-data"), tag(CALDAV, "calendar-data")})
BODY_PROPS = DATA_PROPS | {tag(DAV, "getcontentlength")}


def _privileges(names: tuple[str, ...]) -> str:
    return "".join(xml.element(tag(DAV, "privilege"), xml.element(tag(DAV, n))) for n in names)


def _principal_props(caller: Caller) -> dict[str, str]:
    home = xml.href(caller.home)
    found = {
        tag(DAV, "current-user-principal"): home,
        tag(DAV, "principal-URL"): home,
        tag(DAV, "owner"): home,
        tag(CARDDAV, "addressbook-home-set"): home,
        tag(CALDAV, "calendar-home-set"): home,
        tag(DAV, "principal-collection-set"): xml.href(f"{ROOT}users/"),
        tag(DAV, "current-user-privilege-set"): _privileges(_PRIVILEGES_READ),
        tag(DAV, "supported-report-set"): "",
    }
    if caller.email:
        found[tag(CALDAV, "calendar-user-address-set")] = xml.href(f"mailto:{caller.email}")
    return found


def root_props(caller: Caller) -> dict[str, str]:
    found = _principal_props(caller)
    found[tag(DAV, "resourcetype")] = xml.element(tag(DAV, "collection"))
    found[tag(DAV, "displayname")] = "Homebase"
    return found


def home_props(caller: Caller) -> dict[str, str]:
    found = _principal_props(caller)
    found[tag(DAV, "resourcetype")] = xml.element(tag(DAV, "collection")) + xml.element(
        tag(DAV, "principal")
    )
    found[tag(DAV, "displayname")] = xml.escape(caller.name)
    return found


async def collection_props(caller: Caller, kind: Kind, store: Store) -> dict[str, str]:
    token = xml.escape(await store.token(kind))
    reports = [*_REPORTS[kind], (DAV, "sync-collection")]
    report_set = "".join(
        xml.element(
            tag(DAV, "supported-report"), xml.element(tag(DAV, "report"), xml.element(tag(ns, n)))
        )
        for ns, n in reports
    )
    privileges = _PRIVILEGES_READ + (_PRIVILEGES_WRITE if kind.writable else ())
    found = {
        tag(DAV, "displayname"): _NAMES[kind],
        tag(DAV, "owner"): xml.href(caller.home),
        tag(DAV, "current-user-principal"): xml.href(caller.home),
        tag(DAV, "current-user-privilege-set"): _privileges(privileges),
        tag(DAV, "supported-report-set"): report_set,
        tag(DAV, "sync-token"): token,
        tag(CALSERVER, "getctag"): token,
    }
    if kind is Kind.CONTACTS:
        found[tag(DAV, "resourcetype")] = xml.element(tag(DAV, "collection")) + xml.element(
            tag(CARDDAV, "addressbook")
        )
        found[tag(CARDDAV, "supported-address-data")] = "".join(
            xml.element(
                tag(CARDDAV, "address-data-type"),
                attrs={"content-type": "text/vcard", "version": version},
            )
            for version in ("3.0", "4.0")
        )
        found[tag(CARDDAV, "max-resource-size")] = str(MAX_RESOURCE_SIZE)
        found[tag(CARDDAV, "addressbook-description")] = "Homebase contacts"
        return found
    found[tag(DAV, "resourcetype")] = xml.element(tag(DAV, "collection")) + xml.element(
        tag(CALDAV, "calendar")
    )
    found[tag(CALDAV, "supported-calendar-component-set")] = xml.element(
        tag(CALDAV, "comp"), attrs={"name": kind.component}
    )
    found[tag(CALDAV, "supported-calendar-data")] = xml.element(
        tag(CALDAV, "calendar-data"), attrs={"content-type": "text/calendar", "version": "2.0"}
    )
    found[tag(CALDAV, "max-resource-size")] = str(MAX_RESOURCE_SIZE)
    found[tag(CALDAV, "calendar-description")] = f"Homebase {kind.value}"
    found[tag(APPLE, "calendar-color")] = "#3A7CA5FF" if kind is Kind.TASKS else "#C2185BFF"
    return found


def entry_props(kind: Kind, entry: Entry) -> dict[str, str]:
    found = {
        tag(DAV, "getetag"): xml.escape(entry.etag),
        tag(DAV, "getcontenttype"): kind.content_type,
        tag(DAV, "resourcetype"): "",
    }
    if entry.body is not None:
        data = tag(CARDDAV, "address-data") if kind.is_card else tag(CALDAV, "calendar-data")
        found[data] = xml.escape(entry.body)
        found[tag(DAV, "getcontentlength")] = str(len(entry.body.encode()))
    return found

"""Helpers for DAV tests: request bodies, multistatus reading, sample cards and tasks."""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element

import httpx
from defusedxml.ElementTree import fromstring

from tests.factories import UserHandle

D, CR, C, CS = (
    "DAV:",
    "urn:ietf:params:xml:ns:carddav",
    "urn:ietf:params:xml:ns:caldav",
    ("http://calendarserver.org/ns/"),
)
NS = f'xmlns:D="{D}" xmlns:CR="{CR}" xmlns:C="{C}" xmlns:CS="{CS}"'


def t(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def propfind(*props: str) -> str:
    inner = "".join(f"<{p}/>" for p in props)
    return f'<?xml version="1.0"?><D:propfind {NS}><D:prop>{inner}</D:prop></D:propfind>'


def card(uid: str, fn: str, email: str | None = None, extra: str = "") -> str:
    lines = ["BEGIN:VCARD", "VERSION:4.0", f"UID:{uid}", f"FN:{fn}", f"N:{fn};;;;"]
    if email:
        lines.append(f"EMAIL;TYPE=home:{email}")
    if extra:
        lines.append(extra)
    return "\r\n".join([*lines, "END:VCARD", ""])


def todo(uid: str, summary: str, due: str | None = None, extra: str = "") -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Test//EN",
        "BEGIN:VTODO",
        f"UID:{uid}",
        "DTSTAMP:20240101T000000Z",
        f"SUMMARY:{summary}",
    ]
    if due:
        lines.append(f"DUE;VALUE=DATE:{due}" if len(due) == 8 else f"DUE:{due}")
    if extra:
        lines.append(extra)
    return "\r\n".join([*lines, "END:VTODO", "END:VCALENDAR", ""])


@dataclass
class Resp:
    href: str
    status: int | None  # a bare status response (sync removals, multiget misses)
    props: dict[str, Element]  # found (200) properties
    missing: list[str]


def multistatus(response: httpx.Response) -> tuple[list[Resp], str | None]:
    assert response.status_code == 207, response.text
    root = fromstring(response.content)
    found = []
    for node in root.findall(t(D, "response")):
        href = node.findtext(t(D, "href")) or ""
        status_text = node.findtext(t(D, "status"))
        props: dict[str, Element] = {}
        missing: list[str] = []
        for propstat in node.findall(t(D, "propstat")):
            ok = " 200 " in (propstat.findtext(t(D, "status")) or "")
            for prop in propstat.find(t(D, "prop")) or []:
                if ok:
                    props[prop.tag] = prop
                else:
                    missing.append(prop.tag)
        status = int(status_text.split()[1]) if status_text else None
        found.append(Resp(href, status, props, missing))
    return found, root.findtext(t(D, "sync-token"))


def by_href(responses: list[Resp]) -> dict[str, Resp]:
    return {resp.href: resp for resp in responses}


async def put(client: httpx.AsyncClient, user: UserHandle, name: str, body: str) -> None:
    """A new item in one of the user's collections (`contacts/a.vcf`, `tasks/a.ics`)."""
    media = "text/vcard" if name.endswith(".vcf") else "text/calendar"
    response = await client.put(
        f"/dav/users/{user.id}/{name}",
        content=body,
        headers={**user.basic, "Content-Type": media},
    )
    assert response.status_code == 201, response.text

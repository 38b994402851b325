"""XML from clients is hostile input; XML to clients is written as text, streamable.

Parsing goes through defusedxml: a DOCTYPE (and with it every entity, internal or external)
is refused outright, so no billion laughs and no file or network access. Size is bounded by
the body limit and `MAX_BODY`, nesting by `MAX_DEPTH`; anything else malformed is a 400.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import quoteattr

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from homebase.services.dav.errors import MalformedXml

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
CARDDAV = "urn:ietf:params:xml:ns:carddav"
CALSERVER = "http://calendarserver.org/ns/"
APPLE = "http://apple.com/ns/ical/"

# Prefixes declared once on the root of every document Homebase writes.
PREFIXES = {DAV: "D", CALDAV: "C", CARDDAV: "CR", CALSERVER: "CS", APPLE: "A"}
_ROOT_XMLNS = " ".join(f"xmlns:{prefix}={quoteattr(ns)}" for ns, prefix in PREFIXES.items())

# A first sync asks for a whole collection at once: vdirsyncer's multiget names every href
# (10,000 cards: 530 KB, 10,003 elements). These fit about 70,000 hrefs; a PROPFIND is far
# smaller. No DTD means no entity can make the parsed tree larger than the body.
MAX_BODY = 4 * 1024 * 1024
MAX_DEPTH = 32  # filters nest five deep at most; anything deeper is not a DAV request
MAX_ELEMENTS = 100_000


# XML 1.0 cannot carry these at all; a card holding one is sent with U+FFFD in its place.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape(value: str) -> str:
    """Text content; CR kept as a reference so CRLF line breaks survive the parser."""
    return _escape(_NOT_XML.sub("\ufffd", value), {"\r": "&#13;"})


def tag(namespace: str, name: str) -> str:
    """Clark notation, as ElementTree names elements: `{DAV:}getetag`."""
    return f"{{{namespace}}}{name}"


def split(clark: str) -> tuple[str, str]:
    if clark.startswith("{"):
        namespace, _, name = clark[1:].partition("}")
        return namespace, name
    return "", clark


def parse(body: bytes) -> Element | None:
    """The root element of a request body, None for an empty body; MalformedXml otherwise."""
    if not body.strip():
        return None
    if len(body) > MAX_BODY:
        raise MalformedXml("dav_body_too_large")
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise MalformedXml() from exc
    _check_shape(root)
    return root


def _check_shape(root: Element) -> None:
    """Depth and element count, walked without recursion."""
    stack = [(root, 1)]
    count = 0
    while stack:
        element, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH or count > MAX_ELEMENTS:
            raise MalformedXml()
        stack.extend((child, depth + 1) for child in element)


def text_of(element: Element | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


# --- writing ---------------------------------------------------------------------------


def element(clark: str, inner: str = "", attrs: Mapping[str, str] | None = None) -> str:
    """`<P:name attr="…">inner</P:name>`, with an inline xmlns for an unknown namespace."""
    namespace, name = split(clark)
    prefix = PREFIXES.get(namespace)
    extra = ""
    if prefix is None:
        prefix = "X"
        extra = f" xmlns:X={quoteattr(namespace)}" if namespace else ""
        if not namespace:
            prefix = ""
    qualified = f"{prefix}:{name}" if prefix else name
    for key, value in (attrs or {}).items():
        extra += f" {key}={quoteattr(value)}"
    if not inner:
        return f"<{qualified}{extra}/>"
    return f"<{qualified}{extra}>{inner}</{qualified}>"


def text(clark: str, value: str) -> str:
    return element(clark, escape(value))


def href(path: str) -> str:
    return text(tag(DAV, "href"), path)


def hrefs(paths: Iterable[str]) -> str:
    return "".join(href(path) for path in paths)


STATUS_TEXT = {
    200: "OK",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    412: "Precondition Failed",
    507: "Insufficient Storage",
}


def status_line(code: int) -> str:
    return text(tag(DAV, "status"), f"HTTP/1.1 {code} {STATUS_TEXT.get(code, '')}".rstrip())


def response(path: str, found: Mapping[str, str], missing: Iterable[str] = ()) -> str:
    """One `<D:response>`: the properties found (clark → inner XML), then those not found."""
    parts = [href(path)]
    if found:
        props = "".join(element(name, inner) for name, inner in found.items())
        parts.append(
            element(tag(DAV, "propstat"), element(tag(DAV, "prop"), props) + status_line(200))
        )
    missing = list(missing)
    if missing:
        props = "".join(element(name) for name in missing)
        parts.append(
            element(tag(DAV, "propstat"), element(tag(DAV, "prop"), props) + status_line(404))
        )
    return element(tag(DAV, "response"), "".join(parts))


def status_response(path: str, code: int) -> str:
    """A `<D:response>` carrying only a status: a member that is gone (sync) or not found."""
    return element(tag(DAV, "response"), href(path) + status_line(code))


MULTISTATUS_OPEN = f'<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus {_ROOT_XMLNS}>'
MULTISTATUS_CLOSE = "</D:multistatus>"


def sync_token(token: str) -> str:
    return text(tag(DAV, "sync-token"), token)


def error_document(condition: str, description: str = "") -> str:
    """An RFC 4918 §16 error body: the failed precondition (rendered XML), then a message."""
    inner = condition + (text(tag(DAV, "responsedescription"), description) if description else "")
    return f'<?xml version="1.0" encoding="utf-8"?>\n<D:error {_ROOT_XMLNS}>{inner}</D:error>'

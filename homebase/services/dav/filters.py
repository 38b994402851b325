"""Query filters: RFC 6352 §10.5 (addressbook-query) and RFC 4791 §9.7 (calendar-query).

A filter is read from the REPORT body once and evaluated on each resource's parsed content.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from xml.etree.ElementTree import Element
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from homebase.services.dav import content
from homebase.services.dav.errors import BadDavRequest
from homebase.services.dav.xml import CALDAV, CARDDAV, tag

_COLLATIONS: dict[str, Callable[[str], str]] = {
    "i;unicode-casemap": lambda text: unicodedata.normalize("NFKC", text).casefold(),
    "i;ascii-casemap": lambda text: text.translate(
        str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
    ),
    "i;octet": lambda text: text,
}
_MATCHES: dict[str, Callable[[str, str], bool]] = {
    "equals": lambda value, wanted: value == wanted,
    "contains": lambda value, wanted: wanted in value,
    "starts-with": lambda value, wanted: value.startswith(wanted),
    "ends-with": lambda value, wanted: value.endswith(wanted),
}


@dataclass(frozen=True, slots=True)
class TextMatch:
    text: str
    collation: Callable[[str], str]
    match: Callable[[str, str], bool]
    negate: bool

    def test(self, values: list[str]) -> bool:
        wanted = self.collation(self.text)
        found = any(self.match(self.collation(value), wanted) for value in values)
        return found != self.negate


def _text_match(node: Element, default_match: str) -> TextMatch:
    collation = node.get("collation", "i;unicode-casemap")
    match_type = node.get("match-type", default_match)
    if collation not in _COLLATIONS or match_type not in _MATCHES:
        raise BadDavRequest()
    negate = node.get("negate-condition", "no") == "yes"
    return TextMatch(node.text or "", _COLLATIONS[collation], _MATCHES[match_type], negate)


# --- addressbook-query -----------------------------------------------------------------


@dataclass(slots=True)
class PropFilter:
    name: str
    all_of: bool
    undefined: bool = False
    matches: list[TextMatch] = field(default_factory=list)
    time_range: tuple[datetime, datetime] | None = None

    def test(self, component: content.Component) -> bool:
        props = component.all(self.name)
        if self.undefined:
            return not props
        if not props:
            return False
        if self.time_range is not None:
            return any(_prop_in_range(prop, *self.time_range) for prop in props)
        values = [content.unescape(prop.value) for prop in props]
        if not self.matches:
            return True
        results = (match.test(values) for match in self.matches)
        return all(results) if self.all_of else any(results)


def _prop_filter(node: Element, ns: str, default_match: str) -> PropFilter:
    name = node.get("name", "").upper()
    if not name:
        raise BadDavRequest()
    found = PropFilter(name, all_of=node.get("test", "anyof") == "allof")
    for child in node:
        if child.tag == tag(ns, "is-not-defined"):
            found.undefined = True
        elif child.tag == tag(ns, "text-match"):
            found.matches.append(_text_match(child, default_match))
        elif child.tag == tag(ns, "time-range"):
            found.time_range = _time_range(child)
    return found


@dataclass(slots=True)
class CardFilter:
    all_of: bool
    props: list[PropFilter]

    def test(self, card: content.Component) -> bool:
        if not self.props:
            return True
        results = (prop.test(card) for prop in self.props)
        return all(results) if self.all_of else any(results)


def card_filter(node: Element | None) -> CardFilter:
    """RFC 6352 §10.5: prop-filters combined by the filter's `test` (default anyof)."""
    if node is None:
        return CardFilter(all_of=False, props=[])
    props = [
        _prop_filter(child, CARDDAV, "contains")
        for child in node
        if child.tag == tag(CARDDAV, "prop-filter")
    ]
    return CardFilter(all_of=node.get("test", "anyof") == "allof", props=props)


# --- calendar-query --------------------------------------------------------------------


@dataclass(slots=True)
class CompFilter:
    name: str
    undefined: bool = False
    time_range: tuple[datetime, datetime] | None = None
    props: list[PropFilter] = field(default_factory=list)
    comps: list[CompFilter] = field(default_factory=list)

    def test(self, components: list[content.Component]) -> bool:
        """True when some component of this name passes (RFC 4791 §9.7.1)."""
        named = [component for component in components if component.name == self.name]
        if self.undefined:
            return not named
        return any(self._passes(component) for component in named)

    def _passes(self, component: content.Component) -> bool:
        if self.time_range is not None and not _component_in_range(component, *self.time_range):
            return False
        if not all(prop.test(component) for prop in self.props):
            return False
        return all(comp.test(component.children) for comp in self.comps)


def _comp_filter(node: Element) -> CompFilter:
    name = node.get("name", "").upper()
    if not name:
        raise BadDavRequest()
    found = CompFilter(name)
    for child in node:
        if child.tag == tag(CALDAV, "is-not-defined"):
            found.undefined = True
        elif child.tag == tag(CALDAV, "time-range"):
            found.time_range = _time_range(child)
        elif child.tag == tag(CALDAV, "prop-filter"):
            found.props.append(_prop_filter(child, CALDAV, "contains"))
        elif child.tag == tag(CALDAV, "comp-filter"):
            found.comps.append(_comp_filter(child))
    return found


def calendar_filter(node: Element | None) -> CompFilter | None:
    """The filter's one top comp-filter (VCALENDAR); None when there is no filter."""
    if node is None:
        return None
    tops = [child for child in node if child.tag == tag(CALDAV, "comp-filter")]
    if len(tops) != 1:
        raise BadDavRequest()
    return _comp_filter(tops[0])


_FAR_PAST = datetime(1, 1, 2, tzinfo=UTC)
_FAR_FUTURE = datetime(9999, 12, 30, tzinfo=UTC)


def _time_range(node: Element) -> tuple[datetime, datetime]:
    start, end = node.get("start"), node.get("end")
    if start is None and end is None:
        raise BadDavRequest()
    begin = _utc_stamp(start) if start else _FAR_PAST
    until = _utc_stamp(end) if end else _FAR_FUTURE
    return begin, until


def _utc_stamp(value: str) -> datetime:
    try:
        return datetime.strptime(value.strip(), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise BadDavRequest() from exc


def moment(prop: content.Prop) -> datetime | None:
    """A DATE or DATE-TIME value in UTC (floating and dates read as UTC); None if unreadable."""
    value = prop.value.strip()
    try:
        if len(value) == 8:
            return datetime.combine(
                date(int(value[:4]), int(value[4:6]), int(value[6:])), datetime.min.time(), UTC
            )
        parsed = datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")
    except ValueError:
        return None
    if value.endswith("Z"):
        return parsed.replace(tzinfo=UTC)
    zone = (prop.params.get("TZID") or [""])[0]
    try:
        return parsed.replace(tzinfo=ZoneInfo(zone) if zone else UTC).astimezone(UTC)
    except (ZoneInfoNotFoundError, ValueError):
        return parsed.replace(tzinfo=UTC)


def _prop_in_range(prop: content.Prop, start: datetime, end: datetime) -> bool:
    found = moment(prop)
    return found is not None and start <= found < end


def _component_in_range(component: content.Component, start: datetime, end: datetime) -> bool:
    if component.name == "VTODO":
        return _todo_in_range(component, start, end)
    begin = _first_moment(component, "DTSTART")
    if begin is None:
        return False
    finish = _first_moment(component, "DTEND") or begin + timedelta(days=1)
    if "FREQ=YEARLY" in component.value("RRULE").upper():
        return _yearly_in_range(begin, finish - begin, start, end)
    return begin < end and finish > start


def _first_moment(component: content.Component, name: str) -> datetime | None:
    prop = component.first(name)
    return moment(prop) if prop is not None else None


def _todo_in_range(todo: content.Component, start: datetime, end: datetime) -> bool:
    """RFC 4791 §9.9, the VTODO table, without DURATION."""
    dtstart, due = _first_moment(todo, "DTSTART"), _first_moment(todo, "DUE")
    completed, created = _first_moment(todo, "COMPLETED"), _first_moment(todo, "CREATED")
    if dtstart is not None and due is not None:
        return (start <= dtstart < end) or (start < due <= end) or (dtstart <= start and due > end)
    if dtstart is not None:
        return start <= dtstart < end or dtstart < start  # open-ended: overlaps from its start
    if due is not None:
        return start < due <= end
    if completed is not None or created is not None:
        first, last = created or completed, completed or created
        assert first is not None and last is not None
        return first <= end and last >= start
    return True


def _yearly_in_range(first: datetime, length: timedelta, start: datetime, end: datetime) -> bool:
    for year in range(max(first.year, start.year - 1), min(end.year, 9998) + 1):
        try:
            occurrence = first.replace(year=year)
        except ValueError:  # 29 February in a common year
            occurrence = first.replace(year=year, day=28)
        if occurrence < end and occurrence + length > start:
            return True
    return False

"""vCard 2.1, 3.0 and 4.0: split a body into cards, read the fields Homebase maps, write them back.

The stored card is the source of truth for everything Homebase has no column for, so the
writer rewrites only the properties whose mapped value changed and leaves every other line
byte-identical (line breaks are normalised to CRLF).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date

from homebase.services.interchange import contentline as cl
from homebase.services.interchange.items import UID_MAX, ItemError, content_uid

VERSIONS = ("2.1", "3.0", "4.0")
_LINE_BREAK = re.compile(r"\r\n|\n|\r")
_FULL_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:T.*)?$")
_YEARLESS = re.compile(r"^--(\d{2})-?(\d{2})$")
# Left out of a derived UID: exporters stamp them anew on every export.
_VOLATILE = frozenset({"REV", "PRODID", "X-ABUID"})


@dataclass(frozen=True, slots=True)
class Birthday:
    """A birthday, possibly without a year (`BDAY:--0228`)."""

    month: int
    day: int
    year: int | None = None

    def iso(self) -> str:
        """`1990-02-28`, or `--02-28` (ISO 8601 / RFC 6350) for a year-less one."""
        if self.year is None:
            return f"--{self.month:02d}-{self.day:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def as_date(self) -> date | None:
        return None if self.year is None else date(self.year, self.month, self.day)

    @classmethod
    def parse(cls, text: str) -> Birthday | None:
        """The vCard forms (`19900228`, `1990-02-28`, `--0228`, `--02-28`); None otherwise."""
        text = text.strip()
        year: int | None
        if match := _FULL_DATE.match(text):
            year, month, day = (int(part) for part in match.groups())
        elif match := _YEARLESS.match(text):
            year, (month, day) = None, (int(part) for part in match.groups())
        else:
            return None
        try:
            date(year or 2000, month, day)  # 2000 is a leap year: --02-29 is valid
        except ValueError:
            return None
        return cls(month=month, day=day, year=year)


@dataclass(frozen=True, slots=True)
class Mapped:
    """The values Homebase keeps in columns; None where the card has none."""

    first_name: str = ""
    last_name: str = ""
    email: str | None = None
    phone: str | None = None
    birthday: Birthday | None = None
    note: str | None = None


@dataclass(slots=True)
class Card:
    version: str
    uid: str
    props: list[cl.Property]  # between BEGIN:VCARD and END:VCARD

    def text(self) -> str:
        lines = ["BEGIN:VCARD"]
        for prop in self.props:
            lines.extend(prop.raw)
        lines.append("END:VCARD")
        return cl.CRLF.join(lines) + cl.CRLF

    def first(self, name: str) -> cl.Property | None:
        return next((prop for prop in self.props if prop.name == name), None)

    def values(self, name: str) -> list[str]:
        return [cl.unescape(prop.value).strip() for prop in self.props if prop.name == name]

    def names(self) -> tuple[str, str]:
        """(first, last) from N; FN (then ORG) as the first name when N is empty."""
        n = self.first("N")
        if n is not None:
            parts = [_component(part) for part in cl.split_escaped(n.value, ";")] + ["", ""]
            if parts[0] or parts[1]:
                return parts[1], parts[0]
        for fallback in ("FN", "ORG"):
            prop = self.first(fallback)
            if prop is not None:
                text = _component(cl.split_escaped(prop.value, ";")[0])
                if text:
                    return text, ""
        return "", ""

    def emails(self) -> list[str]:
        """Every EMAIL value, the preferred ones first (TYPE=pref, then PREF=n), else in order."""
        found = [(_pref_rank(p), i, p) for i, p in enumerate(self.props) if p.name == "EMAIL"]
        values = (cl.unescape(prop.value).strip() for _, _, prop in sorted(found))
        return [value for value in values if value]

    def phones(self) -> list[str]:
        values = (_tel_value(prop) for prop in self.props if prop.name == "TEL")
        return [value for value in values if value]

    def birthday(self) -> Birthday | None:
        prop = self.first("BDAY")
        if prop is None or "text" in {v.lower() for v in prop.param_values("VALUE")}:
            return None
        found = Birthday.parse(prop.value)
        omit = prop.param_values("X-APPLE-OMIT-YEAR")  # Apple: 1604-02-28 means "no year"
        if found is not None and omit and str(found.year) == omit[0].strip():
            found = replace(found, year=None)
        return found

    def note(self) -> str | None:
        notes = (cl.unescape(prop.value) for prop in self.props if prop.name == "NOTE")
        return next((note for note in notes if note.strip()), None)

    def mapped(self) -> Mapped:
        """SPEC §8's mapping, unvalidated (the service checks lengths and formats)."""
        first, last = self.names()
        emails, phones = self.emails(), self.phones()
        return Mapped(
            first_name=first,
            last_name=last,
            email=emails[0] if emails else None,
            phone=phones[0] if phones else None,
            birthday=self.birthday(),
            note=self.note(),
        )


def _component(part: str) -> str:
    return " ".join(cl.unescape(item).strip() for item in cl.split_escaped(part, ",")).strip()


def _pref_rank(prop: cl.Property) -> int:
    pref = prop.param_values("PREF")
    if pref:
        try:
            return max(1, min(100, int(pref[0])))
        except ValueError:
            return 1
    return 1 if "pref" in prop.types() else 101


def _tel_value(prop: cl.Property) -> str:
    value = cl.unescape(prop.value).strip()
    return value[4:] if value.lower().startswith("tel:") else value


@dataclass(slots=True)
class ParsedCards:
    cards: list[tuple[int, Card]]  # (index in the file, card)
    errors: list[ItemError]


def parse_cards(body: str) -> ParsedCards:
    """Every `BEGIN:VCARD … END:VCARD` of a body; a bad card becomes an ItemError."""
    result = ParsedCards(cards=[], errors=[])
    for index, outcome in iter_cards(body):
        if isinstance(outcome, ItemError):
            result.errors.append(outcome)
        else:
            result.cards.append((index, outcome))
    return result


def iter_cards(body: str) -> Iterator[tuple[int, Card | ItemError]]:
    """`parse_cards` one card at a time, in file order: an import of thousands of cards never
    holds more than one card's lines and properties at once."""
    seen: set[str] = set()
    for index, lines in enumerate(_split_cards(body)):
        outcome = _card(index, lines)
        if isinstance(outcome, Card) and outcome.uid in seen:
            outcome = ItemError(index, outcome.uid, "duplicate_uid")
        if isinstance(outcome, Card):
            seen.add(outcome.uid)
        yield index, outcome


def _split_cards(body: str) -> Iterator[list[str] | None]:
    """The physical lines inside each card; None for a card that never ends."""
    current: list[str] | None = None
    for line in _lines(body):
        marker = line.strip().upper()
        if marker == "BEGIN:VCARD":
            if current is not None:
                yield None
            current = []
        elif marker == "END:VCARD" and current is not None:
            yield current
            current = None
        elif current is not None:
            current.append(line)
    if current is not None:
        yield None


def _lines(body: str) -> Iterator[str]:
    """`_LINE_BREAK.split(body)`, one line at a time."""
    start = 0
    for line_break in _LINE_BREAK.finditer(body):
        yield body[start : line_break.start()]
        start = line_break.end()
    yield body[start:]


def _card(index: int, lines: list[str] | None) -> Card | ItemError:
    if lines is None:
        return ItemError(index, None, "invalid_vcard", "BEGIN:VCARD without END:VCARD")
    props: list[cl.Property] = []
    for raw in cl.unfold(lines):
        try:
            props.append(cl.parse(raw))
        except cl.ContentLineError as exc:
            return ItemError(index, None, "invalid_vcard", f"malformed line: {exc}")
    uid_prop = next((prop for prop in props if prop.name == "UID"), None)
    uid = uid_prop.value.strip() if uid_prop is not None else ""
    version = next((prop.value.strip() for prop in props if prop.name == "VERSION"), "3.0")
    if version not in VERSIONS:
        return ItemError(index, uid or None, "unsupported_version", version)
    if len(uid) > UID_MAX or any(ord(ch) < 32 for ch in uid):
        return ItemError(index, uid[:UID_MAX], "invalid_uid")
    card = Card(version=version, uid=uid, props=props)
    if not uid:
        card.uid = content_uid(_stable_content(props))
        if uid_prop is not None:
            card.props.remove(uid_prop)
        card.props.insert(_after_version(card), _new_prop("UID", card.uid))
    if card.names() == ("", ""):
        return ItemError(index, card.uid, "missing_name")
    return card


def _stable_content(props: list[cl.Property]) -> str:
    return "\n".join(
        "\n".join(prop.raw) for prop in props if prop.name not in _VOLATILE and prop.name != "UID"
    )


def _after_version(card: Card) -> int:
    for position, prop in enumerate(card.props):
        if prop.name == "VERSION":
            return position + 1
    return 0


def _new_prop(name: str, value: str, head: str | None = None) -> cl.Property:
    raw = cl.fold(f"{head or name}:{value}")
    return cl.Property(name=name, value=value, raw=raw)


def new_card(uid: str, fields: Mapped) -> Card:
    """A vCard 4.0 for a contact that has none (created through REST)."""
    skeleton = Card(
        version="4.0",
        uid=uid,
        props=[
            _new_prop("VERSION", "4.0"),
            _new_prop("UID", uid),  # as stored: a re-import must find the same contact
            _new_prop("FN", ""),
            _new_prop("N", ";;;;"),
        ],
    )
    return apply(skeleton, Mapped(), fields)


def apply(card: Card, old: Mapped, new: Mapped) -> Card:
    """`card` with the properties behind each changed field rewritten; others untouched."""
    out = Card(version=card.version, uid=card.uid, props=list(card.props))
    if (old.first_name, old.last_name) != (new.first_name, new.last_name):
        _rewrite_names(out, new.first_name, new.last_name)
    if _norm(old.email) != _norm(new.email):
        _set_value(out, "EMAIL", old.email, new.email, _norm)
    if old.phone != new.phone:
        _set_value(out, "TEL", old.phone, new.phone, lambda text: text)
    if old.birthday != new.birthday:
        value = None if new.birthday is None else _bday_text(out.version, new.birthday)
        _replace(out, "BDAY", lambda prop: True, value, keep_params=False)
    if old.note != new.note:
        _replace(out, "NOTE", lambda prop: True, _esc(new.note), keep_params=True)
    return out


def _norm(text: str | None) -> str | None:
    return None if text is None else text.strip().lower()


def _esc(text: str | None) -> str | None:
    return None if text is None else cl.escape(text)


def _rewrite_names(card: Card, first: str, last: str) -> None:
    n = card.first("N")
    parts = cl.split_escaped(n.value, ";") if n is not None else []
    parts = (parts + [""] * 5)[: max(5, len(parts))]
    parts[0], parts[1] = cl.escape(last), cl.escape(first)
    _replace(card, "N", lambda prop: True, ";".join(parts), keep_params=True)
    prefix, suffix = (_component(parts[3]), _component(parts[4]))
    display = " ".join(part for part in (prefix, first, last, suffix) if part)
    _replace(card, "FN", lambda prop: True, cl.escape(display), keep_params=True)


def _set_value(
    card: Card, name: str, old: str | None, new: str | None, norm: Callable[[str], str | None]
) -> None:
    """Rewrite the property that held `old` (keeping its group and parameters)."""

    def held_old(prop: cl.Property) -> bool:
        value = _tel_value(prop) if name == "TEL" else cl.unescape(prop.value).strip()
        return old is not None and norm(value) == norm(old)

    holder = next((p for p in card.props if p.name == name and held_old(p)), None)
    if holder is None:
        if new is not None:
            _insert(card, _new_prop(name, cl.escape(new)))
        return
    value = _esc(new)
    if value is not None and holder.value.strip().lower().startswith("tel:"):
        value = "tel:" + value  # a vCard 4.0 URI value (TEL;VALUE=uri:tel:+1…) stays one
    _replace(card, name, held_old, value, keep_params=True)


def _replace(
    card: Card,
    name: str,
    match: Callable[[cl.Property], bool],
    value: str | None,
    *,
    keep_params: bool,
) -> None:
    """Put `value` in the first `name` property that matches, drop it for None, or add one."""
    for position, prop in enumerate(card.props):
        if prop.name == name and match(prop):
            if value is None:
                del card.props[position]
            else:
                head = _head(prop, card.version) if keep_params else name
                card.props[position] = _new_prop(name, value, head)
            return
    if value is not None:
        _insert(card, _new_prop(name, value))


def _insert(card: Card, prop: cl.Property) -> None:
    card.props.append(prop)


def _head(prop: cl.Property, version: str) -> str:
    """The property's name and parameters as uploaded, unless they described an encoding
    that the new plain value no longer has."""
    logical = prop.raw[0] + "".join(line[1:] for line in prop.raw[1:])
    head = logical[: len(logical) - len(prop.value) - 1] if logical.endswith(prop.value) else ""
    if head and "ENCODING" not in head.upper():
        return head
    params = [
        f"{key}={','.join(values)}" if key else ",".join(values)
        for key, values in prop.params.items()
        if key not in ("ENCODING", "CHARSET")
    ]
    if version == "2.1":
        params.append("CHARSET=UTF-8")
    group = f"{prop.group}." if prop.group else ""
    return group + ";".join([prop.name, *params])


def _bday_text(version: str, birthday: Birthday) -> str:
    if version == "4.0":
        if birthday.year is None:
            return f"--{birthday.month:02d}{birthday.day:02d}"
        return f"{birthday.year:04d}{birthday.month:02d}{birthday.day:02d}"
    return birthday.iso()

"""Just enough of vCard / iCalendar to check an upload and evaluate query filters.

What the columns hold is mapped by the interchange readers; this reader only needs the
component tree, property names, parameters and raw values, and it never rewrites anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LINE_BREAK = re.compile(r"\r\n|\n|\r")
_MAX_COMPONENTS = 1_000


class ContentError(ValueError):
    """Not a well-formed vCard / iCalendar object."""


@dataclass(slots=True)
class Prop:
    name: str  # upper-cased, group removed
    params: dict[str, list[str]]  # keys upper-cased
    value: str  # as on the wire (escaped)


@dataclass(slots=True)
class Component:
    name: str  # VCARD, VCALENDAR, VTODO, …
    props: list[Prop] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)

    def all(self, name: str) -> list[Prop]:
        return [prop for prop in self.props if prop.name == name]

    def first(self, name: str) -> Prop | None:
        return next((prop for prop in self.props if prop.name == name), None)

    def value(self, name: str) -> str:
        prop = self.first(name)
        return unescape(prop.value).strip() if prop is not None else ""


def unfold(text: str) -> list[str]:
    logical: list[str] = []
    for line in _LINE_BREAK.split(text):
        if line[:1] in (" ", "\t") and logical:
            logical[-1] += line[1:]
        elif line.strip():
            logical.append(line)
    return logical


def parse_line(line: str) -> Prop:
    """`group.NAME;P=a,"b:c";Q=d:value` → Prop; quoted parameter values may hold `:` and `;`."""
    head_end, quoted = -1, False
    for position, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            head_end = position
            break
    if head_end <= 0:
        raise ContentError(f"no value in line {line[:40]!r}")
    head, value = line[:head_end], line[head_end + 1 :]
    pieces = _split_params(head)
    name = pieces[0].rsplit(".", 1)[-1].strip().upper()
    if not name or not re.fullmatch(r"[A-Z0-9-]+", name):
        raise ContentError(f"bad property name {pieces[0][:40]!r}")
    params: dict[str, list[str]] = {}
    for piece in pieces[1:]:
        key, sep, raw = piece.partition("=")
        values = [v.strip('"') for v in raw.split(",")] if sep else [key]
        params.setdefault(key.upper() if sep else "", []).extend(values)
    return Prop(name=name, params=params, value=value)


def _split_params(head: str) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    quoted = False
    for char in head:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return pieces


def parse(text: str) -> list[Component]:
    """The top-level components of a body (BEGIN … END, nested)."""
    roots: list[Component] = []
    stack: list[Component] = []
    count = 0
    for line in unfold(text):
        prop = parse_line(line)
        if prop.name == "BEGIN":
            count += 1
            if count > _MAX_COMPONENTS:
                raise ContentError("too many components")
            stack.append(Component(prop.value.strip().upper()))
        elif prop.name == "END":
            if not stack or stack[-1].name != prop.value.strip().upper():
                raise ContentError(f"END:{prop.value[:20]} does not close a component")
            done = stack.pop()
            (stack[-1].children if stack else roots).append(done)
        elif stack:
            stack[-1].props.append(prop)
        else:
            raise ContentError("a property outside any component")
    if stack:
        raise ContentError(f"BEGIN:{stack[-1].name} is never closed")
    return roots


def unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            out.append("\n" if following in ("n", "N") else following)
        else:
            out.append(char)
    return "".join(out)


def single(text: str, root: str) -> Component:
    """The one top-level component of an upload, which must be `root`."""
    components = parse(text)
    if len(components) != 1 or components[0].name != root:
        raise ContentError(f"the body must hold exactly one {root}")
    return components[0]

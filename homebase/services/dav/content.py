"""Just enough of vCard / iCalendar to check an upload and evaluate query filters.

What the columns hold is mapped by the interchange readers; this reader only needs the
component tree, property names, parameters and raw values, and it never rewrites anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from homebase.services.interchange import contentline as cl

_LINE_BREAK = re.compile(r"\r\n|\n|\r")
_MAX_COMPONENTS = 1_000


class ContentError(ValueError):
    """Not a well-formed vCard / iCalendar object."""


# The content lines are read by the interchange reader; this module adds the component tree.
Prop = cl.Property
unescape = cl.unescape


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


def parse(text: str) -> list[Component]:
    """The top-level components of a body (BEGIN … END, nested)."""
    roots: list[Component] = []
    stack: list[Component] = []
    count = 0
    for raw in cl.unfold(_LINE_BREAK.split(text)):
        try:
            prop = cl.parse(raw)
        except cl.ContentLineError as exc:
            raise ContentError(f"not a content line: {exc}") from exc
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


def single(text: str, root: str) -> Component:
    """The one top-level component of an upload, which must be `root`."""
    components = parse(text)
    if len(components) != 1 or components[0].name != root:
        raise ContentError(f"the body must hold exactly one {root}")
    return components[0]

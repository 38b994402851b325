"""vCard content lines (RFC 6350 §3.3, RFC 2426, vCard 2.1): unfold, split, escape, fold.

A property keeps the physical lines it came from, so a card can be written back with every
property Homebase did not change byte-identical to the upload.
"""

from __future__ import annotations

import quopri
import re
from dataclasses import dataclass, field

# RFC 6350 §3.2: a line SHOULD NOT be longer than 75 octets, excluding the line break.
FOLD_OCTETS = 75
CRLF = "\r\n"
_NAME = re.compile(r"[A-Za-z0-9-]+")


class ContentLineError(ValueError):
    """A line that is not `[group.]NAME[;param]*:value`."""


@dataclass(slots=True)
class Property:
    """One content line: `group.NAME;PARAM=a,b:value`, with its original physical lines."""

    name: str  # upper-cased
    value: str  # still escaped, as on the wire (after unfolding and quoted-printable)
    params: dict[str, list[str]] = field(default_factory=dict)  # keys upper-cased
    group: str | None = None
    raw: list[str] = field(default_factory=list)  # physical lines, without line breaks

    def param_values(self, key: str) -> list[str]:
        return self.params.get(key.upper(), [])

    def types(self) -> set[str]:
        """TYPE values, lower-cased; vCard 2.1 bare parameters (`TEL;CELL;PREF:`) count too."""
        found = {value.lower() for value in self.param_values("TYPE")}
        return found | {value.lower() for value in self.param_values("")}


def unfold(lines: list[str]) -> list[list[str]]:
    """Group physical lines into logical ones: a line starting with space or tab continues.

    vCard 2.1 quoted-printable values continue with a soft break (`=` at the end) instead.
    """
    grouped: list[list[str]] = []
    soft_break = False
    for line in lines:
        if grouped and (soft_break or line[:1] in (" ", "\t")):
            grouped[-1].append(line)
        elif line.strip():
            grouped.append([line])
        else:
            continue  # blank lines: vCard 2.1 ends base64 values with one
        soft_break = _quoted_printable(grouped[-1][0]) and line.endswith("=")
    return grouped


def _quoted_printable(first_line: str) -> bool:
    head = first_line.split(":", 1)[0].upper()
    return "QUOTED-PRINTABLE" in head


def parse(raw: list[str]) -> Property:
    """One logical line (its physical lines) into a Property."""
    if _quoted_printable(raw[0]):
        # Soft line breaks: every line but the last ends with `=`.
        logical = "".join(line[:-1] if line.endswith("=") else line for line in raw[:-1]) + raw[-1]
    else:
        logical = raw[0] + "".join(line[1:] for line in raw[1:])
    head, value = _split_head(logical)
    parts = _split_unquoted(head, ";")
    name = parts[0]
    group = None
    if "." in name:
        group, name = name.rsplit(".", 1)
    if not _NAME.fullmatch(name):
        raise ContentLineError(name)
    params: dict[str, list[str]] = {}
    for part in parts[1:]:
        key, sep, values = part.partition("=")
        if not sep:  # vCard 2.1 bare parameter
            key, values = "", key
        params.setdefault(key.strip().upper(), []).extend(
            item.strip('"') for item in _split_unquoted(values, ",")
        )
    prop = Property(name=name.upper(), value=value, params=params, group=group, raw=raw)
    if "QUOTED-PRINTABLE" in {v.upper() for v in prop.param_values("ENCODING")}:
        charset = (prop.param_values("CHARSET") or ["utf-8"])[0]
        decoded = quopri.decodestring(value.encode("latin-1", "replace"))
        try:
            prop.value = decoded.decode(charset, "replace")
        except LookupError:
            prop.value = decoded.decode("utf-8", "replace")
    return prop


def _split_head(logical: str) -> tuple[str, str]:
    colon = logical.find(":")
    if colon >= 0 and '"' not in logical[:colon]:  # the common case: no quoted parameter
        return logical[:colon], logical[colon + 1 :]
    quoted = False
    for position, char in enumerate(logical):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return logical[:position], logical[position + 1 :]
    raise ContentLineError(logical[:40])


def _split_unquoted(text: str, separator: str) -> list[str]:
    if '"' not in text:
        return text.split(separator)
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def split_escaped(value: str, separator: str) -> list[str]:
    """Split on a separator not preceded by a backslash escape (N, ADR components)."""
    if "\\" not in value:
        return value.split(separator)
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for char in value:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if escaped:
        current.append("\\")
    parts.append("".join(current))
    return parts


_UNESCAPE = {"n": "\n", "N": "\n", ",": ",", ";": ";", "\\": "\\", ":": ":"}


def unescape(value: str) -> str:
    if "\\" not in value:
        return value
    out, escaped = [], False
    for char in value:
        if escaped:
            out.append(_UNESCAPE.get(char, "\\" + char))
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            out.append(char)
    if escaped:
        out.append("\\")
    return "".join(out)


def escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> list[str]:
    """Split one logical line into physical lines of at most 75 octets, never inside a
    UTF-8 sequence (RFC 6350 §3.2)."""
    lines: list[str] = []
    current: list[str] = []
    size, limit = 0, FOLD_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            lines.append("".join(current))
            current, size, limit = [" "], 1, FOLD_OCTETS
        current.append(char)
        size += width
    lines.append("".join(current))
    return lines


def build(name: str, value: str, params: str = "", group: str | None = None) -> list[str]:
    """A new property's physical lines; `value` already escaped, `params` like `;TYPE=work`."""
    prefix = f"{group}." if group else ""
    return fold(f"{prefix}{name}{params}:{value}")

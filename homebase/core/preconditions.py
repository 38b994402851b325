"""Entity tags for versioned rows (any model with `id` and `version`), and the
preconditions built on them (RFC 9110 §8.8.3, §13.1).

Pure and framework-free, so services can enforce `If-Match` inside their own transaction
(the versioned flush that makes the check atomic is `db/versioning.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from homebase.core.errors import PreconditionFailed

_MAX_TAGS = 64


class Versioned(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def version(self) -> int: ...


def entity_tag(obj: Versioned) -> str:
    """The strong ETag of a row: changes whenever its version does."""
    return f'"{obj.id}-{obj.version}"'


@dataclass(frozen=True, slots=True)
class TagList:
    """A parsed `If-Match` / `If-None-Match` value: `*`, or a list of (weak, opaque-tag)."""

    any: bool
    tags: frozenset[tuple[bool, str]]

    @classmethod
    def parse(cls, value: str) -> TagList:
        value = value.strip()
        if value == "*":
            return cls(any=True, tags=frozenset())
        tags = set()
        for item in value.split(",")[:_MAX_TAGS]:
            item = item.strip()
            weak = item.startswith("W/")
            if weak:
                item = item[2:]
            if item:
                tags.add((weak, item))
        return cls(any=False, tags=frozenset(tags))

    def matches_strong(self, tag: str) -> bool:
        """`If-Match` comparison: weak tags never match."""
        return self.any or (False, tag) in self.tags

    def matches_weak(self, tag: str) -> bool:
        """`If-None-Match` comparison: weakness is ignored."""
        return self.any or (False, tag) in self.tags or (True, tag) in self.tags


def require_match(if_match: TagList | None, obj: Versioned) -> None:
    """Raise 412 unless `If-Match` is absent or names the row's current ETag (`*` matches)."""
    if if_match is not None and not if_match.matches_strong(entity_tag(obj)):
        raise PreconditionFailed()

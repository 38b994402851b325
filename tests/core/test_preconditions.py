"""Entity tags and their comparison (RFC 9110 §8.8.3.2)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from homebase.core.errors import PreconditionFailed
from homebase.core.preconditions import TagList, entity_tag, require_match


@dataclass
class Row:
    id: int
    version: int


def test_entity_tag_is_strong_and_derived_from_id_and_version() -> None:
    assert entity_tag(Row(7, 3)) == '"7-3"'
    assert entity_tag(Row(7, 4)) != entity_tag(Row(7, 3))
    assert entity_tag(Row(73, 1)) != entity_tag(Row(7, 31))


@pytest.mark.parametrize(
    ("header", "strong", "weak"),
    [
        ('"7-3"', True, True),
        ('W/"7-3"', False, True),
        ('"1-1", "7-3"', True, True),
        ('"1-1",W/"7-3"', False, True),
        ("*", True, True),
        (" * ", True, True),
        ('"7-2"', False, False),
        ("7-3", False, False),
        ("", False, False),
        (",,,", False, False),
    ],
)
def test_comparison(header: str, strong: bool, weak: bool) -> None:
    tags = TagList.parse(header)
    assert tags.matches_strong('"7-3"') is strong
    assert tags.matches_weak('"7-3"') is weak


def test_require_match() -> None:
    require_match(None, Row(1, 1))
    require_match(TagList.parse('"1-1"'), Row(1, 1))
    with pytest.raises(PreconditionFailed):
        require_match(TagList.parse('"1-1"'), Row(1, 2))


def test_a_long_list_is_bounded() -> None:
    header = ", ".join(f'"{n}-1"' for n in range(10_000))
    assert len(TagList.parse(header).tags) == 64

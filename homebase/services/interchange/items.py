"""What the vCard and iCalendar readers share: per-item errors as values, stable UIDs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

UID_MAX = 255
# Namespace of the UIDs Homebase derives from a card's or a task's content: the same content
# always gets the same UID, so importing a file twice never duplicates a card without one.
_CONTENT_NAMESPACE = uuid.UUID("6f1b3c2e-8f59-4b8e-9a53-2f0d6e1c7a10")


@dataclass(frozen=True, slots=True)
class ItemError:
    """One refused card or task: where it is in the file, its UID if it had one, and why.

    `code` is stable snake_case; the service turns it into a localised message.
    """

    index: int
    uid: str | None
    code: str
    detail: str = ""


def content_uid(content: str) -> str:
    return str(uuid.uuid5(_CONTENT_NAMESPACE, content))


def new_uid() -> str:
    return str(uuid.uuid4())

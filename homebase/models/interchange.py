"""Column helpers shared by the items that have a vCard / iCalendar form (contacts, tasks)."""

from __future__ import annotations

import hashlib
import re
import uuid

from sqlalchemy.engine.interfaces import ExecutionContext

UID_MAX = 255
HREF_MAX = 255
_SAFE_NAME = re.compile(r"[A-Za-z0-9._@-]{1,200}")


def new_uid() -> str:
    return str(uuid.uuid4())


def href_for(uid: str, extension: str) -> str:
    """A resource name for a sync collection: the UID when it is path-safe, else its hash."""
    name = uid.removeprefix("urn:uuid:")
    if not _SAFE_NAME.fullmatch(name):
        name = hashlib.sha256(uid.encode()).hexdigest()[:40]
    return f"{name}.{extension}"


def default_href(context: ExecutionContext) -> str:
    """The insert default of `href`: from the row's UID, with the table's extension."""
    params = context.get_current_parameters()  # type: ignore[attr-defined]
    extension = "vcf" if context.current_column.table.name == "contact" else "ics"  # type: ignore[attr-defined]
    return href_for(str(params["uid"]), extension)

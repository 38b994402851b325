"""Task schemas: create, full replacement, partial update, public view, list filters."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
)
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError

from homebase.models.task import DESCRIPTION_MAX, TITLE_MAX, TaskStatus
from homebase.schemas.common import (
    NOT_NULL,
    OwnerId,
    Schema,
    blank_to_none,
    check_text,
    not_null,
    strip,
)

SEARCH_MAX = 200
# `?sort=` accepts these, comma-separated, each optionally prefixed with `-` (descending).
SORT_FIELDS = ("created_at", "updated_at", "due_date", "title", "status", "id")
DEFAULT_SORT = "-created_at"
_MAX_SORT_KEYS = len(SORT_FIELDS)

# The Russian values of the older clients, stored as the canonical three.
STATUS_ALIASES: dict[str, TaskStatus] = {
    "новая": TaskStatus.NEW,
    "в процессе": TaskStatus.IN_PROGRESS,
    "завершена": TaskStatus.DONE,
}
_STATUS_INPUTS = {status.value: status for status in TaskStatus} | STATUS_ALIASES
_STATUS_EXPECTED = ", ".join(_STATUS_INPUTS)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_status(value: Any) -> TaskStatus:
    """`new`/`in_progress`/`done` or a Russian alias, ignoring case and extra spaces."""
    if isinstance(value, str):
        status = _STATUS_INPUTS.get(" ".join(value.split()).casefold())
        if status is not None:
            return status
    raise PydanticCustomError(
        "invalid_status", "Must be one of: {expected}", {"expected": _STATUS_EXPECTED}
    )


def _iso_date_only(value: Any) -> Any:
    # Pydantic's lax mode would also take numbers (Unix time) and datetimes; a due date is
    # a calendar day.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        return value.strip()
    raise PydanticCustomError("date_parsing", "Must be a date (YYYY-MM-DD)")


def _title_in_bounds(value: Any) -> Any:
    """The declared `maxLength` holds for the title as sent, before it is trimmed."""
    if isinstance(value, str) and len(value) > TITLE_MAX:
        raise PydanticCustomError(
            "string_too_long",
            "String should have at most {max_length} characters",
            {"max_length": TITLE_MAX},
        )
    return value


def normalise_sort(value: str) -> str:
    """Check `?sort=` against the whitelist; returns it without blanks and repeats."""
    keys: list[str] = []
    for raw in value.split(","):
        key = raw.strip()
        if not key:
            continue
        if key.removeprefix("-") not in SORT_FIELDS:
            raise PydanticCustomError(
                "invalid_sort",
                "Sort by one or more of: {allowed}",
                {"allowed": ", ".join(SORT_FIELDS)},
            )
        if key.removeprefix("-") not in {known.removeprefix("-") for known in keys}:
            keys.append(key)
    return ",".join(keys[:_MAX_SORT_KEYS]) or DEFAULT_SORT


StatusIn = Annotated[
    TaskStatus,
    BeforeValidator(parse_status),
    WithJsonSchema(
        {
            "type": "string",
            "enum": list(_STATUS_INPUTS),
            "description": "Stored as `new`, `in_progress` or `done`; the Russian values "
            "are accepted as the same three",
        }
    ),
]
DueDate = Annotated[
    date,
    BeforeValidator(_iso_date_only),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["2026-12-31"]}),
]
# Body text is checked storable by `Schema` itself; the filters' `q` checks it explicitly.
Title = Annotated[
    str,
    BeforeValidator(strip),
    BeforeValidator(_title_in_bounds),  # runs first: the last before-validator leads
    Field(min_length=1, max_length=TITLE_MAX),
]
Description = Annotated[
    Annotated[str, Field(max_length=DESCRIPTION_MAX)] | None, BeforeValidator(blank_to_none)
]

_EXAMPLE_IN: JsonDict = {
    "title": "Купить молоко",
    "description": "2 litres, semi-skimmed",
    "status": "new",
    "due_date": "2026-12-31",
}


class TaskCreate(Schema):
    """A new task. `user_id` is honoured for an admin only (the owner defaults to the caller)."""

    title: Title
    description: Description = None
    status: StatusIn = TaskStatus.NEW
    due_date: DueDate | None = None
    user_id: OwnerId | None = None

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE_IN]})


class TaskReplace(TaskCreate):
    """Full replacement (PUT): `title` is required; omitted optional fields take their
    defaults (no description, status `new`, no due date). The owner stays unless an admin
    gives `user_id`."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [_EXAMPLE_IN | {"status": "in_progress"}]}
    )


class TaskUpdate(Schema):
    """Partial update (PATCH): only the fields given change; `null` clears `description` and
    `due_date`, while `title` and `status` cannot be null."""

    title: Annotated[Title | None, NOT_NULL] = None
    description: Description = None
    status: Annotated[StatusIn | None, NOT_NULL] = None
    due_date: DueDate | None = None
    user_id: OwnerId | None = None

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "done"}]})

    _not_null = field_validator("title", "status", mode="before")(not_null)


class TaskPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                _EXAMPLE_IN
                | {
                    "id": 42,
                    "user_id": 7,
                    "created_at": "2026-11-25T09:30:00Z",
                    "updated_at": "2026-11-25T09:30:00Z",
                }
            ]
        },
    )

    id: int
    title: str
    description: str | None
    status: TaskStatus
    due_date: date | None
    user_id: int
    created_at: datetime
    updated_at: datetime


class TaskFilters(BaseModel):
    """The query of `GET /tasks`."""

    model_config = ConfigDict(extra="ignore")

    status: Annotated[StatusIn | None, Field(description="Only tasks with this status")] = None
    q: Annotated[
        Annotated[str, Field(max_length=SEARCH_MAX), AfterValidator(check_text)] | None,
        Field(description="Case-insensitive substring of the title or the description"),
    ] = None
    due_before: Annotated[
        DueDate | None, Field(description="Due on or before this day (YYYY-MM-DD)")
    ] = None
    due_after: Annotated[
        DueDate | None, Field(description="Due on or after this day (YYYY-MM-DD)")
    ] = None
    sort: Annotated[
        str,
        Field(
            max_length=200,
            description="Comma-separated keys among "
            + ", ".join(f"`{name}`" for name in SORT_FIELDS)
            + "; a leading `-` sorts descending. Ties are broken by id.",
            examples=["-created_at", "due_date,title"],
        ),
        AfterValidator(normalise_sort),
    ] = DEFAULT_SORT
    user_id: Annotated[
        OwnerId | None,
        Field(description="Admins: list this user's tasks instead of their own"),
    ] = None

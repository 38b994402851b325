from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, JsonValue, field_validator
from pydantic_core import PydanticCustomError

from homebase.models.contact import EMAIL_MAX, EXTRA_MAX, NAME_MAX
from homebase.schemas.common import MAX_ID, NOT_NULL, Email, Name, Phone, Schema


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


OptionalPhone = Annotated[Phone | None, BeforeValidator(_blank_to_none)]
Extra = Annotated[str, Field(max_length=EXTRA_MAX)]
OwnerId = Annotated[int, Field(ge=1, le=MAX_ID)]

_EXAMPLE: dict[str, JsonValue] = {
    "first_name": "Иван",
    "last_name": "Петров",
    "email": "ivan.petrov@example.com",
    "phone": "+7 900 100-20-30",
    "birthday": "1990-02-28",
    "extra": "Met at the conference",
}


class ContactCreate(Schema):
    """A new contact; also the body of PUT, which replaces every field."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    first_name: Name
    last_name: Name
    email: Email
    phone: OptionalPhone = None
    birthday: date | None = None
    extra: Extra | None = None
    user_id: OwnerId | None = Field(default=None, description="The owner; honoured for admins only")


class ContactUpdate(Schema):
    """A partial update (PATCH): only the fields given change."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"phone": "+7 900 100-20-31"}]})

    first_name: Annotated[Name | None, NOT_NULL] = None
    last_name: Annotated[Name | None, NOT_NULL] = None
    email: Annotated[Email | None, NOT_NULL] = None
    phone: OptionalPhone = None
    birthday: date | None = None
    extra: Extra | None = None
    user_id: OwnerId | None = Field(default=None, description="The owner; honoured for admins only")

    @field_validator("first_name", "last_name", "email")
    @classmethod
    def _required_not_null(cls, value: str | None) -> str:
        if value is None:
            raise PydanticCustomError("null_not_allowed", "This field cannot be null")
        return value


# Query text: PostgreSQL cannot compare with a NUL character, so it is refused up front.
_NO_NUL = "^[^\\x00]*$"
TIME_ZONE_MAX = 64


def _query_text(description: str, max_length: int = NAME_MAX) -> Any:
    return Field(max_length=max_length, pattern=_NO_NUL, description=description)


# The time zone of `GET /contacts/birthdays`.
TimeZoneQuery = Annotated[
    str | None, _query_text("IANA time zone that decides today (default UTC)", TIME_ZONE_MAX)
]


class ContactFilters(BaseModel):
    """The query of `GET /contacts`."""

    model_config = ConfigDict(extra="ignore")

    q: Annotated[str | None, _query_text("Words to find in first name, last name or email")] = None
    first_name: Annotated[str | None, _query_text("Part of the first name")] = None
    last_name: Annotated[str | None, _query_text("Part of the last name")] = None
    email: Annotated[str | None, _query_text("Part of the email", EMAIL_MAX)] = None


class ContactPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    first_name: str
    last_name: str
    email: str
    phone: str | None
    birthday: date | None
    extra: str | None
    user_id: int
    created_at: datetime
    updated_at: datetime


class ContactBirthday(ContactPublic):
    """A contact in the upcoming birthdays list."""

    next_birthday: date
    age_on_next_birthday: int

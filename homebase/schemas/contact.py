from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    PlainValidator,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from homebase.models.contact import EXTRA_MAX, Contact
from homebase.models.lengths import EMAIL_MAX, NAME_MAX
from homebase.schemas.common import (
    NOT_NULL,
    Email,
    Name,
    OwnerId,
    Phone,
    Schema,
    blank_to_none,
    not_null,
)

OptionalPhone = Annotated[Phone | None, BeforeValidator(blank_to_none)]
Extra = Annotated[str, Field(max_length=EXTRA_MAX)]
_YEARLESS = re.compile(r"--(\d{2})-?(\d{2})")


def _check_yearless(value: str) -> str:
    """`--MM-DD` (or vCard's `--MMDD`) naming a real day; 29 February included."""
    match = _YEARLESS.fullmatch(value.strip())
    try:
        if match is None:
            raise ValueError(value)
        month, day = int(match.group(1)), int(match.group(2))
        date(2000, month, day)
    except ValueError as exc:
        raise PydanticCustomError("invalid_yearless_birthday", "Use --MM-DD") from exc
    return f"--{month:02d}-{day:02d}"


def _birthday(value: Any) -> date | str | None:
    """A full date, or `--MM-DD` for a birthday without a year (vCard `BDAY:--0228`)."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str):
        if value.strip().startswith("--"):
            return _check_yearless(value)
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError("invalid_birthday", "Use YYYY-MM-DD, or --MM-DD without a year")


BirthdayIn = Annotated[
    date | str | None,
    PlainValidator(_birthday),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "pattern": "^--\\d{2}-?\\d{2}$"},
                {"type": "null"},
            ],
            "description": "`YYYY-MM-DD`, or `--MM-DD` for a birthday without a year",
            "examples": ["1990-02-28", "--02-28"],
        }
    ),
]


def yearless_text(key: int) -> str:
    return f"--{key // 100:02d}-{key % 100:02d}"


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
    birthday: BirthdayIn = None
    extra: Extra | None = None
    user_id: OwnerId | None = Field(default=None, description="The owner; honoured for admins only")


class ContactUpdate(Schema):
    """A partial update (PATCH): only the fields given change."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"phone": "+7 900 100-20-31"}]})

    first_name: Annotated[Name | None, NOT_NULL] = None
    last_name: Annotated[Name | None, NOT_NULL] = None
    email: Annotated[Email | None, NOT_NULL] = None
    phone: OptionalPhone = None
    birthday: BirthdayIn = None
    extra: Extra | None = None
    user_id: OwnerId | None = Field(default=None, description="The owner; honoured for admins only")

    _not_null = field_validator("first_name", "last_name", "email", mode="before")(not_null)


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
    uid: str = Field(description="The vCard UID: imports upsert by it")
    first_name: str
    last_name: str
    email: str | None = Field(description="None for a contact imported from a card without one")
    phone: str | None
    birthday: date | str | None = Field(
        description="`YYYY-MM-DD`, or `--MM-DD` for a birthday without a year"
    )
    extra: str | None
    user_id: int
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _yearless_birthday(cls, data: Any) -> Any:
        """A contact with a birthday key but no date has a year-less birthday."""
        if isinstance(data, Contact) and data.birthday is None and data.birthday_key:
            return public_fields(data)
        return data


def public_fields(contact: Contact) -> dict[str, Any]:
    """`ContactPublic`'s fields of `contact`, as they are (JSON-ready for orjson): a birthday
    key without a date is the year-less `--MM-DD`."""
    fields = {name: getattr(contact, name) for name in ContactPublic.model_fields}
    if contact.birthday is None and contact.birthday_key:
        fields["birthday"] = yearless_text(contact.birthday_key)
    return fields


class ContactBirthday(ContactPublic):
    """A contact in the upcoming birthdays list."""

    next_birthday: date
    age_on_next_birthday: int | None = Field(description="None when the year is unknown")

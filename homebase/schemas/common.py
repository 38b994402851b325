"""Field types and the base schema shared by every entity."""

from __future__ import annotations

import re
from typing import Annotated, Any

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError

from homebase.core.passwords import PASSWORD_MAX, PASSWORD_MIN
from homebase.models.lengths import EMAIL_MAX, NAME_MAX, PHONE_MAX

# Identifiers are INTEGER primary keys on PostgreSQL: anything beyond is a 422, never a
# database error.
MAX_ID = 2**31 - 1
# A password offered at login is not held to the policy (it may predate it), only bounded.
LOGIN_PASSWORD_MAX = 1024
_USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,32}$")
_NOT_DIGITS = re.compile(r"\D")


def check_text(value: Any) -> Any:
    """Refuse what no database can store: NUL characters and lone surrogates (invalid UTF-8)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise PydanticCustomError("null_character", "Must not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise PydanticCustomError("invalid_text", "Must be valid Unicode text") from exc
    return value


def _omit_null(schema: JsonDict) -> None:
    """The JSON schema of a field that may be left out but is refused as `null`: only its
    non-null branch, so a client generator does not offer null."""
    if "default" in schema and schema["default"] is None:
        del schema["default"]
    found = schema.pop("anyOf", [])
    branches = [b for b in found if b != {"type": "null"}] if isinstance(found, list) else []
    if len(branches) == 1 and isinstance(branches[0], dict):
        schema.update(branches[0])
    elif branches:
        schema["anyOf"] = branches


# `field: Annotated[T | None, NOT_NULL] = None` (with a validator refusing None): optional in
# the document, never nullable.
NOT_NULL: Any = Field(json_schema_extra=_omit_null)


class Schema(BaseModel):
    """Input schemas ignore unknown fields (older clients send extras) and refuse NUL bytes,
    which PostgreSQL cannot store in text."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)

    @field_validator("*", mode="before")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        return check_text(value)


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def blank_to_none(value: Any) -> Any:
    """Blank text means "not given" for optional fields."""
    value = strip(value)
    return None if value == "" else value


def not_null(value: Any) -> Any:
    """For PATCH fields that may be left out but not cleared."""
    if value is None:
        raise PydanticCustomError("null_not_allowed", "Must not be null")
    return value


def _check_phone(value: str) -> str:
    digits = len(_NOT_DIGITS.sub("", value))
    if not 7 <= digits <= 15:
        raise PydanticCustomError("invalid_phone", "A phone number must contain 7 to 15 digits")
    return value


def normalise_email(value: str) -> str:
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise PydanticCustomError("invalid_email", "Not a valid email address") from exc
    return result.normalized.lower()


def _check_username(value: str) -> str:
    if not _USERNAME_RE.fullmatch(value):
        raise PydanticCustomError("invalid_username", "Invalid username")
    return value.lower()


Name = Annotated[str, BeforeValidator(strip), Field(min_length=1, max_length=NAME_MAX)]
Email = Annotated[
    str, BeforeValidator(strip), Field(max_length=EMAIL_MAX), AfterValidator(normalise_email)
]
Username = Annotated[str, BeforeValidator(strip), AfterValidator(_check_username)]
Phone = Annotated[
    str, BeforeValidator(blank_to_none), Field(max_length=PHONE_MAX), AfterValidator(_check_phone)
]
Password = Annotated[str, Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)]
LoginPassword = Annotated[str, Field(min_length=1, max_length=LOGIN_PASSWORD_MAX)]
# The owner named by an admin in a body or a filter.
OwnerId = Annotated[int, Field(ge=1, le=MAX_ID)]


class ResultMessage(BaseModel):
    result: str = "ok"
    message: str


class ErrorItem(BaseModel):
    field: str
    message: str


class ErrorResponse(BaseModel):
    """The envelope of every error (SPEC §5)."""

    result: str = "error"
    code: str
    message: str
    errors: list[ErrorItem] | None = None

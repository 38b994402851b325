"""App passwords: what a client sends to create one, and what it is shown."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from homebase.core.app_passwords import Scope, normalise_scopes, split_scopes
from homebase.models.app_password import APP_PASSWORD_NAME_MAX
from homebase.schemas.common import Schema

MAX_EXPIRY_DAYS = 3650


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _stored_scopes(value: Any) -> Any:
    """The model keeps scopes as one space-separated string."""
    return sorted(split_scopes(value)) if isinstance(value, str) else value


class AppPasswordCreate(Schema):
    """`scopes`: one or more of the six; `expires_in_days` 1–3650, or omitted for none."""

    name: Annotated[
        str, BeforeValidator(_strip), Field(min_length=1, max_length=APP_PASSWORD_NAME_MAX)
    ]
    scopes: list[Scope] = Field(min_length=1, max_length=12)
    expires_in_days: int | None = Field(default=None, ge=1, le=MAX_EXPIRY_DAYS)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "Phone contacts sync", "scopes": ["dav"], "expires_in_days": 365},
                {"name": "Backup script", "scopes": ["tasks:read", "contacts:read"]},
            ]
        }
    )

    @field_validator("scopes")
    @classmethod
    def _without_repeats(cls, value: list[Scope]) -> list[Scope]:
        return normalise_scopes(value)


class AppPasswordPublic(BaseModel):
    """An app password as listed: never its secret."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    scopes: Annotated[list[Scope], BeforeValidator(_stored_scopes)]
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class AppPasswordCreated(AppPasswordPublic):
    """The new app password with its secret, shown this once."""

    token: str

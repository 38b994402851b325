from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from homebase.schemas.common import (
    Email,
    LoginPassword,
    Name,
    Password,
    Phone,
    Schema,
    Username,
)


class UserCreate(Schema):
    name: Name | None = None
    email: Email | None = None
    username: Username | None = None
    phone: Phone | None = None
    password: Password
    is_admin: bool = False

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "Ada", "email": "ada@example.com", "password": "correct horse battery"}
            ]
        }
    )

    @model_validator(mode="after")
    def _email_or_username(self) -> UserCreate:
        if self.email is None and self.username is None:
            raise PydanticCustomError(
                "email_or_username_required", "At least one of email and username is required"
            )
        return self


class UserUpdate(Schema):
    """Partial update of a user (PUT and PATCH alike). Passwords change elsewhere."""

    name: Name | None = None
    email: Email | None = None
    username: Username | None = None
    phone: Phone | None = None
    is_active: bool | None = None
    is_admin: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_password(cls, data: Any) -> Any:
        if isinstance(data, dict) and ("password" in data or "password_hash" in data):
            raise PydanticCustomError(
                "password_field_forbidden", "Use the password endpoints to change a password"
            )
        return data


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    email: str | None
    username: str | None
    phone: str | None
    is_admin: bool
    is_active: bool
    email_verified: bool
    mfa_enabled: bool
    created_at: datetime
    updated_at: datetime


class ProfileUpdate(Schema):
    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None


class ProfilePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    email: str | None
    phone: str | None


class ProfileResult(BaseModel):
    result: str = "ok"
    user: ProfilePublic


class PasswordChange(Schema):
    new_password: Password
    new_password_repeat: str
    # Your own password changes with proof of the current one: this field, or HTTP Basic
    # credentials on the request. An admin setting another user's password leaves it out.
    current_password: LoginPassword | None = None


class AdminPasswordChange(PasswordChange):
    """`/users/{id}/change-password` (the same fields)."""

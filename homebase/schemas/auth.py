from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from homebase.models.lengths import EMAIL_MAX
from homebase.schemas.common import LoginPassword, Schema


class LoginRequest(Schema):
    """`email`, `username` or `login` (either of the first two), with the password."""

    email: str | None = Field(default=None, max_length=EMAIL_MAX)
    username: str | None = Field(default=None, max_length=EMAIL_MAX)
    login: str | None = Field(default=None, max_length=EMAIL_MAX)
    password: LoginPassword

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "ada@example.com", "password": "s3cret-pass"}]}
    )

    @model_validator(mode="after")
    def _some_login(self) -> LoginRequest:
        if not (self.login or self.email or self.username):
            raise PydanticCustomError("login_or_email_required", "Give an email or a username")
        return self

    @property
    def identifier(self) -> str:
        return (self.login or self.email or self.username or "").strip().lower()


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int


class RefreshRequest(Schema):
    refresh_token: str = Field(min_length=1, max_length=512)


class SessionPublic(BaseModel):
    id: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    ip: str | None
    user_agent: str | None
    current: bool

"""Bodies of email verification, password reset and MFA (SPEC §10)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from homebase.schemas.common import Email, LoginPassword, Password, Schema

Token = Annotated[str, Field(min_length=1, max_length=256)]
# A TOTP code (6 digits, maybe spaced) or a recovery code (16 characters, maybe dashed).
Code = Annotated[str, Field(min_length=1, max_length=64)]


class TokenBody(Schema):
    token: Token


class ForgotPassword(Schema):
    email: Email

    model_config = ConfigDict(json_schema_extra={"examples": [{"email": "ada@example.com"}]})


class ResetPassword(Schema):
    token: Token
    new_password: Password


class CodeBody(Schema):
    code: Code


class DisableMfa(Schema):
    password: LoginPassword
    code: Code


class MfaVerify(Schema):
    mfa_token: Token
    code: Code


class Accepted(BaseModel):
    result: str = "ok"
    message: str


class TotpEnrolment(BaseModel):
    secret: str
    otpauth_uri: str
    qr_code: str = Field(description="The otpauth URI as a QR code (an SVG `data:` URI)")


class RecoveryCodes(BaseModel):
    recovery_codes: list[str] = Field(description="Ten single-use codes, shown this once")


class OutboxMailPublic(BaseModel):
    """A mail as the administrator sees it: never its body (it may carry a link)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    user_id: int | None
    to_address: str
    locale: str
    subject: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

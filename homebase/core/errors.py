"""Domain errors. Raised anywhere below the routers; rendered once, in the SPEC §5 envelope."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    status_code = 400
    code = "bad_request"
    message_key = "validation_error"
    # Whether the request's transaction is committed despite the error: a failed login still
    # leaves its audit event, a reused refresh token still ends its session.
    keeps_changes = False

    def __init__(
        self,
        message_key: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> None:
        if message_key is not None:
            self.message_key = message_key
        self.params = params
        self.headers = headers or {}
        # Fields added to the envelope next to `code` and `message` (e.g. `mfa_token`).
        self.extra: dict[str, str] = {}
        super().__init__(self.message_key)


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"
    message_key = "unauthorized"

    def __init__(self, message_key: str | None = None, *, invalid_token: bool = False) -> None:
        super().__init__(message_key)
        self.invalid_token = invalid_token


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    message_key = "invalid_credentials"
    keeps_changes = True


class InvalidToken(Unauthorized):
    code = "invalid_token"
    message_key = "invalid_token"

    def __init__(self, message_key: str | None = None) -> None:
        super().__init__(message_key, invalid_token=True)


class RefreshTokenReused(InvalidToken):
    code = "refresh_token_reused"
    message_key = "refresh_token_reused"
    keeps_changes = True


class InactiveUser(Unauthorized):
    code = "inactive_user"
    message_key = "inactive_user"
    keeps_changes = True


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"
    message_key = "forbidden"


class AdminRequired(Forbidden):
    code = "admin_required"
    message_key = "admin_required"


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    message_key = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"
    message_key = "conflict"


class EmailTaken(Conflict):
    code = "email_taken"
    message_key = "email_taken"


class UsernameTaken(Conflict):
    code = "username_taken"
    message_key = "username_taken"


class PasswordsMismatch(AppError):
    status_code = 400
    code = "passwords_mismatch"
    message_key = "passwords_mismatch"


class PreconditionFailed(AppError):
    status_code = 412
    code = "precondition_failed"
    message_key = "precondition_failed"


class FieldError(AppError):
    """A validation failure found by a service rather than by the request schema (422)."""

    status_code = 422
    code = "validation_error"
    message_key = "validation_error"

    def __init__(self, field: str, field_key: str, **params: Any) -> None:
        super().__init__()
        self.field = field
        self.field_key = field_key
        self.field_params = params


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"
    message_key = "rate_limited"

    def __init__(self, retry_after: int, message_key: str | None = None) -> None:
        retry_after = max(1, retry_after)
        super().__init__(
            message_key, headers={"Retry-After": str(retry_after)}, retry_after=retry_after
        )


class AccountLocked(RateLimited):
    code = "account_locked"
    message_key = "account_locked"


class DatabaseUnavailable(AppError):
    status_code = 503
    code = "database_unavailable"
    message_key = "database_unavailable"


class ServiceUnavailable(AppError):
    """A dependency other than the database (the rate-limit store) does not answer."""

    status_code = 503
    code = "service_unavailable"
    message_key = "service_unavailable"

    def __init__(self, message_key: str | None = None) -> None:
        super().__init__(message_key, headers={"Retry-After": "5"})


class MailUnavailable(ServiceUnavailable):
    """Mail is not configured (`HOMEBASE_SMTP_URL`, `HOMEBASE_MAIL_FROM`,
    `HOMEBASE_PUBLIC_URL`): what needs a mail cannot be done here."""

    code = "mail_unavailable"
    message_key = "mail_unavailable"


class TokenRejected(AppError):
    """A mailed token that opens nothing: garbage, expired, spent, of another purpose. All
    look the same, so the answer says nothing about accounts."""

    status_code = 400
    code = "invalid_or_expired_token"
    message_key = "invalid_or_expired_token"
    keeps_changes = True  # the audit event of the attempt


class InvalidMfaCode(Unauthorized):
    """A wrong, reused or malformed second-factor code (it counts towards the lock)."""

    code = "invalid_mfa_code"
    message_key = "invalid_mfa_code"
    keeps_changes = True


class MfaRequired(Unauthorized):
    """The password was right and the account has MFA: finish at `/auth/mfa/verify`."""

    code = "mfa_required"
    message_key = "mfa_required"
    keeps_changes = True  # the mfa_token just issued

    def __init__(self, mfa_token: str) -> None:
        super().__init__()
        self.extra = {"mfa_token": mfa_token}


class MfaBasicRefused(Unauthorized):
    """HTTP Basic with the account password, for an account with MFA: use an app password."""

    code = "mfa_basic_refused"
    message_key = "mfa_basic_refused"


class EmailNotVerified(Forbidden):
    code = "email_not_verified"
    message_key = "email_not_verified"
    keeps_changes = True  # the fresh verification mail queued with the refusal


class StateConflict(Conflict):
    """The account is not in the state the request needs (`email_already_verified`,
    `mfa_already_enabled`, …): the key is both the stable code and the message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class InsufficientScope(Forbidden):
    """An app password reached beyond its scopes: the RFC 6750 §3.1 challenge names the
    scope it lacks."""

    code = "insufficient_scope"
    message_key = "insufficient_scope"

    def __init__(self, scope: str) -> None:
        challenge = f'Bearer error="insufficient_scope", scope="{scope}"'
        super().__init__(headers={"WWW-Authenticate": challenge}, scope=scope)


class AppPasswordNotAllowed(Forbidden):
    """Managing the account (password, email, tokens, sessions, …) takes the real password
    or a login session, never an app password."""

    code = "app_password_not_allowed"
    message_key = "app_password_not_allowed"


class AppPasswordLimit(Conflict):
    code = "app_password_limit"
    message_key = "app_password_limit"

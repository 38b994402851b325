"""Every model, imported so that `metadata` knows all tables."""

from homebase.db.base import Base
from homebase.models.audit import AuditEvent
from homebase.models.contact import Contact
from homebase.models.mail import OutboxMail
from homebase.models.mfa import RecoveryCode, TotpCredential
from homebase.models.one_time_token import OneTimeToken
from homebase.models.task import Task, TaskStatus
from homebase.models.token import AuthSession, RefreshToken
from homebase.models.user import User

metadata = Base.metadata

__all__ = [
    "AuditEvent",
    "AuthSession",
    "Contact",
    "OneTimeToken",
    "OutboxMail",
    "RecoveryCode",
    "RefreshToken",
    "Task",
    "TaskStatus",
    "TotpCredential",
    "User",
    "metadata",
]

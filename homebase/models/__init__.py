"""Every model, imported so that `metadata` knows all tables."""

from homebase.db.base import Base
from homebase.models.audit import AuditEvent
from homebase.models.contact import Contact
from homebase.models.feed import Feed
from homebase.models.task import Task, TaskStatus
from homebase.models.token import AuthSession, RefreshToken
from homebase.models.user import User

metadata = Base.metadata

__all__ = [
    "AuditEvent",
    "AuthSession",
    "Contact",
    "Feed",
    "RefreshToken",
    "Task",
    "TaskStatus",
    "User",
    "metadata",
]

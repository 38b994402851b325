"""Every model, imported so that `Base.metadata` knows all tables."""

from homebase.models.audit import AuditEvent
from homebase.models.contact import Contact
from homebase.models.task import Task, TaskStatus
from homebase.models.token import AuthSession, RefreshToken
from homebase.models.user import User

__all__ = ["AuditEvent", "AuthSession", "Contact", "RefreshToken", "Task", "TaskStatus", "User"]

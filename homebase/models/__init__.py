"""Every model, imported so that `metadata` knows all tables.

Each module of this package is imported below, so a new model's table is known (to Alembic,
to `create_all`, to the migration test) without an edit here; the names re-exported are the
ones the rest of the code imports most.
"""

import importlib
import pkgutil

from homebase.db.base import Base
from homebase.models.app_password import AppPassword
from homebase.models.audit import AuditEvent
from homebase.models.contact import Contact
from homebase.models.dav import DavChange
from homebase.models.feed import Feed
from homebase.models.mail import OutboxMail
from homebase.models.mfa import RecoveryCode, TotpCredential
from homebase.models.one_time_token import OneTimeToken
from homebase.models.task import Task, TaskStatus
from homebase.models.token import AuthSession, RefreshToken
from homebase.models.user import User

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

metadata = Base.metadata

__all__ = [
    "AppPassword",
    "AuditEvent",
    "AuthSession",
    "Contact",
    "DavChange",
    "Feed",
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

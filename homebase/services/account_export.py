"""`GET /users/me/export`: a zip of everything Homebase holds about the caller.

Never a password hash or a token secret: every record goes through a public schema or an
explicit list of columns.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import anyio
from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.models import AuditEvent, AuthSession, Contact, Feed, RefreshToken, Task, User
from homebase.schemas.contact import ContactPublic
from homebase.schemas.interchange import FeedPublic
from homebase.schemas.task import TaskPublic
from homebase.schemas.user import UserPublic
from homebase.services.auth import list_sessions
from homebase.services.interchange.contact_cards import card_of
from homebase.services.interchange.ical import combine
from homebase.services.interchange.task_calendars import ical_of

_TOKEN_COLUMNS = ("id", "session_id", "created_at", "expires_at", "used_at")
_AUDIT_COLUMNS = ("id", "type", "created_at", "login", "ip", "user_agent", "detail")


def _dump(models: list[BaseModel] | BaseModel) -> Any:
    if isinstance(models, list):
        return [model.model_dump(mode="json") for model in models]
    return models.model_dump(mode="json")


def _columns(row: object, names: tuple[str, ...]) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in names}
    return {name: v.isoformat() if hasattr(v, "isoformat") else v for name, v in values.items()}


async def archive(session: AsyncSession, user: User, current_session_id: str | None) -> bytes:
    """The zip: account, sessions, tokens (no secrets), tasks and contacts (JSON and their
    iCalendar / vCard files), feeds (no URLs) and the caller's own audit events."""
    tasks = list(
        await session.scalars(select(Task).where(Task.user_id == user.id).order_by(Task.id))
    )
    contacts = list(
        await session.scalars(
            select(Contact).where(Contact.user_id == user.id).order_by(Contact.id)
        )
    )
    tokens = await session.scalars(
        select(RefreshToken)
        .join(AuthSession, RefreshToken.session_id == AuthSession.id)
        .where(AuthSession.user_id == user.id)
        .order_by(RefreshToken.id)
    )
    audit = await session.scalars(
        select(AuditEvent)
        .where(or_(AuditEvent.user_id == user.id, AuditEvent.actor_id == user.id))
        .order_by(AuditEvent.id)
    )
    feeds = await session.scalars(select(Feed).where(Feed.user_id == user.id).order_by(Feed.id))
    documents: dict[str, Any] = {
        "account.json": _dump(UserPublic.model_validate(user)),
        "sessions.json": _dump(list(await list_sessions(session, user, current_session_id))),
        "tokens.json": [_columns(token, _TOKEN_COLUMNS) for token in tokens],
        "tasks.json": _dump([TaskPublic.model_validate(task) for task in tasks]),
        "contacts.json": _dump([ContactPublic.model_validate(c) for c in contacts]),
        "feeds.json": _dump([FeedPublic.model_validate(feed) for feed in feeds]),
        "audit.json": [_columns(event, _AUDIT_COLUMNS) for event in audit],
    }
    return await anyio.to_thread.run_sync(_zip, documents, tasks, contacts)


def _zip(documents: dict[str, Any], tasks: list[Task], contacts: list[Contact]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive_file:
        for name, document in documents.items():
            text = json.dumps(document, ensure_ascii=False, indent=1)
            archive_file.writestr(name, text)
        archive_file.writestr("tasks.ics", combine(ical_of(task) for task in tasks))
        archive_file.writestr("contacts.vcf", "".join(card_of(contact) for contact in contacts))
    return buffer.getvalue()

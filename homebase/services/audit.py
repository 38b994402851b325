"""Security events: stored in `audit_event` and logged. Never a password or a token."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.models import AuditEvent
from homebase.observability.metrics import observe_audit_event
from homebase.services.paging import offset_page

logger = logging.getLogger("homebase.audit")


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """Who is on the other end of the request, as far as the service needs to know."""

    ip: str | None = None
    user_agent: str | None = None


async def record(
    session: AsyncSession,
    event_type: str,
    *,
    client: ClientInfo | None = None,
    user_id: int | None = None,
    actor_id: int | None = None,
    login: str | None = None,
    detail: str | None = None,
) -> None:
    client = client or ClientInfo()
    session.add(
        AuditEvent(
            type=event_type,
            user_id=user_id,
            actor_id=actor_id,
            login=login[:254] if login else None,
            ip=client.ip,
            user_agent=client.user_agent[:255] if client.user_agent else None,
            detail=detail[:500] if detail else None,
        )
    )
    observe_audit_event(event_type)
    logger.info(
        "audit %s",
        event_type,
        extra={"event": event_type, "user_id": user_id, "actor_id": actor_id, "ip": client.ip},
    )


_NEWEST_FIRST = (AuditEvent.created_at.desc(), AuditEvent.id.desc())


async def list_events(
    session: AsyncSession,
    *,
    user_id: int | None,
    event_type: str | None,
    limit: int,
    offset: int,
) -> tuple[list[AuditEvent], int]:
    query = select(AuditEvent)
    if user_id is not None:
        query = query.where(AuditEvent.user_id == user_id)
    if event_type:
        query = query.where(AuditEvent.type == event_type)
    return await offset_page(session, query, _NEWEST_FIRST, limit, offset)

"""The mail outbox: requests queue mails in their own transaction; a worker delivers them.

A request never waits for SMTP: it inserts a row, which commits (or rolls back) with the
rest of its work, so a mail exists exactly when the change that caused it does. The worker
claims due rows in a short transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so that two
workers on any hosts never claim the same row; SQLite has a single writer), sends outside any
transaction, then records the outcome only if its claim still holds. A temporary failure is
retried with exponential backoff; a permanent one, or too many attempts, marks it failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_string, policy
from email.message import EmailMessage

from sqlalchemy import Select, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from homebase.core.mail_messages import build_message, render
from homebase.core.smtp import MailDeliveryError, MailSender
from homebase.db.base import utcnow
from homebase.models.mail import OutboxMail
from homebase.observability.mail_metrics import observe_delivery
from homebase.services import audit
from homebase.services.paging import offset_page

logger = logging.getLogger("homebase.mail")


@dataclass(frozen=True, slots=True)
class Retry:
    max_attempts: int = 8
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)

    def delay(self, attempts: int) -> timedelta:
        """30 s, 1 min, 2 min, … up to an hour: about 2 h of outage before giving up."""
        delay: timedelta = self.base_delay * 2 ** max(0, attempts - 1)
        return min(delay, self.max_delay)


async def enqueue(
    session: AsyncSession,
    *,
    sender: str,
    kind: str,
    locale: str,
    to_address: str,
    to_name: str | None,
    user_id: int | None,
    values: dict[str, str],
) -> OutboxMail:
    """Render a mail and queue it; it leaves with the request's commit, or never."""
    now = utcnow()
    mail = render(kind, locale, **values)
    message = build_message(
        sender=sender, to_address=to_address, to_name=to_name, locale=locale, mail=mail, now=now
    )
    row = OutboxMail(
        kind=kind,
        user_id=user_id,
        to_address=to_address,
        locale=locale,
        subject=mail.subject[:255],
        message=message.as_string(),
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    await audit.record(session, "mail.queued", user_id=user_id, detail=f"kind={kind} id={row.id}")
    return row


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    attempts: int
    kind: str
    user_id: int | None
    message: str


class OutboxWorker:
    """Delivers due mails. `run_once` is one pass (tests and the CLI call it); `run` loops
    until stopped, woken early by `wake()` when this process has just queued a mail."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        sender: MailSender,
        *,
        retry: Retry | None = None,
        batch: int = 10,
        lease: timedelta = timedelta(minutes=10),
    ) -> None:
        self.sessions = sessions
        self.sender = sender
        self.retry = retry or Retry()
        self.batch = batch
        self.lease = lease
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event, interval: float = 5.0) -> None:
        while not stop.is_set():
            # Cleared before the pass, not after: a mail committed while the pass runs wakes
            # the next one at once instead of waiting out the interval.
            self._wake.clear()
            try:
                await self.run_once()
            except Exception:  # a database outage must not end the worker for good
                logger.exception("mail outbox pass failed")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await _first(stop, self._wake)

    async def run_once(self, now: datetime | None = None) -> int:
        """Deliver every mail due at `now`; the number of mails tried."""
        tried = 0
        while True:
            claimed = await self._claim(now or utcnow())
            for mail in claimed:
                await self._deliver(mail, now)
            tried += len(claimed)
            if len(claimed) < self.batch:
                return tried

    async def _claim(self, now: datetime) -> list[Claimed]:
        async with self.sessions() as session, session.begin():
            rows = (await session.execute(_due(now, self.batch))).all()
            if not rows:
                return []
            ids = [row.id for row in rows]
            await session.execute(
                update(OutboxMail)
                .where(OutboxMail.id.in_(ids))
                .values(
                    status="sending",
                    attempts=OutboxMail.attempts + 1,
                    next_attempt_at=now + self.lease,
                )
            )
            return [
                Claimed(row.id, row.attempts + 1, row.kind, row.user_id, row.message or "")
                for row in rows
            ]

    async def _deliver(self, mail: Claimed, now: datetime | None) -> None:
        try:
            await self.sender.send(_parse(mail.message))
        except MailDeliveryError as error:
            await self._failed(mail, error, now or utcnow())
            return
        await self._finish(mail, now or utcnow(), status="sent", message=None, last_error=None)
        observe_delivery("sent")

    async def _failed(self, mail: Claimed, error: MailDeliveryError, now: datetime) -> None:
        final = error.permanent or mail.attempts >= self.retry.max_attempts
        logger.warning("mail %s not delivered (attempt %s): %s", mail.id, mail.attempts, error)
        if final:
            await self._finish(mail, now, status="failed", message=None, last_error=error.reason)
        else:
            await self._finish(
                mail,
                now,
                status="pending",
                last_error=error.reason,
                next_attempt_at=now + self.retry.delay(mail.attempts),
            )
        observe_delivery("failed" if final else "retry")

    async def _finish(self, mail: Claimed, now: datetime, **values: object) -> None:
        status = values["status"]
        if status == "sent":
            values["sent_at"] = now
        async with self.sessions() as session, session.begin():
            # Only while our claim holds: a worker whose lease ran out writes nothing.
            result = await session.execute(
                update(OutboxMail)
                .where(
                    OutboxMail.id == mail.id,
                    OutboxMail.status == "sending",
                    OutboxMail.attempts == mail.attempts,
                )
                .values(**values)
            )
            if not getattr(result, "rowcount", 0):
                return
            detail = f"kind={mail.kind} id={mail.id} attempts={mail.attempts}"
            if status == "sent":
                await audit.record(session, "mail.sent", user_id=mail.user_id, detail=detail)
            else:
                error = str(values.get("last_error") or "")
                final = " final" if status == "failed" else ""
                await audit.record(
                    session,
                    "mail.delivery_failed",
                    user_id=mail.user_id,
                    detail=f"{detail}{final} error={error}",
                )


def _due(now: datetime, batch: int) -> Select[int, int, str, int | None, str | None]:
    waiting = or_(OutboxMail.status == "pending", OutboxMail.status == "sending")
    return (
        select(
            OutboxMail.id,
            OutboxMail.attempts,
            OutboxMail.kind,
            OutboxMail.user_id,
            OutboxMail.message,
        )
        .where(and_(waiting, OutboxMail.next_attempt_at <= now))
        .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
        .limit(batch)
        # PostgreSQL: rows another worker is claiming right now are skipped, not waited for.
        .with_for_update(skip_locked=True)
    )


def _parse(text: str) -> EmailMessage:
    message = message_from_string(text, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


async def _first(*events: asyncio.Event) -> None:
    """Return as soon as any of `events` is set."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def list_mails(
    session: AsyncSession, *, status: str | None, limit: int, offset: int
) -> tuple[list[OutboxMail], int]:
    """Mails for the admin view, newest first."""
    query = select(OutboxMail)
    if status:
        query = query.where(OutboxMail.status == status)
    order = (OutboxMail.created_at.desc(), OutboxMail.id.desc())
    return await offset_page(session, query, order, limit, offset)

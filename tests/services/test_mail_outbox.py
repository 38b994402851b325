"""The mail outbox against a real SMTP server: delivery, outage, retries, one sender."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from email.message import EmailMessage

import httpx
from sqlalchemy import func, select

from homebase.app_state import AppState
from homebase.core.smtp import SmtpConfig, SmtpSender
from homebase.db.base import utcnow
from homebase.db.session import session_scope
from homebase.models import AuditEvent
from homebase.models.mail import OutboxMail
from homebase.observability.mail_metrics import MAIL_DELIVERIES
from homebase.services.mail_outbox import OutboxWorker, Retry, enqueue
from tests.factories import Factory
from tests.mail_server import MailBox

SENDER = "Homebase <noreply@home.example.com>"


async def _queue(state: AppState, count: int, to: str = "ann@example.com") -> list[int]:
    ids = []
    async with session_scope(state.write_sessions) as session:
        for index in range(count):
            row = await enqueue(
                session,
                sender=SENDER,
                kind="test",
                locale="en",
                to_address=to,
                to_name=f"Ann {index}",
                user_id=None,
                values={"link": "https://home.example.com"},
            )
            ids.append(row.id)
    return ids


async def _rows(state: AppState) -> list[OutboxMail]:
    async with session_scope(state.read_sessions) as session:
        return list(await session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


async def _events(state: AppState, event_type: str) -> int:
    async with session_scope(state.read_sessions) as session:
        count = await session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.type == event_type)
        )
        return int(count or 0)


def _ids(messages: list[EmailMessage]) -> list[str]:
    return [str(message["Message-ID"]) for message in messages]


async def test_delivered_once_and_body_erased(state: AppState, mail: MailBox) -> None:
    before = MAIL_DELIVERIES.labels(result="sent")._value.get()
    await _queue(state, 2)
    delivered = await mail.deliver()
    assert len(delivered) == 2 == len(set(_ids(delivered)))
    assert await mail.deliver() == []
    rows = await _rows(state)
    assert [row.status for row in rows] == ["sent", "sent"]
    assert all(row.message is None and row.sent_at is not None for row in rows)
    assert await _events(state, "mail.sent") == 2
    assert MAIL_DELIVERIES.labels(result="sent")._value.get() == before + 2


async def test_outage_mid_send_then_return(state: AppState, mail: MailBox) -> None:
    """The server goes away after the first of three mails: the other two wait with backoff
    and arrive once it is back; none arrives twice."""
    await _queue(state, 3)
    real = mail.mailer.worker.sender

    class StopsAfterFirst:
        sent = 0

        async def send(self, message: EmailMessage) -> None:
            self.sent += 1
            await real.send(message)
            if self.sent == 1:
                mail.server.stop()

    mail.mailer.worker.sender = StopsAfterFirst()
    first = await mail.deliver()
    assert len(first) == 1
    rows = await _rows(state)
    assert [row.status for row in rows] == ["sent", "pending", "pending"]
    waiting = rows[1]
    assert waiting.attempts == 1 and waiting.last_error
    assert waiting.next_attempt_at > utcnow() + timedelta(seconds=20)
    assert waiting.message is not None
    assert await _events(state, "mail.delivery_failed") == 2
    # Not due yet: nothing is tried before the backoff has passed.
    assert await mail.mailer.worker.run_once() == 0
    mail.server.start()
    mail.mailer.worker.sender = real
    later = await mail.deliver(utcnow() + timedelta(minutes=2))
    assert len(later) == 2
    everything = _ids(first + later)
    assert len(everything) == 3 == len(set(everything))
    assert [row.status for row in await _rows(state)] == ["sent", "sent", "sent"]
    assert await mail.deliver(utcnow() + timedelta(hours=3)) == []


async def test_temporary_refusal_in_data_is_retried(state: AppState, mail: MailBox) -> None:
    await _queue(state, 1)
    mail.server.handler.refuse = 1
    assert await mail.deliver() == []
    [row] = await _rows(state)
    assert row.status == "pending" and "451" in (row.last_error or "")
    assert len(await mail.deliver(utcnow() + timedelta(minutes=1))) == 1


async def test_refused_recipient_fails_for_good(state: AppState, mail: MailBox) -> None:
    mail.server.handler.reject.add("gone@example.com")
    await _queue(state, 1, to="gone@example.com")
    assert await mail.deliver() == []
    [row] = await _rows(state)
    assert row.status == "failed" and row.attempts == 1
    assert row.message is None and "550" in (row.last_error or "")
    assert await mail.mailer.worker.run_once(utcnow() + timedelta(days=1)) == 0


async def test_gives_up_after_max_attempts(state: AppState, mail: MailBox) -> None:
    await _queue(state, 1)
    mail.server.stop()
    worker = mail.mailer.worker
    worker.retry = Retry(max_attempts=3)
    now = utcnow()
    for attempt in range(3):
        await worker.run_once(now + timedelta(hours=2 * attempt))
    [row] = await _rows(state)
    assert (row.status, row.attempts, row.message) == ("failed", 3, None)
    assert await _events(state, "mail.delivery_failed") == 3


async def test_concurrent_workers_send_each_mail_once(state: AppState, mail: MailBox) -> None:
    """Three workers (as in three processes) racing over the same due rows."""
    await _queue(state, 24)
    sender = SmtpSender(SmtpConfig.from_url(mail.server.url))
    workers = [OutboxWorker(state.write_sessions, sender, batch=4) for _ in range(3)]
    tried = await asyncio.gather(*(worker.run_once() for worker in workers))
    assert sum(tried) == 24
    messages = mail.new()
    assert len(messages) == 24 == len(set(_ids(messages)))


async def test_a_crashed_claim_is_taken_over_after_its_lease(
    state: AppState, mail: MailBox
) -> None:
    [mail_id] = await _queue(state, 1)
    worker = mail.mailer.worker
    claimed = await worker._claim(utcnow())
    assert [item.id for item in claimed] == [mail_id]
    # The claiming worker dies here. Within the lease nobody else sends it...
    assert await worker.run_once() == 0
    # ...after the lease another worker does, once.
    assert len(await mail.deliver(utcnow() + worker.lease + timedelta(seconds=1))) == 1
    [row] = await _rows(state)
    assert (row.status, row.attempts) == ("sent", 2)


async def test_the_background_worker_sends_once_the_request_commits(
    state: AppState, mail: MailBox
) -> None:
    """The worker loop of a running app: woken by the commit, not by its (long) interval."""
    mail.mailer.start(interval=3600)
    try:
        async with session_scope(state.write_sessions) as session:
            await mail.mailer.queue(
                session,
                kind="test",
                locale="ru",
                to_address="ann@example.com",
                to_name="Ann",
                user_id=None,
                values={"link": "https://home.example.com"},
            )
        for _ in range(200):  # up to 10 s on a loaded machine; a bound, not a speed claim
            if mail.server.delivered:
                break
            await asyncio.sleep(0.05)
        [message] = mail.new()
        assert message["Subject"] == "Тестовое письмо Homebase"
    finally:
        await mail.mailer.stop()


async def test_admin_mail_view(
    state: AppState, mail: MailBox, client: httpx.AsyncClient, factory: Factory
) -> None:
    admin, user = await factory.admin(), await factory.user()
    mail.server.handler.reject.add("gone@example.com")
    await _queue(state, 1, to="gone@example.com")
    await _queue(state, 1)
    await mail.deliver()
    assert (await client.get("/admin/mail")).status_code == 401
    assert (await client.get("/admin/mail", headers=user.bearer)).status_code == 403
    failed = await client.get("/admin/mail", headers=admin.bearer)
    assert failed.status_code == 200 and failed.headers["X-Total-Count"] == "1"
    [row] = failed.json()
    assert (row["to_address"], row["status"]) == ("gone@example.com", "failed")
    assert "550" in row["last_error"] and "message" not in row
    every = await client.get("/admin/mail?status=all", headers=admin.bearer)
    assert {row["status"] for row in every.json()} == {"failed", "sent"}
    bad = await client.get("/admin/mail?status=nope", headers=admin.bearer)
    assert bad.status_code == 422


async def test_a_mail_committed_during_a_pass_is_not_left_for_the_interval(
    state: AppState, mail: MailBox
) -> None:
    """The commit's wake-up can land while a pass is running (after its query found
    nothing): the worker must run another pass at once, not sleep out its interval."""
    worker = OutboxWorker(state.write_sessions, mail.mailer.transport)  # type: ignore[arg-type]
    passes = 0

    async def one_pass(now: object = None) -> int:
        nonlocal passes
        passes += 1
        if passes == 1:
            worker.wake()  # a request commits a mail now, mid-pass
        return 0

    worker.run_once = one_pass  # type: ignore[method-assign]
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop, interval=3600))
    try:
        for _ in range(100):  # a bound, not a speed claim
            if passes >= 2:
                break
            await asyncio.sleep(0.01)
        assert passes >= 2
    finally:
        stop.set()
        worker.wake()
        await asyncio.wait_for(task, 5)

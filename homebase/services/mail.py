"""The mail facade the use cases talk to: is mail configured, queue this mail, build a link."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlencode

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from homebase.core.config import Settings
from homebase.core.errors import MailUnavailable
from homebase.core.smtp import MailSender, SmtpConfig, SmtpSender
from homebase.services.mail_outbox import OutboxWorker, enqueue

STOP_GRACE_SECONDS = 5.0


class Mailer:
    """Without `HOMEBASE_SMTP_URL`, `HOMEBASE_MAIL_FROM` and `HOMEBASE_PUBLIC_URL` every use
    case that needs a mail answers 503 `mail_unavailable`: a mail is never silently dropped."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        sender_address: str | None,
        public_url: str | None,
        transport: MailSender | None,
    ) -> None:
        self.sender_address = sender_address
        self.public_url = public_url.rstrip("/") if public_url else None
        self.transport = transport
        self.worker = OutboxWorker(sessions, transport) if transport is not None else None
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    @classmethod
    def from_settings(
        cls, settings: Settings, sessions: async_sessionmaker[AsyncSession]
    ) -> Mailer:
        transport = None
        if settings.smtp_url:
            config = SmtpConfig.from_url(
                settings.smtp_url.get_secret_value(),
                password_file=settings.smtp_password_file,
                ca_file=settings.smtp_ca_file,
                timeout=settings.smtp_timeout,
            )
            transport = SmtpSender(config)
        return cls(
            sessions,
            sender_address=settings.mail_from,
            public_url=settings.public_url,
            transport=transport,
        )

    @property
    def configured(self) -> bool:
        return bool(self.transport and self.sender_address and self.public_url)

    def ensure_configured(self) -> None:
        if not self.configured:
            raise MailUnavailable()

    def link(self, path: str, **query: str) -> str:
        """An absolute link on `HOMEBASE_PUBLIC_URL`."""
        self.ensure_configured()
        return f"{self.public_url}{path}?{urlencode(query)}"

    async def queue(
        self,
        session: AsyncSession,
        *,
        kind: str,
        locale: str,
        to_address: str,
        to_name: str | None,
        user_id: int | None,
        values: dict[str, str],
    ) -> None:
        """Queue a mail in the request's transaction; the worker is woken once it commits."""
        self.ensure_configured()
        assert self.sender_address is not None and self.worker is not None
        await enqueue(
            session,
            sender=self.sender_address,
            kind=kind,
            locale=locale,
            to_address=to_address,
            to_name=to_name,
            user_id=user_id,
            values=values,
        )
        worker = self.worker
        event.listen(session.sync_session, "after_commit", lambda _s: worker.wake(), once=True)

    def start(self, interval: float) -> None:
        """Run the outbox worker in this process (every worker process runs one)."""
        if self.worker is not None and self._task is None:
            self._stop.clear()
            self._task = asyncio.get_running_loop().create_task(
                self.worker.run(self._stop, interval), name="mail-outbox"
            )

    async def stop(self) -> None:
        """Stop the worker: a pass in progress gets a few seconds, then is cancelled (a mail
        cut off mid-send stays claimed until its lease ends, then is sent again)."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stop.set()
        if self.worker is not None:
            self.worker.wake()
        await asyncio.wait({task}, timeout=STOP_GRACE_SECONDS)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

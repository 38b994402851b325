"""A real SMTP server in the test process (aiosmtpd, in its own thread), to deliver to."""

from __future__ import annotations

import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.cli.server import free_port

MAIL_FROM = "Homebase <noreply@home.example.com>"
PUBLIC_URL = "https://home.example.com"


@dataclass
class Delivered:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes
    encrypted: bool
    login: str | None


@dataclass
class Handler:
    delivered: list[Delivered] = field(default_factory=list)
    # Answer DATA with a temporary failure for the next `refuse` messages.
    refuse: int = 0
    # Recipients refused for good (550).
    reject: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.reject:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                return "451 4.3.0 Temporary failure, try again later"
            content = envelope.original_content or b""
            message = message_from_bytes(content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            login = getattr(session, "auth_data", None)
            self.delivered.append(
                Delivered(
                    mail_from=str(envelope.mail_from),
                    rcpt_tos=list(envelope.rcpt_tos),
                    message=message,
                    raw=content,
                    encrypted=server.transport.get_extra_info("ssl_object") is not None,
                    login=login.login.decode() if isinstance(login, LoginPassword) else None,
                )
            )
        return "250 2.0.0 OK"


class MailServer:
    """`start()` / `stop()` may be called again, on the same port: an outage and a return."""

    def __init__(self, **smtp_options: Any) -> None:
        self.handler = Handler()
        self.port = free_port()
        self.smtp_options = smtp_options
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        scheme = "smtps" if "ssl_context" in self.smtp_options else "smtp"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def delivered(self) -> list[Delivered]:
        return self.handler.delivered

    def start(self) -> MailServer:
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, **self.smtp_options
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made by the openssl command."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def password_checker(login: str, password: str) -> Any:
    """An aiosmtpd authenticator that accepts exactly one login."""

    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            login.encode(),
            password.encode(),
        )
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

    return authenticate


class MailBox:
    """The test's view of mail: the server that receives, and the app's outbox worker."""

    def __init__(self, server: MailServer, mailer: Any) -> None:
        self.server = server
        self.mailer = mailer
        self._seen = 0

    async def deliver(self, now: Any = None) -> list[EmailMessage]:
        """Run one outbox pass; the messages that arrived since the last call."""
        await self.mailer.worker.run_once(now)
        return self.new()

    def new(self) -> list[EmailMessage]:
        fresh = self.server.delivered[self._seen :]
        self._seen = len(self.server.delivered)
        return [item.message for item in fresh]

    @staticmethod
    def text(message: EmailMessage) -> str:
        body = message.get_body(("plain",))
        assert body is not None
        return str(body.get_content())

    @classmethod
    def token(cls, message: EmailMessage) -> str:
        """The `token=` of the (only) link in a mail."""
        import re

        found = re.findall(
            r"https://home\.example\.com/\S+\?token=([A-Za-z0-9_-]+)", cls.text(message)
        )
        assert len(found) == 1, cls.text(message)
        return str(found[0])

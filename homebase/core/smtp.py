"""Sending one message over SMTP: the transport under the mail outbox.

`smtp://` upgrades with STARTTLS whenever the server offers it and `smtps://` speaks TLS from
the first byte; either way the certificate is verified against the system's trust store (or a
CA file given for a private CA). A connection that is not encrypted is only ever used when the
server offers no STARTTLS at all, as a local mail catcher does.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

SMTP_SCHEMES = {"smtp": (587, False), "smtps": (465, True)}
DEFAULT_TIMEOUT = 20.0
# SMTP reply codes 5xx are final ("mailbox does not exist"): retrying cannot help.
PERMANENT_REPLY = 500


class MailDeliveryError(Exception):
    """The server did not take the message. `permanent` when a retry cannot succeed."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class MailSender(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    implicit_tls: bool
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        password_file: Path | None = None,
        ca_file: Path | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> SmtpConfig:
        """Read `smtp[s]://[user[:password]@]host[:port]`; a password file wins over the URL's
        password, so that the secret need not sit in the environment."""
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in SMTP_SCHEMES:
            raise ValueError("the SMTP URL must start with smtp:// or smtps://")
        try:
            port = parts.port
        except ValueError as error:
            raise ValueError("the SMTP URL has an invalid port") from error
        if not parts.hostname:
            raise ValueError("the SMTP URL has no host")
        default_port, implicit_tls = SMTP_SCHEMES[scheme]
        password = unquote(parts.password) if parts.password is not None else None
        if password_file is not None:
            password = password_file.read_text(encoding="utf-8").rstrip("\r\n")
        return cls(
            host=parts.hostname,
            port=port or default_port,
            implicit_tls=implicit_tls,
            username=unquote(parts.username) if parts.username else None,
            password=password,
            ca_file=str(ca_file) if ca_file is not None else None,
            timeout=timeout,
        )

    @property
    def display(self) -> str:
        """The URL without its credentials, for logs and the CLI."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        return f"{scheme}://{self.host}:{self.port}"


class SmtpSender:
    """Delivers a message over one fresh connection (mail is rare: no pool to keep alive)."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    async def send(self, message: EmailMessage) -> None:
        config = self.config
        try:
            await aiosmtplib.send(
                message,
                hostname=config.host,
                port=config.port,
                username=config.username,
                password=config.password,
                use_tls=config.implicit_tls,
                # None: STARTTLS exactly when the server offers it.
                start_tls=False if config.implicit_tls else None,
                validate_certs=True,
                cert_bundle=config.ca_file,
                timeout=config.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            raise MailDeliveryError(_describe(error), permanent=True) from error
        except aiosmtplib.SMTPResponseException as error:
            permanent = error.code >= PERMANENT_REPLY
            raise MailDeliveryError(_describe(error), permanent=permanent) from error
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as error:
            raise MailDeliveryError(_describe(error)) from error


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:500]

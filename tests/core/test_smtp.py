"""The SMTP transport against a real server: plain, STARTTLS, implicit TLS, credentials."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from homebase.core.smtp import MailDeliveryError, SmtpConfig, SmtpSender
from tests.mail_server import (
    MailServer,
    free_port,
    make_certificate,
    password_checker,
    server_context,
)


def _message(to: str = "ann@example.com") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Homebase <noreply@example.com>"
    message["To"] = to
    message["Subject"] = "Hello"
    message.set_content("Hello there\n")
    return message


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def plain_server() -> Iterator[MailServer]:
    server = MailServer().start()
    yield server
    server.stop()


def test_url_parsing_defaults_and_credentials(tmp_path: Path) -> None:
    config = SmtpConfig.from_url("smtp://mailer%40example.com:p%3Ass@mail.example.com")
    assert (config.host, config.port, config.implicit_tls) == ("mail.example.com", 587, False)
    assert (config.username, config.password) == ("mailer@example.com", "p:ss")
    assert SmtpConfig.from_url("smtps://mail.example.com").port == 465
    secret = tmp_path / "smtp-password"
    secret.write_text("from-the-file\n")
    from_file = SmtpConfig.from_url("smtp://user:url@h:2525", password_file=secret)
    assert (from_file.port, from_file.password) == (2525, "from-the-file")
    assert "url" not in from_file.display and "from-the-file" not in from_file.display


@pytest.mark.parametrize(
    "url", ["http://mail.example.com", "smtp://", "smtp://host:99999", "mail.example.com"]
)
def test_url_refused(url: str) -> None:
    with pytest.raises(ValueError, match="SMTP URL"):
        SmtpConfig.from_url(url)


async def test_plain_server_without_starttls_receives(plain_server: MailServer) -> None:
    await SmtpSender(SmtpConfig.from_url(plain_server.url)).send(_message())
    [delivered] = plain_server.delivered
    assert delivered.rcpt_tos == ["ann@example.com"]
    assert delivered.message["Subject"] == "Hello"
    assert delivered.encrypted is False


async def test_starttls_offered_is_used_and_verified(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    server = MailServer(
        tls_context=server_context(cert, key),
        authenticator=password_checker("mailer", "s3cret/pw"),
    ).start()
    try:
        # A certificate the system's trust store does not know: refused, nothing sent.
        with pytest.raises(MailDeliveryError, match=r"CERTIFICATE_VERIFY_FAILED|certificate"):
            await SmtpSender(SmtpConfig.from_url(server.url)).send(_message())
        assert server.delivered == []
        # Trusted through a CA file: STARTTLS, then AUTH with the URL's credentials.
        url = server.url.replace("smtp://", "smtp://mailer:s3cret%2Fpw@")
        await SmtpSender(SmtpConfig.from_url(url, ca_file=cert)).send(_message())
        [delivered] = server.delivered
        assert delivered.encrypted is True
        assert delivered.login == "mailer"
    finally:
        server.stop()


async def test_wrong_password_is_a_permanent_failure(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    server = MailServer(
        tls_context=server_context(cert, key),
        authenticator=password_checker("mailer", "right"),
    ).start()
    try:
        url = server.url.replace("smtp://", "smtp://mailer:wrong@")
        with pytest.raises(MailDeliveryError) as caught:
            await SmtpSender(SmtpConfig.from_url(url, ca_file=cert)).send(_message())
        assert caught.value.permanent is True
        assert "wrong" not in caught.value.reason
        assert server.delivered == []
    finally:
        server.stop()


async def test_implicit_tls(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    server = MailServer(ssl_context=server_context(cert, key)).start()
    try:
        assert server.url.startswith("smtps://")
        await SmtpSender(SmtpConfig.from_url(server.url, ca_file=cert)).send(_message())
        [delivered] = server.delivered
        assert delivered.encrypted is True
    finally:
        server.stop()


async def test_server_down_is_a_temporary_failure() -> None:
    config = SmtpConfig.from_url(f"smtp://127.0.0.1:{free_port()}", timeout=2)
    with pytest.raises(MailDeliveryError) as caught:
        await SmtpSender(config).send(_message())
    assert caught.value.permanent is False


async def test_temporary_refusal_is_not_permanent(plain_server: MailServer) -> None:
    plain_server.handler.refuse = 1
    with pytest.raises(MailDeliveryError) as caught:
        await SmtpSender(SmtpConfig.from_url(plain_server.url)).send(_message())
    assert caught.value.permanent is False
    assert "451" in caught.value.reason

"""`homebase mail test ADDRESS`: send one mail now, straight over SMTP, and say how it went."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from homebase.cli.common import FAILED, OK, USAGE, error
from homebase.core.config import Settings


def _test(args: argparse.Namespace, settings: Settings) -> int:
    from homebase.core.mail_messages import build_message, recipient, render
    from homebase.core.smtp import MailDeliveryError, SmtpConfig, SmtpSender

    if not (settings.smtp_url and settings.mail_from):
        error("set HOMEBASE_SMTP_URL and HOMEBASE_MAIL_FROM first")
        return USAGE
    try:
        recipient(args.address, None)
    except ValueError:
        error(f"not an email address: {args.address!r}")
        return USAGE
    config = SmtpConfig.from_url(
        settings.smtp_url.get_secret_value(),
        password_file=settings.smtp_password_file,
        ca_file=settings.smtp_ca_file,
        timeout=settings.smtp_timeout,
    )
    locale = args.locale or settings.default_locale
    mail = render("test", locale, link=settings.public_url or "(HOMEBASE_PUBLIC_URL is not set)")
    message = build_message(
        sender=settings.mail_from, to_address=args.address, to_name=None, locale=locale, mail=mail
    )
    try:
        asyncio.run(SmtpSender(config).send(message))
    except MailDeliveryError as exc:
        error(f"not delivered through {config.display}: {exc.reason}")
        return FAILED
    print(f"test mail sent to {args.address} through {config.display}")
    return OK


def add_parser(commands: Any) -> None:
    mail = commands.add_parser("mail", help="mail delivery")
    actions = mail.add_subparsers(dest="action", required=True)
    test = actions.add_parser("test", help="send a test mail now, bypassing the outbox")
    test.add_argument("address", help="where to send it")
    test.add_argument("--locale", choices=("en", "ru", "uk"), help="language of the mail")
    test.set_defaults(handler=_test)

"""Mail texts from templates (en, ru, uk), as plain text plus a simple HTML part.

A template is `locales/<locale>/mail/<kind>.txt`: a `Subject:` line, then the body with
`$placeholders`. The HTML part is made from the same text (one paragraph per block, the link
block as an anchor), every value escaped, so the two parts never drift apart.

Headers are built with `email.message.EmailMessage` from `Address` objects, and names are
stripped of control characters first: a CR/LF in a user's name cannot add a header.
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import cache
from importlib import resources
from string import Template

from homebase.core.i18n import FALLBACK_LOCALE, SUPPORTED_LOCALES

MAIL_KINDS = ("verify_email", "password_reset", "test")
MAX_NAME_LENGTH = 100
MAX_VALUE_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text: str
    html: str


@cache
def _template(kind: str, locale: str) -> tuple[str, str]:
    if kind not in MAIL_KINDS:
        raise ValueError(f"unknown mail kind {kind!r}")
    if locale not in SUPPORTED_LOCALES:
        locale = FALLBACK_LOCALE
    source = resources.files("homebase") / "locales" / locale / "mail" / f"{kind}.txt"
    head, _, body = source.read_text(encoding="utf-8").partition("\n")
    if not head.startswith("Subject: "):
        raise ValueError(f"mail template {locale}/{kind} must start with a Subject line")
    return head.removeprefix("Subject: ").strip(), body.strip("\n")


@cache
def _layout() -> Template:
    source = resources.files("homebase") / "locales" / "mail_layout.html"
    return Template(source.read_text(encoding="utf-8"))


def render(kind: str, locale: str, **values: str) -> RenderedMail:
    """The subject, text and HTML of a `kind` mail in `locale`, with `values` filled in."""
    subject_template, body_template = _template(kind, locale)
    # A value is one line: a name cannot add lines to the text, nor headers to the message.
    values = {key: single_line(value, MAX_VALUE_LENGTH) for key, value in values.items()}
    subject = single_line(Template(subject_template).substitute(values))
    text = Template(body_template).substitute(values)
    link = values.get("link")
    paragraphs = []
    for block in text.split("\n\n"):
        block = block.strip()
        escaped = html.escape(block).replace("\n", "<br>\n")
        if link is not None and block == link:
            paragraphs.append(f'<p><a href="{html.escape(link)}">{escaped}</a></p>')
        else:
            paragraphs.append(f"<p>{escaped}</p>")
    page = _layout().substitute(
        lang=locale if locale in SUPPORTED_LOCALES else FALLBACK_LOCALE,
        subject=html.escape(subject),
        body="\n".join(paragraphs),
    )
    return RenderedMail(subject=subject, text=text + "\n", html=page)


def single_line(value: str, limit: int = 998) -> str:
    """`value` with every control or line-breaking character turned into one space."""
    cleaned = "".join(
        " " if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char for char in value
    )
    return " ".join(cleaned.split())[:limit]


def recipient(address: str, name: str | None) -> Address:
    """The `To` of a mail. A name is reduced to one line; an address with a line break or
    without exactly one `@` is refused (it could not have passed the schema anyway)."""
    if single_line(address) != address or address.count("@") != 1:
        raise ValueError("invalid recipient address")
    display = single_line(name or "", MAX_NAME_LENGTH)
    username, domain = address.rsplit("@", 1)
    return Address(display_name=display, username=username, domain=domain)


def build_message(
    *,
    sender: str,
    to_address: str,
    to_name: str | None,
    locale: str,
    mail: RenderedMail,
    now: datetime | None = None,
) -> EmailMessage:
    """An RFC 5322 message: `From` is `HOMEBASE_MAIL_FROM`, text first, HTML alternative."""
    message = EmailMessage()
    message["From"] = single_line(sender)
    message["To"] = recipient(to_address, to_name)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now or datetime.now(UTC))
    domain = sender.rpartition("@")[2].strip(" >") or "homebase.invalid"
    message["Message-ID"] = make_msgid(domain=single_line(domain))
    # RFC 3834: an automatic mail, so that vacation responders stay quiet.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    # After the parts: setting the content drops every Content-* header set before.
    message["Content-Language"] = locale
    return message

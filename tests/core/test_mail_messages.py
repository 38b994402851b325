"""Mail texts: three languages, text + HTML from one template, no header injection."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from homebase.core.mail_messages import MAIL_KINDS, build_message, recipient, render

LINK = "https://home.example.com/verify-email?token=abc&x=<y>"


@pytest.mark.parametrize("kind", MAIL_KINDS)
@pytest.mark.parametrize("locale", ["en", "ru", "uk"])
def test_every_template_renders(kind: str, locale: str) -> None:
    mail = render(kind, locale, name="Ann", email="ann@example.com", link=LINK, hours="48",
                  minutes="30")  # fmt: skip
    assert mail.subject and "\n" not in mail.subject
    assert LINK in mail.text
    assert "$" not in mail.text and "$" not in mail.html
    assert f'<html lang="{locale}">' in mail.html
    # The link is escaped in the HTML part, never raw.
    assert "&lt;y&gt;" in mail.html and "<y>" not in mail.html


def test_languages_differ() -> None:
    subjects = {
        render("password_reset", locale, name="A", link=LINK, minutes="30").subject
        for locale in ("en", "ru", "uk")
    }
    assert subjects == {
        "Reset your Homebase password",
        "Сброс пароля Homebase",
        "Скидання пароля Homebase",
    }


def test_unknown_locale_falls_back_to_english() -> None:
    assert render("test", "de", link=LINK).subject == "Homebase test mail"


def test_html_escapes_the_name() -> None:
    mail = render("verify_email", "en", name="<script>x</script>", email="a@b.c", link=LINK,
                  hours="48")  # fmt: skip
    assert "<script>" not in mail.html
    assert "&lt;script&gt;" in mail.html
    assert f'<a href="{LINK.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")}"' in (
        mail.html
    )


def test_crlf_in_a_name_adds_no_header() -> None:
    evil = "Eve\r\nBcc: victim@example.net\r\nSubject: pwned"
    mail = render("verify_email", "en", name=evil, email="eve@example.com", link=LINK,
                  hours="48")  # fmt: skip
    message = build_message(
        sender="Homebase <noreply@example.com>",
        to_address="eve@example.com",
        to_name=evil,
        locale="en",
        mail=mail,
    )
    raw = message.as_bytes()
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None
    assert parsed.get_all("Subject") == ["Confirm your email address"]
    assert parsed["To"].addresses[0].addr_spec == "eve@example.com"
    assert "\r\nBcc:" not in raw.decode("ascii", "replace")
    assert b"\nBcc:" not in raw


def test_message_headers_and_parts() -> None:
    mail = render("password_reset", "uk", name="Олена", link=LINK, minutes="30")
    message = build_message(
        sender="Homebase <noreply@home.example.com>",
        to_address="olena@example.com",
        to_name="Олена Коваль",
        locale="uk",
        mail=mail,
    )
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed["To"].addresses[0].display_name == "Олена Коваль"
    assert parsed["Subject"] == "Скидання пароля Homebase"
    assert parsed["Content-Language"] == "uk"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Message-ID"].endswith("@home.example.com>")
    text = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert text is not None and html is not None
    assert LINK in text.get_content()
    assert "Вітаємо, Олена!" in text.get_content()


@pytest.mark.parametrize(
    "address", ["a@b.c\r\nBcc: x@y.z", "no-at-sign", "two@@example.com", "a@b\x00.c"]
)
def test_bad_recipient_addresses_refused(address: str) -> None:
    with pytest.raises(ValueError, match="recipient"):
        recipient(address, "Ann")

"""vCard reading, mapping and minimal rewriting, checked against real-world exports and, for
what Homebase writes, against an independent parser (vobject)."""

from __future__ import annotations

import tracemalloc
from datetime import date

import pytest
import vobject

from homebase.services.interchange import vcard
from homebase.services.interchange.vcard import Birthday, Mapped
from tests.services.interchange.conftest import read_fixture


def only(body: str) -> vcard.Card:
    parsed = vcard.parse_cards(body)
    assert parsed.errors == []
    assert len(parsed.cards) == 1
    return parsed.cards[0][1]


def cards(name: str) -> list[vcard.Card]:
    parsed = vcard.parse_cards(read_fixture(name))
    assert parsed.errors == []
    return [card for _, card in parsed.cards]


def independent(text: str) -> list[vobject.base.Component]:
    return list(vobject.readComponents(text))


def test_apple_contacts_export_maps_per_spec() -> None:
    ivan, maria, company = cards("vcard/apple_contacts.vcf")
    assert ivan.mapped() == Mapped(
        first_name="Иван",
        last_name="Петров",
        email="Ivan.Petrov@example.com",  # type=pref wins over the first EMAIL
        phone="+7 900 100-20-30",
        birthday=Birthday(4, 12, 1985),
        note="Познакомились на конференции\nв Казани, 2019",
    )
    assert ivan.version == "3.0"
    # Apple writes no UID: a stable one is derived from the content and put into the card.
    assert ivan.uid and f"UID:{ivan.uid}\r\n" in ivan.text()
    assert maria.mapped().birthday == Birthday(2, 28, None)  # X-APPLE-OMIT-YEAR=1604
    assert maria.mapped().phone == "+7 912 345-67-89"
    assert company.names() == ("Acme Plumbing", "")  # N empty: FN


def test_derived_uid_is_stable_and_ignores_revision_stamps() -> None:
    first = cards("vcard/apple_contacts.vcf")
    again = cards("vcard/apple_contacts.vcf")
    assert [card.uid for card in first] == [card.uid for card in again]
    assert len({card.uid for card in first}) == 3
    body = read_fixture("vcard/google_contacts.vcf")
    stamped = body.replace("VERSION:3.0\r\n", "VERSION:3.0\r\nREV:2026-03-01T10:00:00Z\r\n", 1)
    assert only_uids(body)[0] == only_uids(stamped)[0]


def only_uids(body: str) -> list[str]:
    return [card.uid for _, card in vcard.parse_cards(body).cards]


def test_google_export_year_less_leap_day_and_escaped_values() -> None:
    olena, tom = cards("vcard/google_contacts.vcf")
    assert olena.mapped().birthday == Birthday(2, 29, None)
    assert olena.mapped().email == "olena.kovalenko@example.com.ua"
    assert olena.mapped().phone == "+380 67 123 4567"
    assert tom.mapped().birthday == Birthday(11, 3, 1979)
    assert tom.names() == ("Tom", "O'Brien")


def test_thunderbird_4_0_pref_parameter_and_uri_phone() -> None:
    anna, dmytro = cards("vcard/thunderbird.vcf")
    assert anna.version == "4.0"
    assert anna.mapped().email == "Anna@Example.de"  # PREF=1 though listed second
    assert anna.mapped().birthday == Birthday(3, 15, 1990)
    assert anna.uid == "0c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
    assert dmytro.mapped().phone == "+380-50-555-0199"  # tel: URI
    assert dmytro.mapped().birthday == Birthday(7, 4, None)
    assert dmytro.uid == "urn:uuid:5b2f1c8e-3d4a-4e6f-9b0c-1d2e3f4a5b6c"


def test_android_2_1_quoted_printable_and_base64_photo() -> None:
    petr, alice = cards("vcard/android.vcf")
    mapped = petr.mapped()
    assert (mapped.first_name, mapped.last_name) == ("Пётр", "Сидоров")
    assert mapped.note is not None and mapped.note.startswith("Сосед по даче.")
    assert mapped.note.endswith("шахматы.")
    assert mapped.phone == "+79001112233"
    photo = petr.first("PHOTO")
    assert photo is not None and photo.value.endswith("Jggg==")
    assert alice.mapped().email is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1990-02-28", Birthday(2, 28, 1990)),
        ("19900228", Birthday(2, 28, 1990)),
        ("--0228", Birthday(2, 28, None)),
        ("--02-28", Birthday(2, 28, None)),
        ("--0229", Birthday(2, 29, None)),
        ("1990-02-28T00:00:00Z", Birthday(2, 28, 1990)),
        ("1990-02-30", None),
        ("--1301", None),
        ("circa 1800", None),
        ("", None),
    ],
)
def test_birthday_forms(text: str, expected: Birthday | None) -> None:
    assert Birthday.parse(text) == expected


def test_birthday_iso_forms() -> None:
    assert Birthday(2, 28, None).iso() == "--02-28"
    assert Birthday(2, 28, 1990).iso() == "1990-02-28"
    assert Birthday(2, 28, 1990).as_date() == date(1990, 2, 28)
    assert Birthday(2, 28, None).as_date() is None


def test_text_keeps_every_line_of_the_upload() -> None:
    for name in ("apple_contacts", "google_contacts", "thunderbird", "android"):
        body = read_fixture(f"vcard/{name}.vcf")
        for card in cards(f"vcard/{name}.vcf"):
            for line in card.text().split("\r\n"):
                if line and not line.startswith("UID:"):
                    assert line in body, (name, line)


def test_broken_cards_are_report_lines_and_good_ones_still_parse() -> None:
    parsed = vcard.parse_cards(read_fixture("vcard/broken.vcf"))
    assert [(index, card.uid) for index, card in parsed.cards] == [(0, "good-1")]
    assert [(e.index, e.uid, e.code) for e in parsed.errors] == [
        (1, None, "invalid_vcard"),
        (2, "future", "unsupported_version"),
        (3, "nameless", "missing_name"),
        (4, "good-1", "duplicate_uid"),
        (5, None, "invalid_vcard"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        "",
        "garbage",
        "BEGIN:VCARD\r\n",
        "END:VCARD\r\n",
        "BEGIN:VCARD\r\nVERSION:3.0\r\n:no name\r\nEND:VCARD",
        'BEGIN:VCARD\r\nVERSION:3.0\r\nFN;X="unterminated:x\r\nEND:VCARD',
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:" + "x" * 300 + "\r\nFN:a\r\nEND:VCARD",
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:a\x01b\r\nFN:a\r\nEND:VCARD",
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN;ENCODING=QUOTED-PRINTABLE;CHARSET=nope:=FF=\r\nEND:VCARD",
    ],
)
def test_hostile_bodies_never_raise(body: str) -> None:
    parsed = vcard.parse_cards(body)
    assert len(parsed.cards) + len(parsed.errors) <= 1


def test_rewrite_touches_only_the_changed_properties() -> None:
    ivan = cards("vcard/apple_contacts.vcf")[0]
    old = ivan.mapped()
    new = Mapped(
        first_name=old.first_name,
        last_name=old.last_name,
        email="ivan@new.example",
        phone=old.phone,
        birthday=old.birthday,
        note=old.note,
    )
    before = ivan.text().split("\r\n")
    after = vcard.apply(ivan, old, new).text().split("\r\n")
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [
        (
            "item2.EMAIL;type=INTERNET;type=WORK;type=pref:Ivan.Petrov@example.com",
            "item2.EMAIL;type=INTERNET;type=WORK;type=pref:ivan@new.example",
        )
    ]


def test_rewrite_names_birthday_note_and_removals() -> None:
    maria = cards("vcard/apple_contacts.vcf")[1]
    old = maria.mapped()
    new = Mapped(
        first_name="Мария",
        last_name="Смирнова",
        email=old.email,
        phone=None,
        birthday=Birthday(3, 1, 1980),
        note="Новая; заметка, с запятой",
    )
    text = vcard.apply(maria, old, new).text()
    assert "N:Смирнова;Мария;;;\r\n" in text
    assert "FN:Мария Смирнова\r\n" in text
    assert "item1.TEL" not in text
    assert "item1.X-ABLabel:Дача" in text  # what Homebase does not map stays
    assert "BDAY:1980-03-01\r\n" in text
    assert "X-APPLE-OMIT-YEAR" not in text
    reread = only(text)
    assert reread.mapped() == new
    parsed = independent(text)[0]
    assert parsed.n.value.family == "Смирнова"
    assert parsed.note.value == "Новая; заметка, с запятой"
    assert parsed.bday.value == "1980-03-01"


def test_rewrite_of_a_2_1_quoted_printable_card_drops_the_encoding() -> None:
    petr = cards("vcard/android.vcf")[0]
    old = petr.mapped()
    new = Mapped(**{**_fields(old), "first_name": "Павел", "note": "Коротко"})
    text = vcard.apply(petr, old, new).text()
    assert "N;CHARSET=UTF-8:Сидоров;Павел;;;\r\n" in text
    assert "QUOTED-PRINTABLE" not in text.split("PHOTO")[0]
    assert only(text).mapped() == new


def _fields(mapped: Mapped) -> dict[str, object]:
    return {name: getattr(mapped, name) for name in Mapped.__dataclass_fields__}


def test_rewrite_keeps_a_tel_uri_a_uri() -> None:
    dmytro = cards("vcard/thunderbird.vcf")[1]
    old = dmytro.mapped()
    text = vcard.apply(dmytro, old, Mapped(**{**_fields(old), "phone": "+380 50 000 0000"})).text()
    assert "TEL;VALUE=uri;TYPE=cell:tel:+380 50 000 0000\r\n" in text


def test_new_card_is_4_0_and_read_back_by_an_independent_parser() -> None:
    fields = Mapped(
        first_name="Иван",
        last_name="Петров-Водкин, мл.",
        email="ivan@example.com",
        phone="+7 900 100-20-30",
        birthday=Birthday(2, 29, None),
        note="Очень длинная заметка " * 10,
    )
    card = vcard.new_card("5f0c1b2a-0000-4000-8000-000000000001", fields)
    text = card.text()
    assert text.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert only(text).mapped() == fields
    parsed = independent(text)[0]
    assert parsed.uid.value == "5f0c1b2a-0000-4000-8000-000000000001"
    assert parsed.fn.value == "Иван Петров-Водкин, мл."
    assert parsed.n.value.family == "Петров-Водкин, мл."
    assert parsed.email.value == "ivan@example.com"
    assert parsed.bday.value == "--0229"
    assert parsed.note.value == fields.note


def test_independent_parser_reads_every_fixture_card_we_store() -> None:
    for name in ("apple_contacts", "google_contacts", "thunderbird"):
        for card in cards(f"vcard/{name}.vcf"):
            parsed = independent(card.text())
            assert len(parsed) == 1
            assert parsed[0].uid.value == card.uid


def test_an_import_is_prepared_one_card_at_a_time() -> None:
    """A large import never holds every parsed card at once: preparing 2,000 cards peaks
    near the rows it keeps (the parsed lines and properties of all of them held together
    took five times as much)."""
    from bench.interchange import vcards
    from homebase.services.interchange.contact_import import prepare

    body = vcards(2_000, 3).decode()
    tracemalloc.start()
    try:
        rows, errors = prepare(body, date(2026, 1, 1))
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (len(rows), errors) == (2_000, [])
    assert peak < 2 * kept, (peak, kept)

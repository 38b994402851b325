"""vCard import and export over HTTP, on both backends, with real-world exports."""

from __future__ import annotations

import re

import httpx
import vobject

from tests.factories import Factory
from tests.services.interchange.conftest import read_fixture

VCARD = {"Content-Type": "text/vcard"}
ALL_FIXTURES = ("apple_contacts", "google_contacts", "thunderbird", "android")


async def import_file(
    client: httpx.AsyncClient, headers: dict[str, str], body: str, dry_run: bool = False
) -> httpx.Response:
    url = "/contacts/import" + ("?dry_run=true" if dry_run else "")
    return await client.post(url, content=body.encode(), headers=headers | VCARD)


async def test_import_is_an_upsert_and_dry_run_gives_the_same_report(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    body = "".join(read_fixture(f"vcard/{name}.vcf") for name in ALL_FIXTURES)
    dry = await import_file(client, user.bearer, body, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert dry.json() == {"created": 9, "updated": 0, "unchanged": 0, "failed": []}
    listed = await client.get("/contacts", headers=user.bearer)
    assert listed.json() == []
    real = await import_file(client, user.bearer, body)
    assert real.json() == dry.json()
    again = await import_file(client, user.bearer, body)
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 9, "failed": []}
    listed = await client.get("/contacts?limit=100", headers=user.bearer)
    assert len(listed.json()) == 9


async def test_mapping_year_less_birthdays_and_contacts_without_email(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    await import_file(client, user.bearer, read_fixture("vcard/apple_contacts.vcf"))
    await import_file(client, user.bearer, read_fixture("vcard/android.vcf"))
    contacts = {
        c["last_name"]: c for c in (await client.get("/contacts", headers=user.bearer)).json()
    }
    ivan = contacts["Петров"]
    assert ivan["first_name"] == "Иван"
    assert ivan["email"] == "ivan.petrov@example.com"
    assert ivan["phone"] == "+7 900 100-20-30"
    assert ivan["birthday"] == "1985-04-12"
    assert ivan["extra"] == "Познакомились на конференции\nв Казани, 2019"
    assert contacts["Иванова"]["birthday"] == "--02-28"
    assert contacts["Brown"]["email"] is None
    company = contacts[""]
    assert company["first_name"] == "Acme Plumbing"
    upcoming = await client.get("/contacts/birthdays?days=366", headers=user.bearer)
    by_name = {c["last_name"]: c for c in upcoming.json()}
    assert by_name["Иванова"]["age_on_next_birthday"] is None
    assert by_name["Иванова"]["next_birthday"].endswith("-02-28")
    assert isinstance(by_name["Петров"]["age_on_next_birthday"], int)


async def test_round_trip_keeps_what_homebase_has_no_field_for(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    await import_file(client, user.bearer, read_fixture("vcard/apple_contacts.vcf"))
    ivan = (await client.get("/contacts?last_name=Петров", headers=user.bearer)).json()[0]
    patched = await client.patch(
        f"/contacts/{ivan['id']}", json={"phone": "+7 900 000-00-01"}, headers=user.bearer
    )
    assert patched.status_code == 200
    card = await client.get(f"/contacts/{ivan['id']}.vcf", headers=user.bearer)
    assert card.status_code == 200
    assert card.headers["content-type"].startswith("text/vcard")
    text = card.text
    assert "TEL;type=CELL;type=VOICE;type=pref:+7 900 000-00-01\r\n" in text
    for kept in ("item3.X-ABADR:ru", "X-SOCIALPROFILE;type=telegram", "PHOTO;ENCODING=b;TYPE=PNG:"):
        assert kept in text
    parsed = vobject.readOne(text)
    assert [tel.value for tel in parsed.tel_list] == ["+7 900 000-00-01", "+7 495 123-45-67"]
    assert len(parsed.email_list) == 2
    assert parsed.adr.value.city == "Москва"
    assert parsed.photo.value.startswith(b"\x89PNG")
    again = await client.get(
        f"/contacts/{ivan['id']}.vcf", headers=user.bearer | {"If-None-Match": card.headers["etag"]}
    )
    assert again.status_code == 304


async def test_rest_contact_exports_as_4_0_and_reimports_unchanged(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    body = {"first_name": "Олена", "last_name": "Коваленко", "email": "o@example.com",
            "birthday": "--02-29"}  # fmt: skip
    created = await client.post("/contacts", json=body, headers=user.bearer)
    assert created.status_code == 201, created.text
    assert created.json()["birthday"] == "--02-29"
    exported = await client.get("/contacts.vcf", headers=user.bearer)
    assert exported.status_code == 200
    card = vobject.readOne(exported.text)
    assert card.version.value == "4.0"
    assert card.uid.value == created.json()["uid"]
    assert card.bday.value == "--0229"
    report = await import_file(client, user.bearer, exported.text)
    assert report.json() == {"created": 0, "updated": 0, "unchanged": 1, "failed": []}


async def test_the_export_is_every_card_by_name_stored_and_generated_alike(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    """Imported cards go out as stored, REST-made contacts as generated 4.0 cards, all in one
    order: last name, first name, id."""
    user = await factory.user()
    body = "".join(read_fixture(f"vcard/{name}.vcf") for name in ALL_FIXTURES)
    await import_file(client, user.bearer, body)
    made = set()
    for first, last in (("Zed", "Aaberg"), ("Anna", "Петров"), ("Ян", "Ян")):
        data = {"first_name": first, "last_name": last, "email": f"{first}.{last}@example.com"}
        created = await client.post("/contacts", json=data, headers=user.bearer)
        assert created.status_code == 201, created.text
        made.add(created.json()["uid"])
    listed = (await client.get("/contacts?limit=100", headers=user.bearer)).json()
    exported = await client.get("/contacts.vcf", headers=user.bearer)
    # Read by line: one of the phones' cards is quoted-printable that vobject cannot decode.
    cards = [card for card in exported.text.split("END:VCARD\r\n") if card.strip()]
    uids = [re.search(r"^UID:(.*)\r$", card, re.M) for card in cards]
    assert [uid.group(1) if uid else None for uid in uids] == [c["uid"] for c in listed]
    generated = {uid.group(1) for uid, card in zip(uids, cards, strict=True)
                 if uid and uid.group(1) in made and "VERSION:4.0\r\n" in card}  # fmt: skip
    assert generated == made
    stored = await import_file(client, user.bearer, body)
    assert stored.json()["unchanged"] == 9


async def test_bad_cards_are_report_lines(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    response = await import_file(client, user.bearer, read_fixture("vcard/broken.vcf"))
    assert response.status_code == 200
    report = response.json()
    assert report["created"] == 1
    assert [(f["index"], f["code"]) for f in report["failed"]] == [
        (1, "invalid_vcard"),
        (2, "unsupported_version"),
        (3, "missing_name"),
        (4, "duplicate_uid"),
        (5, "invalid_vcard"),
    ]
    assert all(f["message"] for f in report["failed"])
    ru = await client.post(
        "/contacts/import?dry_run=true",
        content=read_fixture("vcard/broken.vcf").encode(),
        headers=user.bearer | VCARD | {"Accept-Language": "ru"},
    )
    assert ru.json()["failed"][1]["message"] == "Поддерживаются только vCard 2.1, 3.0 и 4.0"


async def test_duplicate_email_is_a_report_line(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    await client.post(
        "/contacts",
        json={"first_name": "A", "last_name": "B", "email": "anna@example.de"},
        headers=user.bearer,
    )
    report = (await import_file(client, user.bearer, read_fixture("vcard/thunderbird.vcf"))).json()
    assert report["created"] == 1
    assert [(f["index"], f["code"]) for f in report["failed"]] == [(0, "contact_email_taken")]


async def test_bodies_that_are_not_vcards(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    assert (await import_file(client, user.bearer, "")).status_code == 422
    assert (await import_file(client, user.bearer, "hello")).json()["code"] == "import_empty"
    latin = await client.post(
        "/contacts/import", content=b"BEGIN:VCARD\r\nFN:\xe9\r\nEND:VCARD", headers=user.bearer
    )
    assert latin.status_code == 422
    assert latin.json()["code"] == "import_not_utf8"


async def test_caps(client: httpx.AsyncClient, factory: Factory, state: object) -> None:
    user = await factory.user()
    settings = state.settings  # type: ignore[attr-defined]
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x{}\r\nEND:VCARD\r\n"
    body = "".join(card.format(i) for i in range(settings.max_import_items + 1))
    response = await import_file(client, user.bearer, body)
    assert response.status_code == 413
    assert response.json()["code"] == "too_many_items"
    huge = "X" * (settings.max_import_bytes + 1)
    assert (await import_file(client, user.bearer, huge)).status_code == 413
    # Other bodies keep the ordinary limit.
    big_json = await client.post(
        "/contacts", content=b"{" + b" " * settings.max_body_bytes + b"}", headers=user.bearer
    )
    assert big_json.status_code == 413


async def test_other_users_and_anonymous(client: httpx.AsyncClient, factory: Factory) -> None:
    owner, other = await factory.user(), await factory.user()
    created = await client.post(
        "/contacts", json={"first_name": "A", "last_name": "B", "email": "a@b.example"},
        headers=owner.bearer,
    )  # fmt: skip
    contact_id = created.json()["id"]
    assert (
        await client.get(f"/contacts/{contact_id}.vcf", headers=other.bearer)
    ).status_code == 404
    assert (await client.get(f"/contacts/{contact_id}.vcf")).status_code == 401
    assert (await client.get("/contacts.vcf")).status_code == 401
    assert (await client.post("/contacts/import", content=b"x")).status_code == 401
    assert (await client.get("/contacts.vcf", headers=other.bearer)).text == ""
    assert (await client.get("/contacts/abc.vcf", headers=owner.bearer)).status_code == 422


async def test_a_changed_card_updates_the_contact_and_its_etag(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    body = read_fixture("vcard/thunderbird.vcf")
    await import_file(client, user.bearer, body)
    anna = (await client.get("/contacts?last_name=Schmidt", headers=user.bearer)).json()[0]
    before = await client.get(f"/contacts/{anna['id']}", headers=user.bearer)
    changed = body.replace("NOTE:Kollegin aus Berlin", "NOTE:Jetzt in Hamburg")
    report = (await import_file(client, user.bearer, changed)).json()
    assert report == {"created": 0, "updated": 1, "unchanged": 1, "failed": []}
    after = await client.get(f"/contacts/{anna['id']}", headers=user.bearer)
    assert after.json()["extra"] == "Jetzt in Hamburg – Grüße an Jürgen!"
    assert after.headers["etag"] != before.headers["etag"]
    stale = await client.patch(
        f"/contacts/{anna['id']}",
        json={"phone": "+49 151 00000000"},
        headers=user.bearer | {"If-Match": before.headers["etag"]},
    )
    assert stale.status_code == 412

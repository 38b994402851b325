"""`GET /users/me/export`: everything of the caller's, nothing secret, nobody else's."""

from __future__ import annotations

import io
import json
import zipfile

import httpx
import vobject

from tests.factories import Factory
from tests.services.interchange.conftest import read_fixture


async def test_export_holds_all_the_callers_data_and_no_secret(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user, other = await factory.user(), await factory.user()
    login = await client.post("/auth/login", json={"email": user.email, "password": user.password})
    assert login.status_code == 200, login.text
    tokens = login.json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    await client.post(
        "/contacts/import",
        content=read_fixture("vcard/google_contacts.vcf").encode(),
        headers=bearer | {"Content-Type": "text/vcard"},
    )
    await client.post(
        "/tasks/import",
        content=read_fixture("ical/apple_reminders.ics").encode(),
        headers=bearer | {"Content-Type": "text/calendar"},
    )
    feed = (await client.post("/feeds", json={"kind": "birthdays"}, headers=bearer)).json()
    await client.post("/tasks", json={"title": "someone else's"}, headers=other.bearer)
    response = await client.get("/users/me/export", headers=bearer)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert names == {
        "account.json", "sessions.json", "tokens.json", "tasks.json", "tasks.ics",
        "contacts.json", "contacts.vcf", "feeds.json", "audit.json",
    }  # fmt: skip
    account = json.loads(archive.read("account.json"))
    assert account["email"] == user.email
    assert len(json.loads(archive.read("contacts.json"))) == 2
    tasks = json.loads(archive.read("tasks.json"))
    assert {task["title"] for task in tasks} == {"Купить молоко", "Взять пакет"}
    assert len(vobject.readOne(archive.read("tasks.ics").decode()).vtodo_list) == 2
    assert len(list(vobject.readComponents(archive.read("contacts.vcf").decode()))) == 2
    assert json.loads(archive.read("sessions.json"))[0]["current"] is True
    assert json.loads(archive.read("tokens.json"))
    assert any(e["type"] for e in json.loads(archive.read("audit.json")))
    everything = b"".join(archive.read(name) for name in names).decode()
    secret = str(feed["url"]).rsplit("/", 1)[1].removesuffix(".ics")
    for forbidden in (tokens["access_token"], tokens["refresh_token"], secret, "$argon2",
                      "password_hash", "token_hash", "secret_hash"):  # fmt: skip
        assert forbidden not in everything
    assert "someone else's" not in everything


async def test_export_needs_login(client: httpx.AsyncClient) -> None:
    assert (await client.get("/users/me/export")).status_code == 401

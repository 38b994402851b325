"""Calendar feeds: secret URLs, no login, ETag polling, revocation."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from icalendar import Calendar

from homebase.services import feeds as feed_service
from tests.factories import Factory


async def new_feed(
    client: httpx.AsyncClient, headers: dict[str, str], kind: str
) -> dict[str, object]:
    response = await client.post("/feeds", json={"kind": kind}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def path_of(url: object) -> str:
    return urlsplit(str(url)).path


async def test_birthdays_feed_needs_no_login_and_polls_with_etag(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    for first, email, birthday in (("Иван", "i@example.com", "1985-04-12"),
                                   ("Мария", "m@example.com", "--02-29"),
                                   ("Без", "b@example.com", None)):  # fmt: skip
        body = {"first_name": first, "last_name": "Тест", "email": email, "birthday": birthday}
        assert (await client.post("/contacts", json=body, headers=user.bearer)).status_code == 201
    feed = await new_feed(client, user.bearer, "birthdays")
    assert feed["kind"] == "birthdays"
    secret = path_of(feed["url"]).removeprefix("/feeds/").removesuffix(".ics")
    assert len(secret) >= 43
    response = await client.get(path_of(feed["url"]))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(response.text).events
    assert len(events) == 2
    assert all(event["RRULE"]["FREQ"] == ["YEARLY"] for event in events)
    leap = next(e for e in events if "Мария" in str(e["SUMMARY"]))
    assert leap["RRULE"]["BYMONTHDAY"] == [-1]
    etag = response.headers["etag"]
    unchanged = await client.get(path_of(feed["url"]), headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    await client.post(
        "/contacts",
        json={
            "first_name": "Новый",
            "last_name": "Т",
            "email": "n@example.com",
            "birthday": "2000-01-01",
        },
        headers=user.bearer,
    )
    changed = await client.get(path_of(feed["url"]), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert len(Calendar.from_ical(changed.text).events) == 3


async def test_tasks_feed_has_open_tasks_with_due_dates(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    for title, due, status in (("Open", "2026-05-01", "new"), ("Done", "2026-05-02", "done"),
                               ("Undated", None, "new")):  # fmt: skip
        body = {"title": title, "due_date": due, "status": status}
        assert (await client.post("/tasks", json=body, headers=user.bearer)).status_code == 201
    feed = await new_feed(client, user.bearer, "tasks")
    events = Calendar.from_ical((await client.get(path_of(feed["url"]))).text).events
    assert [str(event["SUMMARY"]) for event in events] == ["Open"]


async def test_list_revoke_forged_and_public_url(
    client: httpx.AsyncClient, factory: Factory, state: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, other = await factory.user(), await factory.user()
    feed = await new_feed(client, owner.bearer, "birthdays")
    listed = (await client.get("/feeds", headers=owner.bearer)).json()
    assert [item["id"] for item in listed] == [feed["id"]]
    assert "url" not in listed[0]
    assert (await client.get("/feeds", headers=other.bearer)).json() == []
    assert (await client.delete(f"/feeds/{feed['id']}", headers=other.bearer)).status_code == 404
    assert (await client.get("/feeds/" + "A" * 43 + ".ics")).status_code == 404
    assert (await client.get("/feeds/" + "A" * 500 + ".ics")).status_code == 404
    assert (await client.delete(f"/feeds/{feed['id']}", headers=owner.bearer)).status_code == 204
    assert (await client.get(path_of(feed["url"]))).status_code == 404
    assert (await client.post("/feeds", json={"kind": "birthdays"})).status_code == 401
    assert (
        await client.post("/feeds", json={"kind": "x"}, headers=owner.bearer)
    ).status_code == 422
    settings = state.settings  # type: ignore[attr-defined]
    public = settings.model_copy(update={"public_url": "https://home.example.org/"})
    monkeypatch.setattr(state, "settings", public)
    made = await new_feed(client, owner.bearer, "tasks")
    assert str(made["url"]).startswith("https://home.example.org/feeds/")


async def test_an_unchanged_feed_is_rendered_once_and_an_edit_shows_at_once(
    client: httpx.AsyncClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Most calendar apps poll without If-None-Match: an unchanged feed is the same bytes,
    not rendered again; a renamed contact is in the very next poll."""
    user = await factory.user()
    body = {
        "first_name": "Ada",
        "last_name": "L",
        "email": "a@example.com",
        "birthday": "1990-12-10",
    }
    created = await client.post("/contacts", json=body, headers=user.bearer)
    url = path_of((await new_feed(client, user.bearer, "birthdays"))["url"])
    renders = 0
    real_render = feed_service.render

    async def counted(*args: object) -> str:
        nonlocal renders
        renders += 1
        return await real_render(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(feed_service, "render", counted)
    first, again = await client.get(url), await client.get(url)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content and renders == 1
    contact = created.json()
    renamed = await client.patch(
        f"/contacts/{contact['id']}",
        json={"first_name": "Augusta"},
        headers={**user.bearer, "If-Match": created.headers["etag"]},
    )
    assert renamed.status_code == 200, renamed.text
    after = await client.get(url)
    assert "Augusta" in after.text and "Ada " not in after.text and renders == 2

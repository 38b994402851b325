"""iCalendar VTODO import and export over HTTP, on both backends, with real-world exports."""

from __future__ import annotations

import httpx
import vobject

from tests.factories import Factory
from tests.services.interchange.conftest import read_fixture

ICS = {"Content-Type": "text/calendar"}
FILES = ("thunderbird_tasks", "apple_reminders", "tasks_org")


async def import_file(
    client: httpx.AsyncClient, headers: dict[str, str], body: str, dry_run: bool = False
) -> httpx.Response:
    url = "/tasks/import" + ("?dry_run=true" if dry_run else "")
    return await client.post(url, content=body.encode(), headers=headers | ICS)


async def test_import_upserts_and_dry_run_matches(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    for name in FILES:
        body = read_fixture(f"ical/{name}.ics")
        dry = await import_file(client, user.bearer, body, dry_run=True)
        assert dry.status_code == 200, dry.text
        assert dry.json() == {"created": 2, "updated": 0, "unchanged": 0, "failed": []}
        assert (await import_file(client, user.bearer, body)).json() == dry.json()
        again = await import_file(client, user.bearer, body)
        assert again.json() == {"created": 0, "updated": 0, "unchanged": 2, "failed": []}
    tasks = {
        t["title"]: t for t in (await client.get("/tasks?limit=100", headers=user.bearer)).json()
    }
    assert len(tasks) == 6
    assert tasks["Steuererklärung abgeben"]["due_date"] == "2026-04-01"
    assert tasks["Steuererklärung abgeben"]["status"] == "in_progress"
    assert tasks["Купить молоко"]["status"] == "done"
    assert tasks["Купить молоко"]["due_date"] == "2026-01-04"


async def test_rest_edit_keeps_unknown_properties(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    await import_file(client, user.bearer, read_fixture("ical/thunderbird_tasks.ics"))
    task = (await client.get("/tasks?q=Steuer", headers=user.bearer)).json()[0]
    patched = await client.patch(
        f"/tasks/{task['id']}",
        json={"status": "done", "due_date": "2026-04-03"},
        headers=user.bearer,
    )
    assert patched.status_code == 200, patched.text
    exported = await client.get(f"/tasks/{task['id']}.ics", headers=user.bearer)
    assert exported.headers["content-type"].startswith("text/calendar")
    calendar = vobject.readOne(exported.text)
    todo = calendar.vtodo
    assert todo.status.value == "COMPLETED"
    assert todo.due.value.date().isoformat() == "2026-04-03"
    assert todo.due.value.tzinfo is not None
    assert calendar.vtimezone.tzid.value == "Europe/Berlin"
    for kept in ("BEGIN:VALARM", "X-MOZ-GENERATION:3", "CATEGORIES:Finanzen"):
        assert kept in exported.text


async def test_rest_tasks_export_and_reimport_unchanged(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    await client.post(
        "/tasks", json={"title": "Позвонить", "due_date": "2026-05-01"}, headers=user.bearer
    )
    exported = await client.get("/tasks.ics", headers=user.bearer)
    assert exported.status_code == 200
    todo = vobject.readOne(exported.text).vtodo
    assert todo.summary.value == "Позвонить"
    assert todo.status.value == "NEEDS-ACTION"
    report = await import_file(client, user.bearer, exported.text)
    assert report.json()["created"] == 0
    assert report.json()["failed"] == []


async def test_broken_tasks_are_report_lines(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    report = (await import_file(client, user.bearer, read_fixture("ical/broken.ics"))).json()
    assert report["created"] == 1
    assert [(f["index"], f["code"]) for f in report["failed"]] == [
        (0, "invalid_icalendar"),
        (1, "missing_summary"),
        (2, "unknown_time_zone"),
        (4, "duplicate_uid"),
        (5, "invalid_icalendar"),
    ]


async def test_other_users_and_anonymous(client: httpx.AsyncClient, factory: Factory) -> None:
    owner, other = await factory.user(), await factory.user()
    task = (await client.post("/tasks", json={"title": "x"}, headers=owner.bearer)).json()
    assert (await client.get(f"/tasks/{task['id']}.ics", headers=other.bearer)).status_code == 404
    assert (await client.get(f"/tasks/{task['id']}.ics")).status_code == 401
    assert (await client.post("/tasks/import", content=b"x")).status_code == 401
    assert "VTODO" not in (await client.get("/tasks.ics", headers=other.bearer)).text

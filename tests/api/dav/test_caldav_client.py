"""The `caldav` client library against a live server: discovery, multiget, query, sync, ETags."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import caldav
import httpx
import pytest

from tests.api.dav.live import Live
from tests.api.dav.support import todo

pytestmark = pytest.mark.slow


@pytest.fixture
def client(live: Live) -> Iterator[caldav.DAVClient]:
    server = live
    with caldav.DAVClient(
        url=server.base + "/.well-known/caldav", username=server.login, password=server.password
    ) as dav_client:
        yield dav_client


def _tasks(client: caldav.DAVClient) -> caldav.Calendar:
    found = {str(c.url).rsplit("/", 2)[-2]: c for c in client.principal().calendars()}
    assert set(found) == {"tasks", "birthdays"}
    return found["tasks"]


def test_discovery_from_the_well_known_address(client: caldav.DAVClient, live: Live) -> None:
    server = live
    principal = client.principal()
    assert str(principal.url) == server.home
    tasks = _tasks(client)
    assert tasks.get_display_name() == "Tasks"
    assert [str(c) for c in tasks.get_supported_components()] == ["VTODO"]


def test_save_query_multiget_and_sync(client: caldav.DAVClient) -> None:
    tasks = _tasks(client)
    # A raw PUT (the library re-serialises what it saves), then the library reads it back.
    text = todo("t1", "Buy milk", "20240315", "X-APPLE-SORT-ORDER:7\r\nZZ-LAST:kept")
    url = str(tasks.url) + "t1.ics"
    assert client.put(url, text, {"Content-Type": "text/calendar"}).status == 201
    first = tasks.get_todo_by_uid("t1")
    tasks.save_todo(todo("t2", "File taxes", "20240601"))
    assert sorted(str(t.icalendar_component["SUMMARY"]) for t in tasks.todos()) == [
        "Buy milk",
        "File taxes",
    ]
    by_uid = tasks.get_todo_by_uid("t2")
    assert str(by_uid.icalendar_component["SUMMARY"]) == "File taxes"
    in_march = tasks.search(todo=True, start=date(2024, 3, 1), end=date(2024, 4, 1))
    assert [str(t.icalendar_component["UID"]) for t in in_march] == ["t1"]
    [fetched] = tasks.multiget([first.url])
    # kept as uploaded (the library hands its text back with LF line breaks)
    assert fetched.data == text.replace("\r\n", "\n")
    synced = tasks.objects_by_sync_token(load_objects=True)
    assert len(list(synced)) == 2
    by_uid.icalendar_component["SUMMARY"] = "File taxes now"
    by_uid.save()
    first.delete()
    updated, deleted = synced.sync()
    assert [str(o.icalendar_component["SUMMARY"]) for o in updated] == ["File taxes now"]
    assert [str(o.url) for o in deleted] == [str(first.url)]


def test_etag_preconditions(client: caldav.DAVClient, live: Live) -> None:
    tasks = _tasks(client)
    saved = tasks.save_todo(todo("t3", "Call mum"))
    url = str(saved.url)
    body = todo("t3", "Call dad")
    headers = {"Content-Type": "text/calendar"}
    assert client.put(url, body, {**headers, "If-None-Match": "*"}).status == 412
    assert client.put(url, body, {**headers, "If-Match": '"stale"'}).status == 412
    etag = client.request(url, "GET").headers["ETag"]
    assert client.put(url, body, {**headers, "If-Match": etag}).status == 204
    assert client.delete(url).status == 204


def test_dav_put_shows_in_rest_and_rest_edit_in_next_sync(
    client: caldav.DAVClient, live: Live
) -> None:
    tasks = _tasks(client)
    text = todo("t4", "Pay rent", "20240701", "X-APPLE-SORT-ORDER:3")
    assert client.put(str(tasks.url) + "t4.ics", text, {"Content-Type": "text/calendar"}).status
    synced = tasks.objects_by_sync_token(load_objects=True)
    with httpx.Client(base_url=live.base, auth=(live.login, live.password)) as http:
        [task] = http.get("/tasks").raise_for_status().json()
        assert (task["title"], task["due_date"]) == ("Pay rent", "2024-07-01")
        edited = http.patch(
            f"/tasks/{task['id']}",
            json={"title": "Pay the rent"},
            headers={"If-Match": http.get(f"/tasks/{task['id']}").headers["ETag"]},
        )
        assert edited.status_code == 200, edited.text
    updated, deleted = synced.sync()
    assert [str(o.icalendar_component["SUMMARY"]) for o in updated] == ["Pay the rent"]
    assert deleted == []
    # The REST edit rewrote the title only: the client's own property is still there.
    assert "X-APPLE-SORT-ORDER:3" in client.request(str(tasks.url) + "t4.ics", "GET").raw

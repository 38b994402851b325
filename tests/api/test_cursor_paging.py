"""Cursor paging of `GET /contacts`, `GET /tasks` and `GET /users`: a walk by `rel="next"`
links returns every row exactly once in the offset order, filters hold, other users' rows
never appear, and a bad cursor is a 422."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from tests.api.tasks_support import ids, new_task
from tests.factories import Factory, UserHandle

NAMES = [("Ann", "Byron"), ("Ann", "Byron"), ("Bo", "Ames"), ("Carl", "Zeiss"), ("Ada", "Byron")]
TASK_SORTS = ["-created_at", "title", "-due_date", "status,-created_at", "due_date,-title"]


async def add_contact(
    client: httpx.AsyncClient, user: UserHandle, first: str, last: str, email: str
) -> int:
    body = {"first_name": first, "last_name": last, "email": email}
    response = await client.post("/contacts", json=body, headers=user.bearer)
    assert response.status_code == 201, response.text
    contact_id: int = response.json()["id"]
    return contact_id


async def book(client: httpx.AsyncClient, user: UserHandle, copies: int = 3) -> None:
    """Names that tie on last name, and on last and first name (the id decides)."""
    for n in range(copies):
        for k, (first, last) in enumerate(NAMES):
            await add_contact(client, user, first, last, f"{first}.{k}.{n}@{user.id}.example")


async def walk(
    client: httpx.AsyncClient, user: UserHandle, path: str, **params: Any
) -> list[httpx.Response]:
    """Every page of a cursor walk, from `?cursor=` (empty) along the `rel="next"` links."""
    pages = [await client.get(path, params={"cursor": "", **params}, headers=user.bearer)]
    while "next" in pages[-1].links:
        assert len(pages) < 100, "the walk does not end"
        nxt = pages[-1].links["next"]["url"]
        assert pages[-1].headers["X-Next-Cursor"] in nxt
        pages.append(await client.get(nxt, headers=user.bearer))
    return pages


def walked_ids(pages: list[httpx.Response]) -> list[int]:
    for page in pages:
        assert page.status_code == 200, page.text
        assert "X-Total-Count" not in page.headers
        assert "first" in page.links and "prev" not in page.links and "last" not in page.links
    assert "X-Next-Cursor" not in pages[-1].headers
    return [item for page in pages for item in ids(page)]


async def offset_ids(
    client: httpx.AsyncClient, user: UserHandle, path: str, **params: Any
) -> list[int]:
    response = await client.get(path, params={"limit": 100, **params}, headers=user.bearer)
    assert int(response.headers["X-Total-Count"]) == len(response.json())
    return ids(response)


# --- contacts --------------------------------------------------------------------------------


async def test_contacts_walk_returns_every_row_once_in_order(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user, other = await factory.user(), await factory.user()
    await book(client, user)
    await book(client, other, copies=1)
    expected = await offset_ids(client, user, "/contacts")
    pages = await walk(client, user, "/contacts", limit=4)
    assert walked_ids(pages) == expected and len(expected) == 15
    assert [len(page.json()) for page in pages] == [4, 4, 4, 3]
    assert all(item["user_id"] == user.id for page in pages for item in page.json())


@pytest.mark.parametrize(
    "params", [{"q": "byron"}, {"last_name": "byr", "first_name": "an"}, {"email": ".2@"}]
)
async def test_contacts_walk_keeps_the_filters(
    client: httpx.AsyncClient, factory: Factory, params: dict[str, str]
) -> None:
    user, other = await factory.user(), await factory.user()
    await book(client, user)
    await book(client, other, copies=2)
    expected = await offset_ids(client, user, "/contacts", **params)
    assert 3 <= len(expected) < 15
    assert walked_ids(await walk(client, user, "/contacts", limit=2, **params)) == expected


async def test_page_size_may_change_during_a_walk(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    await book(client, user, copies=2)
    expected = await offset_ids(client, user, "/contacts")
    first = await client.get("/contacts?cursor=&limit=3", headers=user.bearer)
    cursor = first.headers["X-Next-Cursor"]
    rest = await client.get("/contacts", params={"cursor": cursor}, headers=user.bearer)
    assert ids(first) + ids(rest) == expected
    assert "X-Next-Cursor" not in rest.headers and "next" not in rest.links


async def test_offset_pages_name_the_next_cursor_to_switch_to(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    await book(client, user, copies=2)
    expected = await offset_ids(client, user, "/contacts")
    by_offset = await client.get("/contacts?offset=2&limit=3", headers=user.bearer)
    assert by_offset.headers["X-Total-Count"] == "10"
    assert {"next", "prev", "first", "last"} <= by_offset.links.keys()
    assert "offset=5" in by_offset.links["next"]["url"]
    cursor = by_offset.headers["X-Next-Cursor"]
    then = await client.get("/contacts", params={"cursor": cursor}, headers=user.bearer)
    assert ids(by_offset) + ids(then) == expected[2:]
    last = await client.get("/contacts?offset=7&limit=3", headers=user.bearer)
    assert "X-Next-Cursor" not in last.headers


async def test_empty_book_walk_is_one_empty_page(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    pages = await walk(client, user, "/contacts")
    assert walked_ids(pages) == [] and len(pages) == 1


async def test_another_users_cursor_moves_only_within_the_callers_rows(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user, other = await factory.user(), await factory.user()
    await book(client, user, copies=1)
    await book(client, other, copies=2)
    theirs = await client.get("/contacts?cursor=&limit=2", headers=other.bearer)
    cursor = theirs.headers["X-Next-Cursor"]
    mine = await client.get("/contacts", params={"cursor": cursor}, headers=user.bearer)
    assert mine.status_code == 200
    assert mine.json() and all(item["user_id"] == user.id for item in mine.json())


async def test_forged_cursor_past_the_end_gives_an_empty_page(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    await book(client, user, copies=1)
    page = await client.get("/contacts?cursor=&limit=1", headers=user.bearer)
    payload = json.loads(base64.urlsafe_b64decode(page.headers["X-Next-Cursor"] + "=="))
    payload["k"] = ["\U0010ffff", "", 2**31 - 1]
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()
    response = await client.get("/contacts", params={"cursor": forged}, headers=user.bearer)
    assert response.status_code == 200 and response.json() == []
    assert "next" not in response.links


# --- tasks -----------------------------------------------------------------------------------


async def task_list(client: httpx.AsyncClient, user: UserHandle) -> None:
    """Tasks tying on title, status and due date; some without a due date."""
    for n in range(13):
        due = None if n % 4 == 0 else f"2026-12-{1 + n % 3:02d}"
        status = ("new", "in_progress", "done")[n % 3]
        await new_task(client, user, title=f"T{n % 5}", status=status, due_date=due)


@pytest.mark.parametrize("sort", [None, *TASK_SORTS])
async def test_tasks_walk_returns_every_row_once_in_order(
    client: httpx.AsyncClient, factory: Factory, sort: str | None
) -> None:
    user, other = await factory.user(), await factory.user()
    await task_list(client, user)
    await new_task(client, other, title="T1")
    params = {"sort": sort} if sort else {}
    expected = await offset_ids(client, user, "/tasks", **params)
    assert len(expected) == 13
    assert walked_ids(await walk(client, user, "/tasks", limit=3, **params)) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"status": "в процессе"},
        {"q": "t1", "sort": "title"},
        {"due_after": "2026-12-02", "sort": "-due_date"},
        {"due_before": "2026-12-02", "status": "new", "sort": "created_at"},
    ],
)
async def test_tasks_walk_keeps_the_filters(
    client: httpx.AsyncClient, factory: Factory, params: dict[str, str]
) -> None:
    user, other = await factory.user(), await factory.user()
    await task_list(client, user)
    await task_list(client, other)
    expected = await offset_ids(client, user, "/tasks", **params)
    assert 1 <= len(expected) < 13
    assert walked_ids(await walk(client, user, "/tasks", limit=2, **params)) == expected


async def test_admin_walks_another_users_tasks(client: httpx.AsyncClient, factory: Factory) -> None:
    admin, user = await factory.admin(), await factory.user()
    await task_list(client, user)
    await new_task(client, admin, title="mine")
    expected = await offset_ids(client, admin, "/tasks", user_id=user.id)
    assert walked_ids(await walk(client, admin, "/tasks", limit=5, user_id=user.id)) == expected


# --- users -----------------------------------------------------------------------------------


async def test_users_walk_by_id_with_search(client: httpx.AsyncClient, factory: Factory) -> None:
    caller = await factory.user(name="zed")
    for n in range(7):
        await factory.user(name=f"walker {n}")
    for params in ({}, {"q": "walker"}):
        expected = await offset_ids(client, caller, "/users", **params)
        assert walked_ids(await walk(client, caller, "/users", limit=3, **params)) == expected
    assert len(expected) == 7


# --- refusals --------------------------------------------------------------------------------

MESSAGES = {
    "en": "The paging cursor cannot be used",
    "ru": "Курсор постраничного вывода нельзя использовать",
    "uk": "Курсор посторінкового виведення не можна використати",
}


def refused(response: httpx.Response, field_key_start: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "invalid_cursor" and body["result"] == "error"
    assert [error["field"] for error in body["errors"]] == ["cursor"]
    assert body["errors"][0]["message"].startswith(field_key_start)


@pytest.mark.parametrize("path", ["/contacts", "/tasks", "/users"])
@pytest.mark.parametrize("cursor", ["garbage!", "e30", "bm90IGpzb24", "W10", "eyJvIjoxLCJrIjpbXX0"])
async def test_malformed_cursor_is_422(
    client: httpx.AsyncClient, factory: Factory, path: str, cursor: str
) -> None:
    user = await factory.user()
    response = await client.get(path, params={"cursor": cursor}, headers=user.bearer)
    refused(response, "Not a cursor of this listing")


@pytest.mark.parametrize("locale", ["en", "ru", "uk"])
async def test_refusal_is_localised(
    client: httpx.AsyncClient, factory: Factory, locale: str
) -> None:
    user = await factory.user()
    headers = {**user.bearer, "Accept-Language": locale}
    response = await client.get("/tasks?cursor=xyz", headers=headers)
    assert response.status_code == 422
    assert response.json()["message"] == MESSAGES[locale]


@pytest.mark.parametrize(
    ("path", "issued_with", "used_with"),
    [
        ("/tasks", {"sort": "title"}, {"sort": "-title"}),
        ("/tasks", {}, {"status": "new"}),
        ("/tasks", {"q": "t1"}, {"q": "t2"}),
        ("/contacts", {"q": "byron"}, {}),
        ("/contacts", {}, {"last_name": "byron"}),
        ("/users", {}, {"q": "walker"}),
    ],
)
async def test_cursor_under_another_sort_or_filter_is_422(
    client: httpx.AsyncClient,
    factory: Factory,
    path: str,
    issued_with: dict[str, str],
    used_with: dict[str, str],
) -> None:
    user = await factory.user()
    await book(client, user, copies=1)
    await task_list(client, user)
    for n in range(3):
        await factory.user(name=f"walker {n}")
    issued = await client.get(path, params={"limit": 1, **issued_with}, headers=user.bearer)
    cursor = issued.headers["X-Next-Cursor"]
    response = await client.get(path, params={"cursor": cursor, **used_with}, headers=user.bearer)
    refused(response, "This cursor belongs to another sort or other filters")
    same = await client.get(path, params={"cursor": cursor, **issued_with}, headers=user.bearer)
    assert same.status_code == 200


async def test_cursor_of_another_collection_is_422(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    await book(client, user, copies=1)
    cursor = (await client.get("/contacts?limit=1", headers=user.bearer)).headers["X-Next-Cursor"]
    for path in ("/tasks", "/users"):
        response = await client.get(path, params={"cursor": cursor}, headers=user.bearer)
        refused(response, "This cursor belongs to another sort or other filters")


@pytest.mark.parametrize("path", ["/contacts", "/tasks", "/users"])
@pytest.mark.parametrize("query", ["cursor=&offset=0", "cursor=abc&offset=10"])
async def test_cursor_with_offset_is_422(
    client: httpx.AsyncClient, factory: Factory, path: str, query: str
) -> None:
    user = await factory.user()
    response = await client.get(f"{path}?{query}", headers=user.bearer)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "cursor", "message": "Give either cursor or offset, not both"}
    ]


async def test_overlong_cursor_is_422(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    response = await client.get("/contacts", params={"cursor": "A" * 3000}, headers=user.bearer)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("path", ["/contacts?cursor=", "/tasks?cursor=", "/users?cursor="])
async def test_cursor_paging_needs_credentials(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 401

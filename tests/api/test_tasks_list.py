"""`GET /tasks`: filters, search, sorting and paging."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.tasks_support import ids, new_task
from tests.factories import Factory, UserHandle


async def listing(client: httpx.AsyncClient, user: UserHandle, **params: Any) -> httpx.Response:
    return await client.get("/tasks", params=params, headers=user.bearer)


# --- filters ---------------------------------------------------------------------------------


async def test_status_filter_accepts_aliases(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    new = await new_task(client, user, status="new")
    busy = await new_task(client, user, status="in_progress")
    done = await new_task(client, user, status="done")
    for value, expected in (
        ("new", new),
        ("новая", new),
        ("in_progress", busy),
        ("в процессе", busy),
        ("done", done),
        ("завершена", done),
    ):
        response = await listing(client, user, status=value)
        assert ids(response) == [expected["id"]], value
        assert response.headers["x-total-count"] == "1"


async def test_invalid_status_filter_lists_allowed_values(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    response = await listing(client, user, status="closed")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "status",
            "message": "Must be one of: new, in_progress, done, новая, в процессе, завершена",
        }
    ]


@pytest.mark.parametrize("query", ["молоко", "МОЛОКО", "Молоко", "купить мол", "ить М"])
async def test_search_is_case_insensitive_for_cyrillic(
    client: httpx.AsyncClient, factory: Factory, query: str
) -> None:
    user = await factory.user()
    milk = await new_task(client, user, title="Купить Молоко")
    await new_task(client, user, title="Купить хлеб")
    assert ids(await listing(client, user, q=query)) == [milk["id"]]


async def test_search_matches_title_or_description(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    in_title = await new_task(client, user, title="Call the PLUMBER")
    in_text = await new_task(client, user, title="House", description="Ask the Plumber again")
    await new_task(client, user, title="Unrelated", description="nothing here")
    response = await listing(client, user, q="plumber", sort="id")
    assert ids(response) == [in_title["id"], in_text["id"]]


async def test_search_follows_edits(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    task = await new_task(client, user, title="Старое название")
    await client.patch(
        f"/tasks/{task['id']}", json={"description": "ЁЛКА к празднику"}, headers=user.bearer
    )
    assert ids(await listing(client, user, q="ёлка")) == [task["id"]]
    await client.put(f"/tasks/{task['id']}", json={"title": "Новое"}, headers=user.bearer)
    assert ids(await listing(client, user, q="ёлка")) == []
    assert ids(await listing(client, user, q="старое")) == []
    assert ids(await listing(client, user, q="НОВОЕ")) == [task["id"]]


@pytest.mark.parametrize("query", ["%", "_", "\\", "50%", "a_b"])
async def test_search_treats_wildcards_literally(
    client: httpx.AsyncClient, factory: Factory, query: str
) -> None:
    user = await factory.user()
    await new_task(client, user, title="plain words")
    literal = await new_task(client, user, title="Save 50% on a_b \\ c")
    assert ids(await listing(client, user, q=query)) == [literal["id"]]


async def test_blank_search_lists_everything(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    for title in ("a", "b"):
        await new_task(client, user, title=title)
    assert len(ids(await listing(client, user, q="   "))) == 2


@pytest.mark.parametrize(("query", "field"), [("a\x00b", "q"), ("x" * 201, "q")])
async def test_hostile_search_is_422(
    client: httpx.AsyncClient, factory: Factory, query: str, field: str
) -> None:
    user = await factory.user()
    response = await listing(client, user, q=query)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


async def test_invalid_utf8_in_query_string_is_never_500(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    await new_task(client, user, title="plain")
    response = await client.get("/tasks?q=%ED%A0%80%FF", headers=user.bearer)
    assert response.status_code == 200
    assert response.json() == []


async def test_due_date_filters_are_inclusive(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    early = await new_task(client, user, due_date="2026-01-10")
    middle = await new_task(client, user, due_date="2026-01-20")
    late = await new_task(client, user, due_date="2026-01-30")
    await new_task(client, user, title="No due date")
    assert ids(await listing(client, user, due_before="2026-01-20", sort="due_date")) == [
        early["id"],
        middle["id"],
    ]
    assert ids(await listing(client, user, due_after="2026-01-20", sort="due_date")) == [
        middle["id"],
        late["id"],
    ]
    both = await listing(
        client, user, due_after="2026-01-11", due_before="2026-01-29", status="new"
    )
    assert ids(both) == [middle["id"]]
    assert ids(await listing(client, user, due_after="2026-02-01", due_before="2026-01-01")) == []


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "1700000000", "2026-01-01T00:00"])
async def test_invalid_due_filter_is_422(
    client: httpx.AsyncClient, factory: Factory, value: str
) -> None:
    user = await factory.user()
    for name in ("due_before", "due_after"):
        response = await listing(client, user, **{name: value})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == name


@pytest.mark.parametrize("value", ["0", "-5", "2147483648", "abc"])
async def test_invalid_user_id_filter_is_422(
    client: httpx.AsyncClient, factory: Factory, value: str
) -> None:
    admin = await factory.admin()
    response = await listing(client, admin, user_id=value)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "user_id"


# --- sorting ---------------------------------------------------------------------------------


@pytest.fixture
async def sortable(client: httpx.AsyncClient, factory: Factory) -> tuple[UserHandle, list[int]]:
    """Four tasks created in order a, b, c, d, with distinct titles, statuses and due dates."""
    user = await factory.user()
    rows = [
        ("charlie", "done", "2026-03-01"),
        ("alpha", "new", None),
        ("delta", "in_progress", "2026-01-01"),
        ("bravo", "new", "2026-02-01"),
    ]
    created = [
        await new_task(client, user, title=title, status=status, due_date=due)
        for title, status, due in rows
    ]
    return user, [task["id"] for task in created]


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("id", [0, 1, 2, 3]),
        ("-id", [3, 2, 1, 0]),
        ("created_at", [0, 1, 2, 3]),
        ("-created_at", [3, 2, 1, 0]),
        ("title", [1, 3, 0, 2]),
        ("-title", [2, 0, 3, 1]),
        # Workflow order, ties by id in the same direction.
        ("status", [1, 3, 2, 0]),
        ("-status", [0, 2, 3, 1]),
        # Tasks without a due date come last in both directions.
        ("due_date", [2, 3, 0, 1]),
        ("-due_date", [0, 3, 2, 1]),
        ("status,-due_date", [3, 1, 2, 0]),
        (" status , title ", [1, 3, 2, 0]),
        ("", [3, 2, 1, 0]),
    ],
)
async def test_sort(
    client: httpx.AsyncClient,
    sortable: tuple[UserHandle, list[int]],
    sort: str,
    order: list[int],
) -> None:
    user, task_ids = sortable
    assert ids(await listing(client, user, sort=sort)) == [task_ids[index] for index in order]


async def test_default_sort_is_newest_first(
    client: httpx.AsyncClient, sortable: tuple[UserHandle, list[int]]
) -> None:
    user, task_ids = sortable
    assert ids(await listing(client, user)) == task_ids[::-1]


async def test_sort_by_updated_at(
    client: httpx.AsyncClient, sortable: tuple[UserHandle, list[int]]
) -> None:
    user, task_ids = sortable
    for index in (2, 0):
        response = await client.patch(
            f"/tasks/{task_ids[index]}", json={"description": "touched"}, headers=user.bearer
        )
        assert response.status_code == 200
    expected = [task_ids[1], task_ids[3], task_ids[2], task_ids[0]]
    assert ids(await listing(client, user, sort="updated_at")) == expected
    assert ids(await listing(client, user, sort="-updated_at")) == expected[::-1]


async def test_equal_sort_keys_are_broken_by_id(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    created = [await new_task(client, user, title="same") for _ in range(5)]
    task_ids = [task["id"] for task in created]
    assert ids(await listing(client, user, sort="title")) == task_ids
    assert ids(await listing(client, user, sort="-title")) == task_ids[::-1]
    paged: list[int] = []
    for offset in (0, 2, 4):
        paged += ids(await listing(client, user, sort="title", limit=2, offset=offset))
    assert paged == task_ids


@pytest.mark.parametrize(
    "sort", ["password_hash", "-user_id", "title;drop table task", "--title", "title,nope"]
)
async def test_unknown_sort_is_422_listing_allowed(
    client: httpx.AsyncClient, factory: Factory, sort: str
) -> None:
    user = await factory.user()
    response = await listing(client, user, sort=sort)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "sort",
            "message": "Sort by one or more of: created_at, updated_at, due_date, title, "
            "status, id (a leading - sorts descending)",
        }
    ]


# --- paging ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "value"), [("limit", 0), ("limit", 101), ("offset", -1)])
async def test_paging_bounds_are_422(
    client: httpx.AsyncClient, factory: Factory, name: str, value: int
) -> None:
    user = await factory.user()
    response = await listing(client, user, **{name: value})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == name


async def test_paging_headers_and_links(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    created = [await new_task(client, user, title=f"t{n}") for n in range(5)]
    task_ids = [task["id"] for task in created]

    first = await listing(client, user, sort="id", status="new", limit=2)
    assert ids(first) == task_ids[:2]
    assert first.headers["x-total-count"] == "5"
    assert 'rel="prev"' not in first.headers["link"]
    next_url = first.links["next"]["url"]
    assert "offset=2" in next_url and "limit=2" in next_url
    assert "sort=id" in next_url and "status=new" in next_url

    second = await client.get(next_url, headers=user.bearer)
    assert ids(second) == task_ids[2:4]
    assert "offset=0" in second.links["prev"]["url"]

    last = await client.get(second.links["next"]["url"], headers=user.bearer)
    assert ids(last) == task_ids[4:]
    assert "next" not in last.links
    assert "offset=4" in last.links["last"]["url"]


async def test_offset_beyond_total_is_an_empty_page(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    for n in range(3):
        await new_task(client, user, title=f"t{n}")
    response = await listing(client, user, offset=10)
    assert response.status_code == 200
    assert response.json() == []
    assert response.headers["x-total-count"] == "3"
    assert "next" not in response.links
    assert "prev" in response.links


async def test_limit_100_is_allowed(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    response = await listing(client, user, limit=100)
    assert response.status_code == 200
    assert response.json() == []
    assert response.headers["x-total-count"] == "0"

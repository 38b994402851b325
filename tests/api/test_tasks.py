"""Tasks: CRUD, validation, status aliases, ownership (SPEC §2 Task, §4 Tasks)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from homebase.app_state import AppState
from homebase.models import Task
from tests.api.tasks_support import ids, new_task
from tests.factories import Factory

ALLOWED_STATUSES = "new, in_progress, done, новая, в процессе, завершена"


# --- create / read -------------------------------------------------------------------------


async def test_create_returns_201_with_defaults(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    response = await client.post("/tasks", json={"title": "  Write report  "}, headers=user.bearer)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id",
        "title",
        "description",
        "status",
        "due_date",
        "user_id",
        "created_at",
        "updated_at",
    }
    assert body["title"] == "Write report"
    assert body["status"] == "new"
    assert body["description"] is None and body["due_date"] is None
    assert body["user_id"] == user.id
    assert body["created_at"] == body["updated_at"]
    assert response.headers["location"] == f"/tasks/{body['id']}"
    assert response.headers["etag"] == f'"{body["id"]}-1"'


async def test_create_with_every_field_and_read_back(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    created = await new_task(
        client,
        user,
        title="Pay rent",
        description="Transfer to landlord",
        status="in_progress",
        due_date="2026-12-01",
    )
    response = await client.get(f"/tasks/{created['id']}", headers=user.basic)
    assert response.status_code == 200
    assert response.json() == created
    assert response.json()["due_date"] == "2026-12-01"


async def test_user_id_in_body_is_ignored_for_normal_users(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user, other = await factory.user(), await factory.user()
    created = await new_task(client, user, user_id=other.id)
    assert created["user_id"] == user.id
    assert ids(await client.get("/tasks", headers=other.bearer)) == []


async def test_admin_may_create_a_task_for_another_user(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin, user = await factory.admin(), await factory.user()
    created = await new_task(client, admin, title="For you", user_id=user.id)
    assert created["user_id"] == user.id
    assert ids(await client.get("/tasks", headers=user.bearer)) == [created["id"]]


async def test_admin_creating_for_unknown_user_is_422(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    admin = await factory.admin()
    response = await client.post(
        "/tasks", json={"title": "Orphan", "user_id": 999_999}, headers=admin.bearer
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "user_id", "message": "There is no user with this id"}
    ]
    assert await _task_count(state) == 0


# --- status values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("new", "new"),
        ("in_progress", "in_progress"),
        ("done", "done"),
        ("новая", "new"),
        ("в процессе", "in_progress"),
        ("завершена", "done"),
        ("Завершена", "done"),
        (" В  процессе ", "in_progress"),
        ("DONE", "done"),
    ],
)
async def test_status_aliases_are_stored_canonically(
    client: httpx.AsyncClient, factory: Factory, given: str, stored: str
) -> None:
    user = await factory.user()
    created = await new_task(client, user, status=given)
    assert created["status"] == stored
    patched = await client.patch(
        f"/tasks/{created['id']}", json={"status": given}, headers=user.bearer
    )
    assert patched.json()["status"] == stored


@pytest.mark.parametrize("bad", ["open", "", "в работе", 1, True, ["new"], {"v": "new"}])
async def test_invalid_status_is_422_listing_allowed_values(
    client: httpx.AsyncClient, factory: Factory, bad: Any
) -> None:
    user = await factory.user()
    response = await client.post("/tasks", json={"title": "T", "status": bad}, headers=user.bearer)
    assert response.status_code == 422
    assert response.json() == {
        "result": "error",
        "code": "validation_error",
        "message": "The request is invalid",
        "errors": [{"field": "status", "message": f"Must be one of: {ALLOWED_STATUSES}"}],
    }


async def test_invalid_status_message_is_localised(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    response = await client.post(
        "/tasks",
        json={"title": "T", "status": "open"},
        headers=user.bearer | {"Accept-Language": "ru"},
    )
    assert response.json()["errors"][0]["message"] == f"Допустимые значения: {ALLOWED_STATUSES}"


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": None}, "title"),
        ({"title": 42}, "title"),
        ({"title": "T", "description": "d" * 10_001}, "description"),
        ({"title": "T", "description": 5}, "description"),
        ({"title": "T", "due_date": "31.12.2026"}, "due_date"),
        ({"title": "T", "due_date": "2026-02-30"}, "due_date"),
        ({"title": "T", "due_date": "2026-12-31T10:00:00"}, "due_date"),
        ({"title": "T", "due_date": 1_700_000_000}, "due_date"),
        ({"title": "T", "user_id": "abc"}, "user_id"),
        ({"title": "T", "user_id": 2**31}, "user_id"),
        ({"title": "T", "user_id": 0}, "user_id"),
        ({"title": "a\x00b"}, "title"),
        ({"title": "T", "description": "\x00"}, "description"),
    ],
)
async def test_invalid_task_body_is_422(
    client: httpx.AsyncClient, factory: Factory, state: AppState, body: Any, field: str
) -> None:
    user = await factory.user()
    response = await client.post("/tasks", json=body, headers=user.bearer)
    assert response.status_code == 422, response.text
    payload = response.json()
    assert payload["code"] == "validation_error"
    assert field in [error["field"] for error in payload["errors"]]
    assert await _task_count(state) == 0


@pytest.mark.parametrize(
    "content",
    [b"not json", b"[]", b'"title"', b"null", b'{"title": "T"', b"\xff\xfe"],
)
async def test_malformed_json_is_422(
    client: httpx.AsyncClient, factory: Factory, content: bytes
) -> None:
    user = await factory.user()
    response = await client.post(
        "/tasks", content=content, headers=user.bearer | {"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["result"] == "error"


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b'{"title": "\\ud800"}', "title"),
        (b'{"title": "T", "description": "ok \\udfff"}', "description"),
    ],
)
async def test_lone_surrogates_are_422(
    client: httpx.AsyncClient, factory: Factory, state: AppState, content: bytes, field: str
) -> None:
    user = await factory.user()
    response = await client.post(
        "/tasks", content=content, headers=user.bearer | {"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": "Must be valid Unicode text"}]
    assert await _task_count(state) == 0


async def test_limits_are_inclusive(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    created = await new_task(client, user, title="t" * 200, description="d" * 10_000)
    assert len(created["title"]) == 200 and len(created["description"]) == 10_000


async def test_blank_description_is_stored_as_none(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    assert (await new_task(client, user, description="   "))["description"] is None


@pytest.mark.parametrize("path", ["/tasks/0", "/tasks/-1", "/tasks/2147483648", "/tasks/1e3"])
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
async def test_out_of_range_or_malformed_ids_are_422(
    client: httpx.AsyncClient, factory: Factory, path: str, method: str
) -> None:
    user = await factory.user()
    response = await client.request(method, path, json={"title": "T"}, headers=user.bearer)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "task_id"


@pytest.mark.parametrize("path", ["/tasks/99999999999999999999999", "/tasks/abc"])
async def test_huge_or_non_numeric_id_is_never_500(
    client: httpx.AsyncClient, factory: Factory, path: str
) -> None:
    user = await factory.user()
    response = await client.get(path, headers=user.bearer)
    assert response.status_code == 422


async def test_largest_valid_id_is_404(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    response = await client.get("/tasks/2147483647", headers=user.bearer)
    assert response.status_code == 404
    assert response.json() == {
        "result": "error",
        "code": "not_found",
        "message": "Task not found",
    }


# --- replace (PUT) and update (PATCH) ---------------------------------------------------------


async def test_put_replaces_every_field(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    created = await new_task(
        client, user, title="Old", description="old text", status="done", due_date="2026-01-01"
    )
    response = await client.put(
        f"/tasks/{created['id']}", json={"title": "New"}, headers=user.bearer
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["description"], body["status"], body["due_date"]) == (
        "New",
        None,
        "new",
        None,
    )
    assert body["id"] == created["id"] and body["user_id"] == user.id
    assert body["created_at"] == created["created_at"]
    assert body["updated_at"] > created["updated_at"]
    assert response.headers["etag"] == f'"{created["id"]}-2"'


async def test_put_without_title_is_422_and_changes_nothing(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    created = await new_task(client, user, title="Keep me")
    response = await client.put(
        f"/tasks/{created['id']}", json={"status": "done"}, headers=user.bearer
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "title", "message": "This field is required"}]
    assert (await client.get(f"/tasks/{created['id']}", headers=user.bearer)).json() == created


async def test_patch_changes_only_given_fields(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    created = await new_task(client, user, title="Old", description="keep", due_date="2026-05-05")
    response = await client.patch(
        f"/tasks/{created['id']}", json={"status": "завершена"}, headers=user.bearer
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "done"
    assert (body["title"], body["description"], body["due_date"]) == ("Old", "keep", "2026-05-05")


async def test_patch_null_clears_optional_fields(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    created = await new_task(client, user, description="text", due_date="2026-05-05")
    response = await client.patch(
        f"/tasks/{created['id']}",
        json={"description": None, "due_date": None},
        headers=user.bearer,
    )
    assert response.status_code == 200
    assert response.json()["description"] is None and response.json()["due_date"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": None}, "title"),
        ({"status": None}, "status"),
        ({"title": " "}, "title"),
        ({"status": "later"}, "status"),
        ({"due_date": "tomorrow"}, "due_date"),
    ],
)
async def test_patch_rejects_invalid_values(
    client: httpx.AsyncClient, factory: Factory, body: dict[str, Any], field: str
) -> None:
    user = await factory.user()
    created = await new_task(client, user)
    response = await client.patch(f"/tasks/{created['id']}", json=body, headers=user.bearer)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert (await client.get(f"/tasks/{created['id']}", headers=user.bearer)).json() == created


async def test_empty_patch_changes_nothing(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    created = await new_task(client, user)
    response = await client.patch(f"/tasks/{created['id']}", json={}, headers=user.bearer)
    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["etag"] == f'"{created["id"]}-1"'


async def test_normal_user_cannot_give_a_task_away(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user, other = await factory.user(), await factory.user()
    created = await new_task(client, user)
    for method in ("PUT", "PATCH"):
        response = await client.request(
            method,
            f"/tasks/{created['id']}",
            json={"title": "Mine", "user_id": other.id},
            headers=user.bearer,
        )
        assert response.status_code == 200
        assert response.json()["user_id"] == user.id


async def test_admin_may_move_a_task_to_another_user(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin, user, other = await factory.admin(), await factory.user(), await factory.user()
    created = await new_task(client, user)
    response = await client.patch(
        f"/tasks/{created['id']}", json={"user_id": other.id}, headers=admin.bearer
    )
    assert response.json()["user_id"] == other.id
    assert ids(await client.get("/tasks", headers=other.bearer)) == [created["id"]]
    missing = await client.patch(
        f"/tasks/{created['id']}", json={"user_id": 999_999}, headers=admin.bearer
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "user_id"


async def test_admin_put_keeps_the_owner(client: httpx.AsyncClient, factory: Factory) -> None:
    admin, user = await factory.admin(), await factory.user()
    created = await new_task(client, user)
    response = await client.put(
        f"/tasks/{created['id']}", json={"title": "Edited by admin"}, headers=admin.bearer
    )
    assert response.json()["user_id"] == user.id


# --- delete ----------------------------------------------------------------------------------


async def test_delete_is_204_then_404(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    created = await new_task(client, user)
    response = await client.delete(f"/tasks/{created['id']}", headers=user.bearer)
    assert response.status_code == 204
    assert response.content == b""
    assert (await client.get(f"/tasks/{created['id']}", headers=user.bearer)).status_code == 404
    assert (await client.delete(f"/tasks/{created['id']}", headers=user.bearer)).status_code == 404


async def test_deleting_a_user_deletes_their_tasks(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    user, other = await factory.user(), await factory.user()
    for title in ("one", "two"):
        await new_task(client, user, title=title)
    kept = await new_task(client, other)
    response = await client.delete(f"/users/{user.id}", headers=user.bearer)
    assert response.status_code == 204
    assert await _task_count(state) == 1
    assert ids(await client.get("/tasks", headers=other.bearer)) == [kept["id"]]


# --- ownership -------------------------------------------------------------------------------

ITEM_CALLS = [
    ("GET", None),
    ("PUT", {"title": "Taken over"}),
    ("PATCH", {"status": "done"}),
    ("DELETE", None),
]


async def test_collection_needs_credentials(client: httpx.AsyncClient) -> None:
    for method, body in (("GET", None), ("POST", {"title": "T"})):
        response = await client.request(method, "/tasks", json=body)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"
        assert "Bearer" in response.headers["www-authenticate"]


@pytest.mark.parametrize(("method", "body"), ITEM_CALLS)
async def test_item_without_credentials_is_401(
    client: httpx.AsyncClient, factory: Factory, method: str, body: Any
) -> None:
    owner = await factory.user()
    task = await new_task(client, owner)
    response = await client.request(method, f"/tasks/{task['id']}", json=body)
    assert response.status_code == 401
    bad = await client.request(
        method, f"/tasks/{task['id']}", json=body, headers={"Authorization": "Bearer nope"}
    )
    assert bad.status_code == 401


@pytest.mark.parametrize(("method", "body"), ITEM_CALLS)
async def test_another_users_task_is_404_and_untouched(
    client: httpx.AsyncClient, factory: Factory, method: str, body: Any
) -> None:
    owner, intruder = await factory.user(), await factory.user()
    task = await new_task(client, owner, title="Private")
    missing = await client.request(method, "/tasks/2147483647", json=body, headers=intruder.bearer)
    response = await client.request(
        method, f"/tasks/{task['id']}", json=body, headers=intruder.bearer
    )
    # Indistinguishable from a task that does not exist.
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    with_tag = await client.request(
        method,
        f"/tasks/{task['id']}",
        json=body,
        headers=intruder.bearer | {"If-Match": f'"{task["id"]}-1"'},
    )
    assert with_tag.status_code == 404
    assert (await client.get(f"/tasks/{task['id']}", headers=owner.bearer)).json() == task


async def test_another_users_tasks_are_not_listed(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    owner, other = await factory.user(), await factory.user()
    await new_task(client, owner, title="Private milk")
    mine = await new_task(client, other, title="My milk")
    response = await client.get("/tasks", params={"q": "milk"}, headers=other.bearer)
    assert ids(response) == [mine["id"]]
    assert response.headers["x-total-count"] == "1"
    # A normal user naming another owner sees nothing of theirs.
    response = await client.get("/tasks", params={"user_id": owner.id}, headers=other.bearer)
    assert ids(response) == []
    assert response.headers["x-total-count"] == "0"


@pytest.mark.parametrize(("method", "body"), ITEM_CALLS)
async def test_admin_may_manage_any_task(
    client: httpx.AsyncClient, factory: Factory, method: str, body: Any
) -> None:
    owner, admin = await factory.user(), await factory.admin()
    task = await new_task(client, owner)
    response = await client.request(method, f"/tasks/{task['id']}", json=body, headers=admin.basic)
    assert response.status_code == (204 if method == "DELETE" else 200)
    if method != "DELETE":
        assert response.json()["user_id"] == owner.id


async def test_admin_lists_own_tasks_unless_user_id_given(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    owner, admin = await factory.user(), await factory.admin()
    theirs = await new_task(client, owner)
    mine = await new_task(client, admin)
    assert ids(await client.get("/tasks", headers=admin.bearer)) == [mine["id"]]
    response = await client.get("/tasks", params={"user_id": owner.id}, headers=admin.bearer)
    assert ids(response) == [theirs["id"]]


async def test_inactive_user_cannot_reach_tasks(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    task = await new_task(client, user)
    admin = await factory.admin()
    await client.patch(f"/users/{user.id}", json={"is_active": False}, headers=admin.bearer)
    assert (await client.get(f"/tasks/{task['id']}", headers=user.basic)).status_code == 401


async def _task_count(state: AppState) -> int:
    async with state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Task)) or 0)

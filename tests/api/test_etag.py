"""ETag, If-Match and If-None-Match, exercised through the task endpoints (SPEC §4
Concurrency): two devices cannot silently overwrite each other."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.tasks_support import new_task
from tests.factories import Factory, UserHandle

PRECONDITION_FAILED = {
    "result": "error",
    "code": "precondition_failed",
    "message": "The resource was changed by someone else (ETag mismatch)",
}
WRITES = [
    ("PUT", {"title": "Overwritten"}),
    ("PATCH", {"title": "Overwritten"}),
    ("DELETE", None),
]


async def fetch(
    client: httpx.AsyncClient, user: UserHandle, task_id: int, **headers: str
) -> httpx.Response:
    return await client.get(f"/tasks/{task_id}", headers=user.bearer | headers)


async def test_get_returns_a_strong_etag_that_changes_with_each_write(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    task = await new_task(client, user)
    first = await fetch(client, user, task["id"])
    tag = first.headers["etag"]
    assert tag == f'"{task["id"]}-1"' and not tag.startswith("W/")
    assert first.headers["cache-control"] == "private, no-cache"
    assert (await fetch(client, user, task["id"])).headers["etag"] == tag

    patched = await client.patch(f"/tasks/{task['id']}", json={"title": "x"}, headers=user.bearer)
    assert patched.headers["etag"] == f'"{task["id"]}-2"'
    put = await client.put(f"/tasks/{task['id']}", json={"title": "y"}, headers=user.bearer)
    assert put.headers["etag"] == f'"{task["id"]}-3"'
    assert (await fetch(client, user, task["id"])).headers["etag"] == put.headers["etag"]


@pytest.mark.parametrize(("method", "body"), WRITES)
async def test_matching_if_match_allows_the_write(
    client: httpx.AsyncClient, factory: Factory, method: str, body: Any
) -> None:
    user = await factory.user()
    task = await new_task(client, user)
    tag = (await fetch(client, user, task["id"])).headers["etag"]
    response = await client.request(
        method, f"/tasks/{task['id']}", json=body, headers=user.bearer | {"If-Match": tag}
    )
    assert response.status_code == (204 if method == "DELETE" else 200)
    if method != "DELETE":
        assert response.headers["etag"] != tag


@pytest.mark.parametrize(("method", "body"), WRITES)
async def test_stale_if_match_is_412_and_the_row_is_unchanged(
    client: httpx.AsyncClient, factory: Factory, method: str, body: Any
) -> None:
    user = await factory.user()
    task = await new_task(client, user, title="Original")
    stale = (await fetch(client, user, task["id"])).headers["etag"]
    # Another device edits the task first.
    other_device = await client.patch(
        f"/tasks/{task['id']}",
        json={"status": "done"},
        headers=user.bearer | {"If-Match": stale},
    )
    assert other_device.status_code == 200
    current = (await fetch(client, user, task["id"])).json()

    response = await client.request(
        method, f"/tasks/{task['id']}", json=body, headers=user.bearer | {"If-Match": stale}
    )
    assert response.status_code == 412
    assert response.json() == PRECONDITION_FAILED
    after = await fetch(client, user, task["id"])
    assert after.status_code == 200
    assert after.json() == current
    assert after.headers["etag"] == other_device.headers["etag"]


@pytest.mark.parametrize(
    "header",
    [
        "*",
        '"0-0", "{tag}"',
        ' "{tag}" ',
    ],
)
async def test_if_match_star_and_lists(
    client: httpx.AsyncClient, factory: Factory, header: str
) -> None:
    user = await factory.user()
    task = await new_task(client, user)
    tag = (await fetch(client, user, task["id"])).headers["etag"].strip('"')
    response = await client.patch(
        f"/tasks/{task['id']}",
        json={"status": "done"},
        headers=user.bearer | {"If-Match": header.replace("{tag}", tag)},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "header", ['W/"{tag}"', "{tag}", '"{tag}-0"', "", "garbage, ,", '"' + "9" * 4000 + '"']
)
async def test_if_match_needs_an_exact_strong_tag(
    client: httpx.AsyncClient, factory: Factory, header: str
) -> None:
    user = await factory.user()
    task = await new_task(client, user)
    tag = (await fetch(client, user, task["id"])).headers["etag"].strip('"')
    response = await client.patch(
        f"/tasks/{task['id']}",
        json={"status": "done"},
        headers=user.bearer | {"If-Match": header.replace("{tag}", tag)},
    )
    assert response.status_code == 412
    assert (await fetch(client, user, task["id"])).json() == task


async def test_oversized_if_match_header_is_422(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    task = await new_task(client, user)
    response = await client.delete(
        f"/tasks/{task['id']}", headers=user.bearer | {"If-Match": '"' + "1" * 5000 + '"'}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "If-Match"


async def test_if_match_on_a_missing_task_is_404(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    response = await client.delete("/tasks/12345", headers=user.bearer | {"If-Match": "*"})
    assert response.status_code == 404


@pytest.mark.parametrize("header", ["{tag}", "W/{tag}", '"x", {tag}', "*"])
async def test_if_none_match_gives_304_without_body(
    client: httpx.AsyncClient, factory: Factory, header: str
) -> None:
    user = await factory.user()
    task = await new_task(client, user)
    tag = (await fetch(client, user, task["id"])).headers["etag"]
    response = await fetch(
        client, user, task["id"], **{"If-None-Match": header.replace("{tag}", tag)}
    )
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == tag


async def test_if_none_match_with_an_old_tag_gives_the_new_body(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    task = await new_task(client, user)
    old = (await fetch(client, user, task["id"])).headers["etag"]
    await client.patch(f"/tasks/{task['id']}", json={"title": "Renamed"}, headers=user.bearer)
    response = await fetch(client, user, task["id"], **{"If-None-Match": old})
    assert response.status_code == 200
    assert response.json()["title"] == "Renamed"
    assert response.headers["etag"] != old


async def test_if_none_match_does_not_reveal_other_users_tasks(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    owner, other = await factory.user(), await factory.user()
    task = await new_task(client, owner)
    response = await fetch(client, other, task["id"], **{"If-None-Match": "*"})
    assert response.status_code == 404


async def test_unconditional_writes_still_work(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    task = await new_task(client, user)
    for title in ("one", "two", "three"):
        response = await client.patch(
            f"/tasks/{task['id']}", json={"title": title}, headers=user.bearer
        )
        assert response.status_code == 200
    assert (await fetch(client, user, task["id"])).headers["etag"] == f'"{task["id"]}-4"'

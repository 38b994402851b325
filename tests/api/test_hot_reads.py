"""The task reads answer from rows (Core, orjson): the same bytes, rules and errors as before."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update

from homebase.app_state import AppState
from homebase.models import User
from homebase.schemas.task import TaskPublic
from homebase.services import app_passwords
from homebase.services.audit import ClientInfo
from homebase.services.auth import end_all_sessions
from tests.api.app_password_support import bearer, issue
from tests.factories import Factory
from tests.support import executed

CLIENT = ClientInfo(ip="198.51.100.9", user_agent="test")


async def _task(client: httpx.AsyncClient, headers: dict[str, str], **fields: object) -> int:
    body = {"title": "Buy milk", **fields}
    response = await client.post("/tasks", json=body, headers=headers)
    assert response.status_code == 201
    task_id: int = response.json()["id"]
    return task_id


async def test_bodies_are_the_schemas_own_json(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    task_id = await _task(
        client, user.bearer, description="Ünïcode ✓", status="в процессе", due_date="2026-02-28"
    )
    await _task(client, user.bearer)
    one = await client.get(f"/tasks/{task_id}", headers=user.bearer)
    listed = await client.get("/tasks?limit=50", headers=user.bearer)
    assert one.status_code == listed.status_code == 200
    assert one.headers["content-type"] == listed.headers["content-type"] == "application/json"
    expected = TaskPublic.model_validate(one.json()).model_dump_json().encode()
    assert one.content == expected
    items = [TaskPublic.model_validate(item) for item in listed.json()]
    assert listed.content == b"[" + b",".join(i.model_dump_json().encode() for i in items) + b"]"
    assert one.headers["etag"] == f'"{task_id}-1"'
    assert one.headers["cache-control"] == "private, no-cache"


async def test_a_revoked_session_is_refused_at_once(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    user = await factory.user()
    task_id = await _task(client, user.bearer)
    assert (await client.get(f"/tasks/{task_id}", headers=user.bearer)).status_code == 200
    async with state.write_sessions() as session:
        await end_all_sessions(session, user.user, CLIENT)
        await session.commit()
    for path in (f"/tasks/{task_id}", "/tasks?limit=50"):
        response = await client.get(path, headers=user.bearer)
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_token"


async def test_basic_credentials_and_owner_scope(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    owner, other, admin = await factory.user(), await factory.user(), await factory.admin()
    task_id = await _task(client, owner.bearer)
    assert (await client.get(f"/tasks/{task_id}", headers=owner.basic)).status_code == 200
    hidden = await client.get(f"/tasks/{task_id}", headers=other.bearer)
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "not_found"
    assert (await client.get(f"/tasks/{task_id}", headers=admin.bearer)).status_code == 200
    assert (await client.get("/tasks", headers=other.bearer)).json() == []
    garbage = await client.get("/tasks", headers={"Authorization": "Bearer not-a-token"})
    assert garbage.status_code == 401


@pytest.mark.parametrize("credential", ["session", "app password"])
async def test_a_bearer_read_authenticates_once(
    client: httpx.AsyncClient, factory: Factory, state: AppState, credential: str
) -> None:
    """One statement finds the caller (the session, or the app password, checked with the
    user), and no ORM load of the user follows: the `tasks:read` check works on that caller,
    not on a second authentication."""
    user = await factory.user()
    task_id = await _task(client, user.bearer)
    headers = user.bearer
    if credential == "app password":
        headers = bearer((await issue(client, user, ["tasks:read"]))["token"])
        assert (await client.get(f"/tasks/{task_id}", headers=headers)).status_code == 200
    for path in (f"/tasks/{task_id}", "/tasks?limit=50"):
        with executed(state) as statements:
            assert (await client.get(path, headers=headers)).status_code == 200
        callers = [
            sql
            for sql in statements
            if "auth_session" in sql or "app_password" in sql or "password_hash" in sql
        ]
        assert len(callers) == 1, "\n---\n".join(statements)
        assert "password_hash" not in callers[0]


@pytest.mark.parametrize("path", ["/tasks?limit=50", "/tasks/999999"])
async def test_an_app_password_use_is_written_with_no_connection_held(
    client: httpx.AsyncClient,
    factory: Factory,
    state: AppState,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
) -> None:
    """A request that holds a pooled connection never waits for a second one: with every
    connection held by requests each waiting for another, all of them would wait out the pool
    timeout (503s through PgBouncer in the bench). The use of an app password is written once
    the read's connection is back in the pool, also when the route answers with an error."""
    user = await factory.user()
    token = (await issue(client, user, ["tasks:read"]))["token"]
    write = app_passwords.note_use
    held: list[int] = []

    async def note_use(*args: object) -> None:
        # The writer's session has not checked out its connection yet.
        held.append(state.engine.sync_engine.pool.checkedout())  # type: ignore[attr-defined]
        await write(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(app_passwords, "note_use", note_use)
    before = state.engine.sync_engine.pool.checkedout()  # type: ignore[attr-defined]
    response = await client.get(path, headers=bearer(token))
    assert response.status_code == (200 if path.endswith("50") else 404)
    assert held == [before]
    listed = (await client.get("/auth/tokens", headers=user.bearer)).json()
    assert listed[0]["last_used_at"] is not None


async def test_a_session_reads_one_task_in_one_statement(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    """A login session's read of one task is a single statement: it confirms the session
    (open, its user active) and reads the task, with the owner rule (an admin sees any
    task; another user's task is "not found")."""
    owner, other, admin = await factory.user(), await factory.user(), await factory.admin()
    task_id = await _task(client, owner.bearer)
    answers = {}
    for name, who in (("owner", owner), ("other", other), ("admin", admin)):
        with executed(state) as statements:
            response = await client.get(f"/tasks/{task_id}", headers=who.bearer)
        answers[name] = (response.status_code, response.json().get("code"))
        assert len(statements) == 1, "\n---\n".join(statements)
        assert "auth_session" in statements[0] and "task" in statements[0]
    assert answers == {
        "owner": (200, None),
        "other": (404, "not_found"),
        "admin": (200, None),
    }
    async with state.write_sessions() as session:
        await session.execute(update(User).where(User.id == owner.id).values(is_active=False))
        await session.commit()
    response = await client.get(f"/tasks/{task_id}", headers=owner.bearer)
    assert (response.status_code, response.json()["code"]) == (401, "inactive_user")
    missing = await client.get("/tasks/999999", headers=admin.bearer)
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


async def test_an_app_password_reads_one_task_in_one_statement(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    """An app password's read of one task is a single statement too: the live token, its
    owner, and the task under the owner rule; then expiry, `is_active` and the route's scope
    are checked on that row before the task is answered."""
    owner, other, admin = await factory.user(), await factory.user(), await factory.admin()
    task_id = await _task(client, owner.bearer)
    tokens = {
        "owner": (await issue(client, owner, ["tasks:read"]))["token"],
        "other": (await issue(client, other, ["tasks:read"]))["token"],
        "admin": (await issue(client, admin, ["tasks:write"]))["token"],
        "contacts only": (await issue(client, owner, ["contacts:read"]))["token"],
    }
    answers = {}
    for name, token in tokens.items():
        # The first use writes `last_used_at` after the read; the second is the read alone.
        assert (await client.get(f"/tasks/{task_id}", headers=bearer(token))).status_code
        with executed(state) as statements:
            response = await client.get(f"/tasks/{task_id}", headers=bearer(token))
        answers[name] = (response.status_code, response.json().get("code"))
        assert len(statements) == 1, "\n---\n".join(statements)
        assert "app_password" in statements[0] and "task" in statements[0]
    assert answers == {
        "owner": (200, None),
        "other": (404, "not_found"),
        "admin": (200, None),  # a write scope includes its read
        "contacts only": (403, "insufficient_scope"),
    }
    refused = await client.get(f"/tasks/{task_id}", headers=bearer(tokens["contacts only"]))
    assert refused.headers["www-authenticate"] == (
        'Bearer error="insufficient_scope", scope="tasks:read"'
    )
    garbage = await client.get(f"/tasks/{task_id}", headers=bearer("hbp_" + "A" * 51))
    assert garbage.status_code == 401
    async with state.write_sessions() as session:
        await session.execute(update(User).where(User.id == owner.id).values(is_active=False))
        await session.commit()
    response = await client.get(f"/tasks/{task_id}", headers=bearer(tokens["owner"]))
    assert (response.status_code, response.json()["code"]) == (401, "inactive_user")


async def test_a_session_lists_its_tasks_in_one_statement(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    """A login session's page of its own tasks is one statement: the rows, the count of all
    matches and the session's check. A page with no row says nothing of the session, so the
    session is then confirmed on its own: revoked or inactive is still a 401."""
    user = await factory.user()
    for day in ("2026-03-01", "2026-03-02", "2026-03-03"):
        await _task(client, user.bearer, due_date=day)
    shapes = ("limit=2", "limit=2&offset=1", "status=new&due_after=2026-03-02&sort=-due_date")
    for query in shapes:
        with executed(state) as statements:
            response = await client.get(f"/tasks?{query}", headers=user.bearer)
        assert response.status_code == 200, response.text
        assert len(statements) == 1, "\n---\n".join(statements)
        assert "auth_session" in statements[0] and "count" in statements[0].lower()
    with executed(state) as statements:
        past_the_end = await client.get("/tasks?offset=10", headers=user.bearer)
    assert (past_the_end.json(), past_the_end.headers["x-total-count"]) == ([], "3")
    assert len(statements) == 4  # the page, then the session, the count and the page
    async with state.write_sessions() as session:
        await session.execute(update(User).where(User.id == user.id).values(is_active=False))
        await session.commit()
    for query in ("limit=2", "offset=10"):
        response = await client.get(f"/tasks?{query}", headers=user.bearer)
        assert (response.status_code, response.json()["code"]) == (401, "inactive_user")
    other = await factory.user()
    async with state.write_sessions() as session:
        await end_all_sessions(session, other.user, CLIENT)
        await session.commit()
    empty = await client.get("/tasks", headers=other.bearer)
    assert (empty.status_code, empty.json()["code"]) == (401, "invalid_token")


@pytest.mark.parametrize(
    "query",
    [
        "",
        "limit=2",
        "limit=2&offset=2",
        "limit=1&offset=4",
        "status=new",
        "status=done&sort=title",
        "due_before=2026-03-02&sort=-due_date",
        "due_after=2026-03-02&due_before=2026-03-03&sort=due_date,-title&limit=1",
        "sort=-created_at&limit=2&offset=1",
        "sort=status,-id&limit=3&offset=1",
    ],
)
async def test_one_statement_lists_what_the_general_path_lists(
    client: httpx.AsyncClient, factory: Factory, query: str
) -> None:
    """The session's one-statement page and the general path (Basic: authenticate, count,
    then the page) answer the same bodies and paging headers for every shape of filters."""
    user = await factory.user()
    for n, (day, status) in enumerate(
        [("2026-03-01", "new"), ("2026-03-02", "done"), (None, "new"), ("2026-03-03", "new"),
         ("2026-03-02", "in_progress")]
    ):  # fmt: skip
        await _task(client, user.bearer, title=f"Task {n % 3}", due_date=day, status=status)
    by_session = await client.get(f"/tasks?{query}", headers=user.bearer)
    by_password = await client.get(f"/tasks?{query}", headers=user.basic)
    assert by_session.status_code == by_password.status_code == 200
    assert by_session.content == by_password.content
    for header in ("x-total-count", "link", "x-next-cursor"):
        assert by_session.headers.get(header) == by_password.headers.get(header), header
    assert by_session.json(), query

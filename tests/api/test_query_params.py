"""`GET /tasks` reads its query, and `GET /tasks/{id}` its id and `If-None-Match`, in one step
(api/query.py), and answer as FastAPI's own reading of the same declarations would: the same
values, the same 422 errors in the same order, the same `cursor_with_offset` refusal. And
FastAPI still describes both routes, from their twins."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from homebase.api.deps import CursorPageDep, ResourceId
from homebase.api.etag import MAX_HEADER, IfNoneMatchDep
from homebase.api.query import id_and_if_none_match, page_and_filters
from homebase.core.cursor import MAX_LENGTH as CURSOR_MAX_LENGTH
from homebase.core.errors import FieldError
from homebase.core.preconditions import TagList
from homebase.schemas.task import SEARCH_MAX, TaskFilters
from tests.factories import Factory

QUERIES = [
    "",
    "limit=10",
    "limit=0",
    "limit=101",
    "limit=abc",
    "limit=",
    "limit=1.5",
    "limit=%205",
    "offset=5",
    "offset=-1",
    "offset=2147483649",
    "offset=1e3",
    "cursor=",
    "cursor=abc",
    "cursor=" + "x" * (CURSOR_MAX_LENGTH + 1),
    "cursor=abc&offset=1",
    "cursor=abc&offset=1&status=bogus",
    "cursor=abc&offset=-1&status=bogus",
    "limit=0&status=bogus&due_before=2026-13-01",
    "status=new",
    "status=bogus",
    "q=milk",
    "q=" + "x" * (SEARCH_MAX + 1),
    "q=%01bell",
    "due_before=2026-01-01",
    "due_before=2026-13-01",
    "due_after=yesterday",
    "due_after=2026-02-01&due_before=2026-01-01",
    "sort=-created_at,title",
    "sort=nope",
    "sort=",
    "sort=title,title",
    "user_id=3",
    "user_id=0",
    "user_id=abc",
    "unknown=1",
    "limit=5&offset=0&q=a&status=done&sort=title&due_after=2026-01-01",
]


def _shown(condition: TagList | None) -> Any:
    return None if condition is None else [condition.any, sorted(condition.tags)]


# (path id, If-None-Match or None)
READS: list[tuple[str, str | None]] = [
    ("1", None),
    ("42", '"abc"'),
    ("42", 'W/"abc", "def"'),
    ("42", "*"),
    ("42", ""),
    ("0", None),
    ("-3", None),
    ("abc", None),
    ("1.5", None),
    ("99999999999999999999", None),
    ("42", '"' + "x" * MAX_HEADER + '"'),
    ("0", '"' + "x" * MAX_HEADER + '"'),
    ("abc", '"ok"'),
]


def _twins() -> FastAPI:
    """FastAPI's reading of the declaration (`/declared`) beside the one-step reading."""
    app = FastAPI()

    @app.get("/declared")
    async def declared(page: CursorPageDep, filters: Annotated[TaskFilters, Query()]) -> Any:
        return {"page": asdict(page), "filters": filters.model_dump(mode="json")}

    @app.get("/one-step")
    async def one_step(request: Request) -> Any:
        page, filters = page_and_filters(request, TaskFilters)
        return {"page": asdict(page), "filters": filters.model_dump(mode="json")}

    @app.get("/declared/{task_id}")
    async def declared_read(task_id: ResourceId, if_none_match: IfNoneMatchDep) -> Any:
        return {"id": task_id, "condition": _shown(if_none_match)}

    @app.get("/one-step/{task_id}")
    async def one_step_read(request: Request) -> Any:
        task_id, if_none_match = id_and_if_none_match(request, "task_id")
        return {"id": task_id, "condition": _shown(if_none_match)}

    async def invalid(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse(jsonable_encoder({"errors": exc.errors()}), status_code=422)

    async def field_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, FieldError)
        return JSONResponse({"field_error": [exc.field, exc.message_key]}, status_code=422)

    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(FieldError, field_error)
    return app


@pytest.fixture(scope="module")
def twins() -> FastAPI:
    return _twins()


@pytest.mark.parametrize("query", QUERIES)
async def test_one_step_reads_the_query_as_fastapi_does(twins: FastAPI, query: str) -> None:
    transport = httpx.ASGITransport(app=twins)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        declared = await client.get(f"/declared?{query}")
        one_step = await client.get(f"/one-step?{query}")
    assert declared.status_code in (200, 422)
    assert (one_step.status_code, one_step.json()) == (declared.status_code, declared.json())


@pytest.mark.parametrize(("path_id", "condition"), READS)
async def test_one_step_reads_the_id_and_the_condition_as_fastapi_does(
    twins: FastAPI, path_id: str, condition: str | None
) -> None:
    headers = {} if condition is None else {"If-None-Match": condition}
    transport = httpx.ASGITransport(app=twins)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        declared = await client.get(f"/declared/{path_id}", headers=headers)
        one_step = await client.get(f"/one-step/{path_id}", headers=headers)
    assert declared.status_code in (200, 422)
    assert (one_step.status_code, one_step.json()) == (declared.status_code, declared.json())


async def test_the_corpus_holds_values_errors_and_the_refusal(twins: FastAPI) -> None:
    """The corpus above reaches every kind of answer it is meant to compare."""
    transport = httpx.ASGITransport(app=twins)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        found = [(await client.get(f"/declared?{query}")).json() for query in QUERIES]
        for path_id, condition in READS:
            headers = {} if condition is None else {"If-None-Match": condition}
            found.append((await client.get(f"/declared/{path_id}", headers=headers)).json())
    assert any("page" in answer for answer in found)
    assert any(len(answer.get("errors", [])) >= 2 for answer in found)
    assert any("field_error" in answer for answer in found)
    assert any(answer.get("condition") for answer in found)
    located = {tuple(e["loc"][:1]) for answer in found for e in answer.get("errors", [])}
    assert located == {("query",), ("path",), ("header",)}


async def test_the_task_reads_are_served_one_step_and_described_by_their_twins(
    app: FastAPI, client: httpx.AsyncClient, factory: Factory
) -> None:
    """A twin raises if it is ever reached: pages, a 304 and 422s in the envelope show the
    one-step routes answered, and the document still has the declared operations."""
    user = await factory.user()
    assert (await client.post("/tasks", json={"title": "Milk"}, headers=user.bearer)).is_success
    listed = await client.get("/tasks?limit=1&sort=title", headers=user.bearer)
    assert listed.status_code == 200, listed.text
    assert [task["title"] for task in listed.json()] == ["Milk"]
    assert listed.headers["X-Total-Count"] == "1"
    refused = await client.get("/tasks?limit=0&status=bogus", headers=user.bearer)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["limit", "status"]
    both = await client.get("/tasks?cursor=&offset=0", headers=user.bearer)
    assert [e["field"] for e in both.json()["errors"]] == ["cursor"]
    task_id = listed.json()[0]["id"]
    read = await client.get(f"/tasks/{task_id}", headers=user.bearer)
    assert (read.status_code, read.json()["title"]) == (200, "Milk")
    unchanged = {**user.bearer, "If-None-Match": read.headers["ETag"]}
    assert (await client.get(f"/tasks/{task_id}", headers=unchanged)).status_code == 304
    refused = await client.get("/tasks/0", headers=user.bearer)
    assert [e["field"] for e in refused.json()["errors"]] == ["task_id"]
    read_operation = app.openapi()["paths"]["/tasks/{task_id}"]["get"]
    assert read_operation["operationId"] == "tasks_read"
    assert [p["name"] for p in read_operation["parameters"]] == ["task_id", "If-None-Match"]
    operation = app.openapi()["paths"]["/tasks"]["get"]
    assert operation["operationId"] == "tasks_list"
    assert operation["description"].startswith("The caller's tasks, filtered")
    assert [p["name"] for p in operation["parameters"]] == [
        "status", "q", "due_before", "due_after", "sort", "user_id", "limit", "offset", "cursor"
    ]  # fmt: skip

"""Tasks: owner-scoped CRUD with filters, paging and ETags."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from homebase.api.deps import (
    ClaimScoped,
    CursorPageDep,
    ResourceId,
    Scoped,
    SessionDep,
    confirm,
    reading,
)
from homebase.api.etag import (
    IfMatchDep,
    IfNoneMatchDep,
    etag_headers,
    not_modified,
    set_etag,
)
from homebase.api.paging import set_listing_headers
from homebase.api.query import id_and_if_none_match, page_and_filters
from homebase.api.responses import RowJson, errors
from homebase.core.security import SessionClaim
from homebase.models import User
from homebase.schemas.task import (
    TaskCreate,
    TaskFilters,
    TaskPublic,
    TaskReplace,
    TaskUpdate,
)
from homebase.services import tasks as task_service
from homebase.services.accounts import Claim

router = APIRouter(tags=["tasks"])

# An app password needs `tasks:read` to GET and `tasks:write` for everything else. Each route
# says which (no router-wide check): the reads authenticate once, over Core on the route's
# own connection (`reading`), and a router-wide dependency on the ORM principal would
# authenticate them a second time. Reading one task, the statement that reads it confirms
# the caller's claim; the list confirms it first.
TaskReader = Annotated[Claim, ClaimScoped("tasks:read")]
TaskWriter = Annotated[User, Scoped("tasks:write")]

_TaskId = Annotated[ResourceId, Path(description="Task id")]
# The reads answer straight from rows (see RowJson); `response_model` documents them.
_TASK_JSON = RowJson(TaskPublic)


# `GET /tasks` reads its query in one step (api/query.py); FastAPI still describes it, from the
# twin below, which declares the same parameters the usual way and is never reached: a route
# matches in the order it was added, and this one comes first (a test holds both).
@router.get("/tasks", include_in_schema=False)
async def list_tasks(request: Request, who: TaskReader) -> Response:
    """`GET /tasks` as `list_tasks_described` declares it."""
    page, filters = page_and_filters(request, TaskFilters)
    async with reading(request) as reader:
        result = None
        if isinstance(who, SessionClaim):
            result = await task_service.list_own_tasks(reader, who, filters, page)
        if result is None:
            caller = await confirm(request, reader, who)
            result = await task_service.list_tasks(reader, caller, filters, page)
    response = _TASK_JSON.leading(result.items)
    set_listing_headers(request, response, page, result)
    return response


@router.get(
    "/tasks",
    response_model=list[TaskPublic],
    responses=errors(401, 422),
    name="list_tasks",
)
async def list_tasks_described(
    who: TaskReader, page: CursorPageDep, filters: Annotated[TaskFilters, Query()]
) -> Response:
    """The caller's tasks, filtered, sorted and paged by `offset` or `cursor` (admins: another
    owner's with `user_id`)."""
    raise AssertionError("GET /tasks is served by list_tasks")  # pragma: no cover


@router.post(
    "/tasks",
    status_code=status.HTTP_201_CREATED,
    response_model=TaskPublic,
    responses=errors(401, 422),
)
async def create_task(
    request: Request, response: Response, data: TaskCreate, user: TaskWriter, session: SessionDep
) -> TaskPublic:
    """Create a task owned by the caller (an admin may set `user_id`)."""
    task = await task_service.create_task(session, user, data)
    set_etag(response, task)
    response.headers["Location"] = str(request.url_for("read_task", task_id=task.id).path)
    return TaskPublic.model_validate(task)


# Read as `GET /tasks` is (api/query.py): its id and `If-None-Match` in one step, and FastAPI's
# description from the twin below, which is never reached.
@router.get("/tasks/{task_id}", include_in_schema=False)
async def read_task(request: Request, who: TaskReader) -> Response:
    """`GET /tasks/{task_id}` as `read_task_described` declares it."""
    task_id, if_none_match = id_and_if_none_match(request, "task_id")
    async with reading(request) as reader:
        task = await task_service.read_task(reader, who, task_id)
    unchanged = not_modified(if_none_match, task)
    if unchanged is not None:
        return unchanged
    return _TASK_JSON.one(task, etag_headers(task))


@router.get(
    "/tasks/{task_id}",
    response_model=TaskPublic,
    responses=errors(401, 404, 422),
    name="read_task",
)
async def read_task_described(
    task_id: _TaskId, who: TaskReader, if_none_match: IfNoneMatchDep
) -> Response:
    """One task, with its ETag; `If-None-Match` with that ETag answers 304."""
    raise AssertionError("GET /tasks/{task_id} is served by read_task")  # pragma: no cover


@router.put(
    "/tasks/{task_id}",
    response_model=TaskPublic,
    responses=errors(401, 404, 412, 422),
)
async def replace_task(
    task_id: _TaskId,
    data: TaskReplace,
    response: Response,
    user: TaskWriter,
    session: SessionDep,
    if_match: IfMatchDep,
) -> TaskPublic:
    """Replace a task entirely (`title` required); honours `If-Match`."""
    task = await task_service.replace_task(session, user, task_id, data, if_match=if_match)
    set_etag(response, task)
    return TaskPublic.model_validate(task)


@router.patch(
    "/tasks/{task_id}",
    response_model=TaskPublic,
    responses=errors(401, 404, 412, 422),
)
async def update_task(
    task_id: _TaskId,
    data: TaskUpdate,
    response: Response,
    user: TaskWriter,
    session: SessionDep,
    if_match: IfMatchDep,
) -> TaskPublic:
    """Change some fields of a task; honours `If-Match`."""
    task = await task_service.update_task(session, user, task_id, data, if_match=if_match)
    set_etag(response, task)
    return TaskPublic.model_validate(task)


@router.delete(
    "/tasks/{task_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 404, 412, 422),
)
async def delete_task(
    task_id: _TaskId, user: TaskWriter, session: SessionDep, if_match: IfMatchDep
) -> Response:
    """Delete a task; honours `If-Match`."""
    await task_service.delete_task(session, user, task_id, if_match=if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

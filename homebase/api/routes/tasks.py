"""Tasks: owner-scoped CRUD with filters, paging and ETags."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from homebase.api.deps import CurrentUser, CursorPageDep, ResourceId, SessionDep
from homebase.api.etag import IfMatchDep, IfNoneMatchDep, etag_responses, not_modified, set_etag
from homebase.api.paging import set_listing_headers
from homebase.api.responses import errors
from homebase.schemas.task import (
    TaskCreate,
    TaskFilters,
    TaskPublic,
    TaskReplace,
    TaskUpdate,
)
from homebase.services import tasks as task_service

router = APIRouter(tags=["tasks"])

_TaskId = Annotated[ResourceId, Path(description="Task id")]


@router.get("/tasks", response_model=list[TaskPublic], responses=errors(401, 422))
async def list_tasks(
    request: Request,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    page: CursorPageDep,
    filters: Annotated[TaskFilters, Query()],
) -> list[TaskPublic]:
    """The caller's tasks, filtered, sorted and paged by `offset` or `cursor` (admins: another
    owner's with `user_id`)."""
    result = await task_service.list_tasks(session, user, filters, page)
    set_listing_headers(request, response, page, result)
    return [TaskPublic.model_validate(task) for task in result.items]


@router.post(
    "/tasks",
    status_code=status.HTTP_201_CREATED,
    response_model=TaskPublic,
    responses={**errors(401, 422), **etag_responses(201)},
)
async def create_task(
    request: Request, response: Response, data: TaskCreate, user: CurrentUser, session: SessionDep
) -> TaskPublic:
    """Create a task owned by the caller (an admin may set `user_id`)."""
    task = await task_service.create_task(session, user, data)
    set_etag(response, task)
    response.headers["Location"] = str(request.url_for("read_task", task_id=task.id).path)
    return TaskPublic.model_validate(task)


@router.get(
    "/tasks/{task_id}",
    response_model=TaskPublic,
    responses={**errors(401, 404, 422), **etag_responses(200, conditional_get=True)},
)
async def read_task(
    task_id: _TaskId,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    if_none_match: IfNoneMatchDep,
) -> TaskPublic | Response:
    """One task, with its ETag; `If-None-Match` with that ETag answers 304."""
    task = await task_service.get_task(session, user, task_id)
    unchanged = not_modified(if_none_match, task)
    if unchanged is not None:
        return unchanged
    set_etag(response, task)
    return TaskPublic.model_validate(task)


@router.put(
    "/tasks/{task_id}",
    response_model=TaskPublic,
    responses={**errors(401, 404, 412, 422), **etag_responses(200)},
)
async def replace_task(
    task_id: _TaskId,
    data: TaskReplace,
    response: Response,
    user: CurrentUser,
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
    responses={**errors(401, 404, 412, 422), **etag_responses(200)},
)
async def update_task(
    task_id: _TaskId,
    data: TaskUpdate,
    response: Response,
    user: CurrentUser,
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
    task_id: _TaskId, user: CurrentUser, session: SessionDep, if_match: IfMatchDep
) -> Response:
    """Delete a task; honours `If-Match`."""
    await task_service.delete_task(session, user, task_id, if_match=if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

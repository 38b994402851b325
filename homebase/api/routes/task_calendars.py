"""Tasks as iCalendar VTODOs: one, all, and the import. Mounted before the tasks router, whose
`/tasks/{task_id}` would otherwise take `/tasks/7.ics`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from homebase.api.deps import CurrentUser, ResourceScoped, SessionDep, StateDep
from homebase.api.interchange import (
    CALENDAR,
    DryRun,
    file_responses,
    import_body,
    report_public,
    text_response,
)
from homebase.api.responses import errors
from homebase.schemas.common import MAX_ID
from homebase.schemas.interchange import ImportReportPublic
from homebase.services import tasks as task_service
from homebase.services.interchange import task_calendars

router = APIRouter(tags=["tasks"], dependencies=[ResourceScoped("tasks")])
_ICS_RESPONSE = file_responses("text/calendar", "iCalendar")


@router.get("/tasks.ics", response_class=Response, responses={**_ICS_RESPONSE, **errors(401)})
async def export_all_tasks(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    """All of the caller's tasks as one VCALENDAR of VTODOs (each VTIMEZONE once)."""
    text = await task_calendars.owned_calendar(session, user)
    return text_response(request, text, CALENDAR, "tasks.ics")


@router.get(
    "/tasks/{task_id}.ics",
    response_class=Response,
    responses={**_ICS_RESPONSE, **errors(401, 404)},
)
async def export_task(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    task_id: Annotated[int, Path(ge=1, le=MAX_ID, description="Task id")],
) -> Response:
    """One task as a VCALENDAR: as imported (mapped fields kept current), or generated."""
    task = await task_service.get_task(session, user, task_id)
    return text_response(request, task_calendars.ical_of(task), CALENDAR)


@router.post(
    "/tasks/import",
    response_model=ImportReportPublic,
    responses=errors(401, 409, 413, 422),
    openapi_extra=import_body("text/calendar"),
)
async def import_tasks(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    state: StateDep,
    dry_run: DryRun = False,
) -> ImportReportPublic:
    """Import an iCalendar file of VTODOs: upsert by UID, one report line per refused task."""
    report = await task_calendars.import_todos(
        session,
        user,
        await request.body(),
        dry_run=dry_run,
        max_items=state.settings.max_import_items,
    )
    return report_public(request, report)

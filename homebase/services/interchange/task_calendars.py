"""Between a task row and its iCalendar form: the mapped values, the stored or generated
VCALENDAR, keeping the stored one in step with REST edits, and the task import."""

from __future__ import annotations

from typing import Any

import anyio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.db.base import utcnow
from homebase.models import Task, User
from homebase.models.interchange import href_for
from homebase.models.task import DESCRIPTION_MAX, TITLE_MAX
from homebase.services.interchange import ical
from homebase.services.interchange.ical import TaskMapped, TodoItem
from homebase.services.interchange.items import ItemError
from homebase.services.interchange.report import (
    ImportReport,
    bulk_write,
    chunks,
    decode_body,
    ensure_within_cap,
)


def mapped_of(task: Task) -> TaskMapped:
    return TaskMapped(
        title=task.title, description=task.description, status=task.status, due_date=task.due_date
    )


def ical_of(task: Task) -> str:
    """The stored VCALENDAR, or one generated from the columns."""
    if task.ical is not None:
        return task.ical
    return ical.new_todo(task.uid, mapped_of(task), task.created_at, task.updated_at).text()


def rewrite_ical(task: Task, before: TaskMapped) -> None:
    """After a REST edit: rewrite the mapped properties that changed in the stored VTODO."""
    if task.ical is None:
        return
    parsed = ical.parse_todos(task.ical)
    if parsed.items:
        item = parsed.items[0][1]
        task.ical = ical.apply(item, before, mapped_of(task), utcnow()).text()


def _fitted(item: TodoItem) -> TaskMapped:
    """The mapping cut to the column sizes; the full text stays in the VTODO."""
    mapped = item.mapped()
    description = mapped.description[:DESCRIPTION_MAX] if mapped.description else None
    return TaskMapped(mapped.title[:TITLE_MAX], description, mapped.status, mapped.due_date)


def prepare(body: str) -> tuple[list[tuple[int, str, str, TaskMapped]], list[ItemError]]:
    parsed = ical.parse_todos(body)
    rows, errors = [], list(parsed.errors)
    for index, item in parsed.items:
        text = item.text()
        if "\x00" in text:
            errors.append(ItemError(index, item.uid, "invalid_text"))
        else:
            rows.append((index, item.uid, text, _fitted(item)))
    errors.sort(key=lambda error: error.index)
    return rows, errors


def _columns(text: str, mapped: TaskMapped) -> dict[str, Any]:
    # Imported here: the task service imports this module for its REST edits.
    from homebase.services.tasks import search_text

    return {
        "title": mapped.title,
        "description": mapped.description,
        "status": mapped.status,
        "due_date": mapped.due_date,
        "ical": text,
        "search_text": search_text(mapped.title, mapped.description),
    }


async def import_todos(
    session: AsyncSession, owner: User, body: bytes, *, dry_run: bool, max_items: int
) -> ImportReport:
    """Upsert the VTODOs of `body` by UID into the owner's tasks; each task its own unit."""
    rows, errors = await anyio.to_thread.run_sync(prepare, decode_body(body))
    ensure_within_cap(len(rows) + len(errors), max_items)
    existing: dict[str, Task] = {}
    for part in chunks([uid for _, uid, _, _ in rows]):
        query = select(Task).where(Task.user_id == owner.id, Task.uid.in_(part))
        existing.update((task.uid, task) for task in await session.scalars(query))
    report = ImportReport(failed=errors)
    writes: list[tuple[Task | None, str, str, TaskMapped]] = []
    for _, uid, text, mapped in rows:
        task = existing.get(uid)
        if task is not None and task.ical == text:
            report.unchanged += 1
            continue
        report.count(created=task is None)
        writes.append((task, uid, text, mapped))
    if not dry_run:
        inserts = [
            {
                **_columns(text, mapped),
                "user_id": owner.id,
                "uid": uid,
                "href": href_for(uid, "ics"),
            }
            for task, uid, text, mapped in writes
            if task is None
        ]
        updates = [
            {**_columns(text, mapped), "id": task.id, "version": task.version}
            for task, uid, text, mapped in writes
            if task is not None
        ]
        await bulk_write(session, Task, inserts, updates)
    return report


async def owned_calendar(session: AsyncSession, owner: User) -> str:
    """Every task of the owner in one VCALENDAR, each VTIMEZONE once."""
    query = select(Task).where(Task.user_id == owner.id).order_by(Task.created_at, Task.id)
    tasks = list(await session.scalars(query))
    return await anyio.to_thread.run_sync(lambda: ical.combine(ical_of(task) for task in tasks))

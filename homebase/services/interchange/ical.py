"""iCalendar VTODO (RFC 5545): split a body into tasks, map them, write the mapped fields back.

A body is cut into its VTODOs as text first, so that one broken task is one report line and
never fails the file; each task is then parsed by `icalendar` on its own, with the time zones it
uses. A task is stored as its own VCALENDAR (every VTODO of its UID, recurrence overrides
included, plus a VTIMEZONE for every TZID), the unit a CalDAV resource will be.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from icalendar import Calendar, Todo

from homebase.services.interchange.items import UID_MAX, ItemError, content_uid

PRODID = "-//Homebase//Homebase//EN"
_LINE_BREAK = re.compile(r"\r\n|\n|\r")
_TZID = re.compile(r";TZID=\"?([^\":;]+)\"?[:;]", re.IGNORECASE)
_TZ_YEARS_AHEAD = 10  # transitions generated for a zone the upload did not describe

_FROM_STATUS = {
    "NEEDS-ACTION": "new",
    "IN-PROCESS": "in_progress",
    "COMPLETED": "done",
    "CANCELLED": "done",  # closed either way; the card keeps CANCELLED until the status changes
}
_TO_STATUS = {"new": "NEEDS-ACTION", "in_progress": "IN-PROCESS", "done": "COMPLETED"}


@dataclass(frozen=True, slots=True)
class TaskMapped:
    title: str = ""
    description: str | None = None
    status: str = "new"
    due_date: date | None = None


@dataclass(slots=True)
class TodoItem:
    uid: str
    calendar: Calendar

    def text(self) -> str:
        return bytes(self.calendar.to_ical()).decode("utf-8")

    def master(self) -> Todo:
        todos = self.calendar.todos
        return next((todo for todo in todos if "RECURRENCE-ID" not in todo), todos[0])

    def mapped(self) -> TaskMapped:
        todo = self.master()
        status = _FROM_STATUS.get(str(todo.get("STATUS", "")).upper())
        if status is None:
            status = "done" if "COMPLETED" in todo else "new"
        description = str(todo.get("DESCRIPTION", "")) or None
        return TaskMapped(
            title=str(todo.get("SUMMARY", "")).strip(),
            description=description,
            status=status,
            due_date=_due_date(todo),
        )


def _due_date(todo: Todo) -> date | None:
    """DUE as a date: a date-time becomes the date in its own time zone (UTC for `Z`)."""
    if "DUE" not in todo:
        return None
    due = todo.decoded("DUE")
    if isinstance(due, datetime):
        return due.date()
    return due if isinstance(due, date) else None


@dataclass(slots=True)
class ParsedTodos:
    items: list[tuple[int, TodoItem]]  # (index of its first VTODO in the file, task)
    errors: list[ItemError]


@dataclass(slots=True)
class _Block:
    index: int
    lines: list[str]


def parse_todos(body: str) -> ParsedTodos:
    """Every VTODO of every VCALENDAR in a body, grouped by UID; bad ones become ItemErrors."""
    result = ParsedTodos(items=[], errors=[])
    blocks, zones, prodid = _split(body)
    by_uid: dict[str, tuple[int, TodoItem]] = {}
    for block in blocks:
        outcome = _todo(block, zones, prodid)
        if isinstance(outcome, ItemError):
            result.errors.append(outcome)
            continue
        todo, uid = outcome
        if uid in by_uid:
            item = by_uid[uid][1]
            if "RECURRENCE-ID" not in todo and "RECURRENCE-ID" not in item.master():
                result.errors.append(ItemError(block.index, uid, "duplicate_uid"))
                continue
            item.calendar.add_component(todo)
        else:
            calendar = _calendar(prodid)
            calendar.add_component(todo)
            by_uid[uid] = (block.index, TodoItem(uid=uid, calendar=calendar))
    for index, item in by_uid.values():
        finished = _finish(index, item, zones)
        if isinstance(finished, ItemError):
            result.errors.append(finished)
        else:
            result.items.append((index, finished))
    result.items.sort(key=lambda pair: pair[0])
    result.errors.sort(key=lambda error: error.index)
    return result


def _components(text: str) -> Iterator[tuple[str, list[str]]]:
    """The top-level components of every VCALENDAR in `text` as (name, physical lines), and
    each calendar property as ("", [line]); a component that never ends has no lines."""
    current: list[str]
    stack: list[str] = []
    kind, current, broken = "", [], False
    for line in _LINE_BREAK.split(text):
        upper = line.upper()
        if upper.startswith("BEGIN:"):
            stack.append(upper[6:].strip())
            if len(stack) == 2:
                kind, current, broken = stack[1], [], False
        if len(stack) >= 2:
            current.append(line)
        elif len(stack) == 1 and not upper.startswith("BEGIN:"):
            yield "", [line]
        if upper.startswith("END:") and stack:
            inside, name = len(stack) >= 2, upper[4:].strip()
            if name in stack:
                broken = broken or name != stack[-1]  # an END that skips an open component
                del stack[stack.index(name) :]
            if inside and len(stack) < 2:
                yield kind, [] if broken else current
    if len(stack) >= 2:
        yield kind, []


def _tzid(lines: list[str]) -> str:
    return next((line[5:].strip() for line in lines if line.upper().startswith("TZID:")), "")


def _split(body: str) -> tuple[list[_Block], dict[str, list[str]], str]:
    """The VTODO blocks, the VTIMEZONE blocks by TZID, and the PRODID, as physical lines."""
    blocks: list[_Block] = []
    zones: dict[str, list[str]] = {}
    prodid = PRODID
    for kind, lines in _components(body):
        if kind == "VTODO":
            blocks.append(_Block(len(blocks), lines))
        elif kind == "VTIMEZONE" and lines:
            zones.setdefault(_tzid(lines), lines)
        elif not kind and lines[0].upper().startswith("PRODID:"):
            prodid = lines[0][7:]
    return blocks, zones, prodid


def _calendar(prodid: str) -> Calendar:
    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", prodid or PRODID)
    return calendar


def _todo(block: _Block, zones: dict[str, list[str]], prodid: str) -> tuple[Todo, str] | ItemError:
    if not block.lines:
        return ItemError(block.index, None, "invalid_icalendar", "BEGIN:VTODO without END:VTODO")
    text = "\r\n".join(block.lines)
    used = {match.group(1).strip() for match in _TZID.finditer(text)}
    wrapper = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{prodid}"]
    for tzid in sorted(used & zones.keys()):
        wrapper.extend(zones[tzid])
    wrapper.extend([*block.lines, "END:VCALENDAR", ""])
    try:
        calendar = Calendar.from_ical("\r\n".join(wrapper))
        todo = calendar.todos[0]
        _due_date(todo)  # a DUE icalendar cannot read fails here, not later
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        return ItemError(block.index, _uid_in(block.lines), "invalid_icalendar", str(exc)[:200])
    uid = str(todo.get("UID", "")).strip()
    if not uid:
        stable = [ln for ln in block.lines if not ln.upper().startswith(("DTSTAMP", "UID"))]
        uid = content_uid("\n".join(stable))
        todo.add("UID", uid)
    if len(uid) > UID_MAX or any(ord(ch) < 32 for ch in uid):
        return ItemError(block.index, uid[:UID_MAX], "invalid_uid")
    return todo, uid


def _uid_in(lines: list[str]) -> str | None:
    found = next((ln[4:].strip() for ln in lines if ln.upper().startswith("UID:")), None)
    return found[:UID_MAX] if found else None


def _finish(index: int, item: TodoItem, zones: dict[str, list[str]]) -> TodoItem | ItemError:
    """Check the mapping can be made and give every TZID its VTIMEZONE."""
    if not item.mapped().title:
        return ItemError(index, item.uid, "missing_summary")
    calendar = item.calendar
    for tzid in sorted(calendar.get_missing_tzids() & zones.keys()):
        zone = Calendar.from_ical("\r\n".join(["BEGIN:VCALENDAR", *zones[tzid], "END:VCALENDAR"]))
        calendar.add_component(zone.timezones[0])
    _add_zones(calendar)
    if calendar.get_missing_tzids():
        return ItemError(
            index, item.uid, "unknown_time_zone", ", ".join(calendar.get_missing_tzids())
        )
    _timezones_first(calendar)
    return item


def _add_zones(calendar: Calendar) -> None:
    years = [
        value.year
        for todo in calendar.todos
        for key in ("DUE", "DTSTART", "RECURRENCE-ID")
        if key in todo and isinstance(value := todo.decoded(key), datetime)
    ]
    if years:
        start = date(min(years), 1, 1)
        calendar.add_missing_timezones(start, date(max(years) + _TZ_YEARS_AHEAD, 1, 1))


def _timezones_first(calendar: Calendar) -> None:
    # RFC 5545 lets them come anywhere, but some clients read a TZID only once its zone is known.
    calendar.subcomponents.sort(key=lambda component: component.name != "VTIMEZONE")


def apply(item: TodoItem, old: TaskMapped, new: TaskMapped, now: datetime) -> TodoItem:
    """`item` with the mapped properties that changed rewritten in its master VTODO."""
    calendar = Calendar.from_ical(item.calendar.to_ical())
    result = TodoItem(uid=item.uid, calendar=calendar)
    todo = result.master()
    if old.title != new.title:
        _set(todo, "SUMMARY", new.title)
    if old.description != new.description:
        _set(todo, "DESCRIPTION", new.description)
    if old.status != new.status:
        _set_status(todo, new.status, now)
    if old.due_date != new.due_date:
        _set_due(todo, new.due_date)
        _add_zones(calendar)
        _timezones_first(calendar)
    _set(todo, "DTSTAMP", now)
    if "LAST-MODIFIED" in todo:
        _set(todo, "LAST-MODIFIED", now)
    return result


def _set(todo: Todo, name: str, value: object) -> None:
    todo.pop(name, None)
    if value is not None:
        todo.add(name, value)


def _set_status(todo: Todo, status: str, now: datetime) -> None:
    _set(todo, "STATUS", _TO_STATUS[status])
    if status == "done":
        if "COMPLETED" not in todo:  # Apple Reminders reads completion from this property
            todo.add("COMPLETED", now)
        if "PERCENT-COMPLETE" in todo:
            _set(todo, "PERCENT-COMPLETE", 100)
    else:
        todo.pop("COMPLETED", None)
        if "PERCENT-COMPLETE" in todo and status == "new":
            _set(todo, "PERCENT-COMPLETE", 0)


def _set_due(todo: Todo, due: date | None) -> None:
    """A new date keeps the time of day and zone of a date-time DUE; a date stays a date."""
    current = todo.decoded("DUE") if "DUE" in todo else None
    if due is not None and isinstance(current, datetime):
        _set(todo, "DUE", current.replace(year=due.year, month=due.month, day=due.day))
    else:
        _set(todo, "DUE", due)


def new_todo(uid: str, fields: TaskMapped, created: datetime, updated: datetime) -> TodoItem:
    """A VCALENDAR for a task that has none (created through REST)."""
    todo = Todo()
    todo.add("UID", uid)
    todo.add("DTSTAMP", updated.astimezone(UTC))
    todo.add("CREATED", created.astimezone(UTC))
    todo.add("LAST-MODIFIED", updated.astimezone(UTC))
    calendar = _calendar(PRODID)
    calendar.add_component(todo)
    item = TodoItem(uid=uid, calendar=calendar)
    # An empty status differs from every real one: the new VTODO always carries STATUS.
    return apply(item, TaskMapped(status=""), fields, updated.astimezone(UTC))


def combine(texts: Iterable[str], header: Iterable[str] = ()) -> str:
    """One VCALENDAR holding the components of many stored ones, each VTIMEZONE once.

    Works on the text, never parsing a task: exporting thousands stays cheap.
    """
    zones: dict[str, list[str]] = {}
    parts: list[str] = []
    for text in texts:
        for kind, lines in _components(text):
            if kind == "VTIMEZONE":
                zones.setdefault(_tzid(lines), lines)
            elif kind:
                parts.extend(lines)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", *header]
    for zone in zones.values():
        lines.extend(zone)
    lines.extend(parts)
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

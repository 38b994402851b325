"""The text of calendar feeds: birthdays as yearly all-day events, tasks on their due dates.

Written as text, not through `icalendar` objects: a phone polls a feed every few minutes, and
a thousand events must cost well under the 50 ms a feed may take.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from homebase.services.interchange import contentline as cl
from homebase.services.interchange.ical import PRODID, stamp

# The year of a year-less birthday's first occurrence: a leap year, so 29 February exists.
YEARLESS_YEAR = 2000
REFRESH = "PT6H"


@dataclass(frozen=True, slots=True)
class BirthdayEvent:
    uid: str
    summary: str
    month: int
    day: int
    year: int | None


@dataclass(frozen=True, slots=True)
class DueEvent:
    uid: str
    summary: str
    due: date
    description: str | None = None


def _header(name: str) -> list[str]:
    return [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *cl.fold(f"X-WR-CALNAME:{cl.escape(name)}"),
        *cl.fold(f"NAME:{cl.escape(name)}"),
        f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}",
        f"X-PUBLISHED-TTL:{REFRESH}",
    ]


def _all_day(uid: str, summary: str, start: date, moment: str) -> list[str]:
    return [
        "BEGIN:VEVENT",
        *cl.fold(f"UID:{uid}"),
        f"DTSTAMP:{moment}",
        f"DTSTART;VALUE=DATE:{start:%Y%m%d}",
        f"DTEND;VALUE=DATE:{start + timedelta(days=1):%Y%m%d}",
        *cl.fold(f"SUMMARY:{cl.escape(summary)}"),
        "TRANSP:TRANSPARENT",
    ]


def birthdays(name: str, events: Iterable[BirthdayEvent], generated: datetime) -> str:
    moment = stamp(generated)
    lines = _header(name)
    for event in events:
        start = date(event.year or YEARLESS_YEAR, event.month, event.day)
        lines.extend(_all_day(f"birthday-{event.uid}", event.summary, start, moment))
        if (event.month, event.day) == (2, 29):
            # SPEC §4: 29 February counts on 28 February in other years: the month's last day.
            lines.append("RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1")
        else:
            lines.append("RRULE:FREQ=YEARLY")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return cl.CRLF.join(lines) + cl.CRLF


def due_dates(name: str, events: Iterable[DueEvent], generated: datetime) -> str:
    moment = stamp(generated)
    lines = _header(name)
    for event in events:
        lines.extend(_all_day(f"task-{event.uid}", event.summary, event.due, moment))
        if event.description:
            lines.extend(cl.fold(f"DESCRIPTION:{cl.escape(event.description)}"))
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return cl.CRLF.join(lines) + cl.CRLF

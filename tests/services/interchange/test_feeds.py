"""Feed text, read back by two parsers that did not write it (icalendar and vobject)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import vobject
from icalendar import Calendar

from homebase.services.interchange import feeds
from homebase.services.interchange.feeds import BirthdayEvent, DueEvent

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)


def test_birthdays_are_yearly_all_day_events() -> None:
    text = feeds.birthdays(
        "Дни рождения",
        [
            BirthdayEvent("a", "Иван Петров", 4, 12, 1985),
            BirthdayEvent("b", "Мария; Иванова, мл.", 2, 28, None),
        ],
        NOW,
    )
    calendar = Calendar.from_ical(text)
    ivan, maria = calendar.events
    assert ivan.decoded("DTSTART") == date(1985, 4, 12)
    assert ivan.decoded("DTEND") == date(1985, 4, 13)
    assert str(ivan["SUMMARY"]) == "Иван Петров"
    assert ivan["RRULE"].to_ical() == b"FREQ=YEARLY"
    assert str(maria["SUMMARY"]) == "Мария; Иванова, мл."
    assert maria.decoded("DTSTART") == date(2000, 2, 28)
    assert str(calendar["X-WR-CALNAME"]) == "Дни рождения"
    assert len({str(event["UID"]) for event in calendar.events}) == 2


def test_leap_day_birthday_falls_on_28_february_in_other_years() -> None:
    text = feeds.birthdays("B", [BirthdayEvent("c", "Leap", 2, 29, 1992)], NOW)
    event = vobject.readOne(text).vevent
    dates = [moment.date() for moment in event.getrruleset(addRDate=True)[:6]]
    assert dates == [
        date(1992, 2, 29),
        date(1993, 2, 28),
        date(1994, 2, 28),
        date(1995, 2, 28),
        date(1996, 2, 29),
        date(1997, 2, 28),
    ]


def test_due_dates_feed() -> None:
    text = feeds.due_dates(
        "Tasks",
        [
            DueEvent("t1", "Steuern", date(2026, 4, 1), "Belege\nsammeln"),
            DueEvent("t2", "x", date(2026, 4, 2)),
        ],
        NOW,
    )
    events = vobject.readOne(text).vevent_list
    assert [event.dtstart.value for event in events] == [date(2026, 4, 1), date(2026, 4, 2)]
    assert events[0].description.value == "Belege\nsammeln"
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))

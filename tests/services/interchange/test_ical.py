"""VTODO reading, mapping and rewriting on real-world exports; output checked with vobject."""

from __future__ import annotations

from datetime import UTC, date, datetime

import vobject

from homebase.services.interchange import ical
from homebase.services.interchange.ical import TaskMapped
from tests.services.interchange.conftest import read_fixture

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)


def items(name: str) -> list[ical.TodoItem]:
    parsed = ical.parse_todos(read_fixture(name))
    assert parsed.errors == []
    return [item for _, item in parsed.items]


def reread(text: str) -> ical.TodoItem:
    parsed = ical.parse_todos(text)
    assert parsed.errors == []
    assert len(parsed.items) == 1
    return parsed.items[0][1]


def test_thunderbird_tasks_map_with_zones_and_keep_unknown_properties() -> None:
    taxes, bins = items("ical/thunderbird_tasks.ics")
    assert taxes.mapped() == TaskMapped(
        title="Steuererklärung abgeben",
        description="Belege sammeln\nElster-Zugang prüfen, dann abschicken",
        status="in_progress",
        due_date=date(2026, 4, 1),  # 00:30 in Berlin, still 31 March in UTC
    )
    text = taxes.text()
    for kept in ("BEGIN:VALARM", "X-MOZ-GENERATION:3", "CATEGORIES:Finanzen", "PRIORITY:1"):
        assert kept in text
    assert "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin" in text
    assert bins.mapped().due_date == date(2026, 3, 2)
    assert "RRULE:FREQ=WEEKLY;BYDAY=MO" in bins.text()
    assert "VTIMEZONE" not in bins.text()  # it uses no zone


def test_apple_reminders_completed_and_related_to() -> None:
    milk, bag = items("ical/apple_reminders.ics")
    assert milk.mapped().status == "done"
    assert milk.mapped().due_date == date(2026, 1, 4)  # 21:00 in New York
    assert milk.mapped().title == "Купить молоко"
    assert "X-APPLE-SORT-ORDER:123456789" in milk.text()
    assert "RELATED-TO;RELTYPE=PARENT:E3B8F1A2" in bag.text()
    assert bag.mapped().due_date is None


def test_tasks_org_utc_due_and_categories() -> None:
    doctor, internet = items("ical/tasks_org.ics")
    assert doctor.mapped().due_date == date(2026, 2, 15)
    assert doctor.mapped().status == "new"  # no STATUS at all
    assert "Здоров'я" in doctor.text()
    assert internet.mapped().due_date == date(2026, 2, 10)
    assert internet.uid == "5502935823561820491"


def test_broken_tasks_are_report_lines() -> None:
    parsed = ical.parse_todos(read_fixture("ical/broken.ics"))
    assert [(index, item.uid) for index, item in parsed.items] == [(3, "good-one")]
    assert [(e.index, e.uid, e.code) for e in parsed.errors] == [
        (0, "bad-due", "invalid_icalendar"),
        (1, "no-summary", "missing_summary"),
        (2, "unknown-zone", "unknown_time_zone"),
        (4, "good-one", "duplicate_uid"),
        (5, None, "invalid_icalendar"),
    ]


def test_hostile_bodies_never_raise() -> None:
    for body in ("", "garbage", "BEGIN:VCALENDAR", "BEGIN:VTODO\r\nEND:VTODO", "END:VTODO\r\n"):
        parsed = ical.parse_todos(body)
        assert len(parsed.items) <= 1


def test_a_task_without_uid_gets_a_stable_one() -> None:
    body = (
        "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:x\r\n"
        "END:VTODO\r\nEND:VCALENDAR\r\n"
    )
    first = reread(body)
    second = reread(body.replace("20260101T000000Z", "20260202T000000Z"))
    assert first.uid == second.uid
    assert f"UID:{first.uid}" in first.text()


def test_recurrence_overrides_stay_with_their_task() -> None:
    body = read_fixture("ical/tasks_org.ics").replace(
        "END:VCALENDAR",
        "BEGIN:VTODO\r\nUID:5502935823561820491\r\nRECURRENCE-ID:20260310T230000Z\r\n"
        "SUMMARY:Оплатити інтернет (березень)\r\nDTSTAMP:20260201T120000Z\r\nEND:VTODO\r\n"
        "END:VCALENDAR",
    )
    parsed = ical.parse_todos(body)
    assert parsed.errors == []
    internet = parsed.items[1][1]
    assert len(internet.calendar.todos) == 2
    assert internet.mapped().title == "Оплатити інтернет"


def test_rewrite_changes_mapped_properties_and_keeps_the_rest() -> None:
    taxes = items("ical/thunderbird_tasks.ics")[0]
    old = taxes.mapped()
    new = TaskMapped(title="Steuern", description=None, status="done", due_date=date(2026, 5, 2))
    text = ical.apply(taxes, old, new, NOW).text()
    assert reread(text).mapped() == new
    assert "DUE;TZID=Europe/Berlin:20260502T003000" in text  # time and zone kept
    assert "COMPLETED:20260305T120000Z" in text
    assert "PERCENT-COMPLETE:100" in text
    assert "DESCRIPTION:Belege" not in text
    assert "BEGIN:VALARM" in text and "X-MOZ-GENERATION:3" in text
    todo = vobject.readOne(text).vtodo
    assert todo.summary.value == "Steuern"
    assert todo.status.value == "COMPLETED"


def test_reopening_a_completed_reminder_removes_completed() -> None:
    milk = items("ical/apple_reminders.ics")[0]
    old = milk.mapped()
    text = ical.apply(milk, old, TaskMapped(old.title, None, "new", old.due_date), NOW).text()
    assert "COMPLETED:" not in text.replace("STATUS:", "")
    assert "STATUS:NEEDS-ACTION" in text
    assert "PERCENT-COMPLETE:0" in text


def test_new_todo_from_fields_is_read_back_by_an_independent_parser() -> None:
    fields = TaskMapped(
        title="Позвонить маме; купить хлеб, молоко",
        description="Строка 1\nСтрока 2",
        status="in_progress",
        due_date=date(2026, 3, 8),
    )
    created = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    item = ical.new_todo("task-1", fields, created, NOW)
    text = item.text()
    assert reread(text).mapped() == fields
    calendar = vobject.readOne(text)
    todo = calendar.vtodo
    assert todo.uid.value == "task-1"
    assert todo.summary.value == fields.title
    assert todo.description.value == fields.description
    assert todo.due.value == date(2026, 3, 8)
    assert todo.status.value == "IN-PROCESS"


def test_combine_merges_tasks_and_writes_each_zone_once() -> None:
    texts = [item.text() for item in items("ical/thunderbird_tasks.ics")]
    texts += [item.text() for item in items("ical/apple_reminders.ics")]
    texts += [texts[0]]
    combined = ical.combine(texts)
    assert combined.count("BEGIN:VTIMEZONE") == 2
    assert combined.count("BEGIN:VTODO") == 5
    calendar = vobject.readOne(combined)
    assert len(calendar.vtodo_list) == 5
    tzids = {tz.tzid.value for tz in calendar.vtimezone_list}
    assert tzids == {"Europe/Berlin", "America/New_York"}


def test_generated_zones_are_added_for_a_tzid_the_upload_did_not_describe() -> None:
    body = (
        "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:z\r\nSUMMARY:z\r\n"
        "DUE;TZID=Europe/Kyiv:20260301T003000\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
    )
    item = reread(body)
    assert "TZID:Europe/Kyiv" in item.text()
    assert item.mapped().due_date == date(2026, 3, 1)
    assert vobject.readOne(item.text()).vtimezone.tzid.value == "Europe/Kyiv"

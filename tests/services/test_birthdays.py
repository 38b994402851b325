"""Upcoming birthdays: the calendar rules with "today" injected, and the query on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from homebase.app_state import AppState
from homebase.core.errors import FieldError
from homebase.models import User
from homebase.schemas.contact import ContactCreate
from homebase.services import birthdays
from homebase.services.birthdays import (
    feb_29_folds,
    key_ranges,
    latest_today,
    next_birthday,
    today_in,
)
from homebase.services.contacts import create_contact
from tests.factories import Factory

# Every month-day, on a leap birth year so that 29 February is among them.
ALL_BIRTHDAYS = [date(2000, 1, 1) + timedelta(days=n) for n in range(366)]


def _in_ranges(key: int, ranges: list[tuple[int, int]]) -> bool:
    return any(low <= key <= high for low, high in ranges)


@pytest.mark.parametrize(
    ("birthday", "today", "expected"),
    [
        (date(1990, 5, 10), date(2027, 5, 10), date(2027, 5, 10)),
        (date(1990, 5, 10), date(2027, 5, 11), date(2028, 5, 10)),
        (date(1990, 1, 2), date(2027, 12, 30), date(2028, 1, 2)),
        (date(2000, 2, 29), date(2027, 1, 1), date(2027, 2, 28)),
        (date(2000, 2, 29), date(2027, 2, 28), date(2027, 2, 28)),
        (date(2000, 2, 29), date(2027, 3, 1), date(2028, 2, 29)),
        (date(2000, 2, 29), date(2028, 2, 28), date(2028, 2, 29)),
        (date(2000, 2, 29), date(2028, 3, 1), date(2029, 2, 28)),
        (date(1999, 2, 28), date(2028, 2, 28), date(2028, 2, 28)),
    ],
)
def test_next_birthday(birthday: date, today: date, expected: date) -> None:
    assert next_birthday(birthday, today) == expected


@pytest.mark.parametrize(
    ("today", "days", "expected"),
    [
        (date(2027, 5, 10), 0, [(510, 510)]),
        (date(2027, 5, 10), 7, [(510, 517)]),
        (date(2027, 12, 28), 7, [(1228, 1231), (101, 104)]),
        (date(2027, 12, 31), 1, [(1231, 1231), (101, 101)]),
        (date(2027, 2, 21), 7, [(221, 229)]),
        (date(2028, 2, 21), 7, [(221, 228)]),
        (date(2028, 2, 22), 7, [(222, 229)]),
        (date(2027, 2, 28), 0, [(228, 229)]),
        (date(2027, 3, 1), 364, [(301, 1231), (101, 228)]),
        (date(2028, 3, 1), 364, [(301, 1231), (101, 229)]),
        (date(2027, 3, 1), 365, [(101, 1231)]),
        (date(2027, 3, 1), 366, [(101, 1231)]),
    ],
)
def test_key_ranges(today: date, days: int, expected: list[tuple[int, int]]) -> None:
    assert key_ranges(today, days) == expected


@pytest.mark.parametrize("days", [0, 1, 7, 58, 300, 364, 365, 366])
def test_key_ranges_agree_with_next_birthday_every_day_of_two_years(days: int) -> None:
    """Brute force from the definition: a key is in range iff its next birthday is in time."""
    today = date(2027, 1, 1)
    while today <= date(2028, 12, 31):
        ranges = key_ranges(today, days)
        end = today + timedelta(days=days)
        for birthday in ALL_BIRTHDAYS:
            key = birthday.month * 100 + birthday.day
            assert _in_ranges(key, ranges) == (next_birthday(birthday, today) <= end), (
                today,
                days,
                key,
            )
        today += timedelta(days=1)


@pytest.mark.parametrize(
    ("today", "folds"),
    [
        (date(2027, 1, 5), True),
        (date(2027, 2, 28), True),
        (date(2027, 3, 1), False),
        (date(2028, 2, 29), False),
        (date(2028, 3, 1), True),
    ],
)
def test_feb_29_folds_onto_28_when_the_next_one_is_off_a_leap_year(
    today: date, folds: bool
) -> None:
    assert feb_29_folds(today) is folds


def test_today_depends_on_the_time_zone() -> None:
    now = datetime(2027, 12, 31, 23, 30, tzinfo=UTC)
    assert today_in(None, now) == date(2027, 12, 31)
    assert today_in("UTC", now) == date(2027, 12, 31)
    assert today_in("Europe/Kyiv", now) == date(2028, 1, 1)
    assert today_in("America/New_York", now) == date(2027, 12, 31)
    assert latest_today(now) == date(2028, 1, 1)


@pytest.mark.parametrize("tz", ["Mars/Olympus", "", "../../etc/passwd", "/etc/localtime", "utc "])
def test_unknown_time_zone_is_a_field_error(tz: str) -> None:
    with pytest.raises(FieldError) as caught:
        today_in(tz)
    assert caught.value.field == "tz"


async def _contacts(state: AppState, owner: User, born: dict[str, date]) -> None:
    async with state.sessionmaker() as session:
        for name, birthday in born.items():
            data = ContactCreate(
                first_name=name,
                last_name="Test",
                email=f"{name.lower()}@example.com",
                birthday=birthday,
            )
            await create_contact(session, owner, data, today=date(2030, 1, 1))
        await session.commit()


async def _upcoming(
    state: AppState, owner: User, today: date, days: int, limit: int = 100, offset: int = 0
) -> tuple[list[tuple[str, date, int]], int]:
    async with state.sessionmaker() as session:
        items, total = await birthdays.upcoming(
            session, owner, days=days, today=today, limit=limit, offset=offset
        )
    return [
        (item.contact.first_name, item.next_birthday, item.age_on_next_birthday) for item in items
    ], total


async def test_window_around_today(state: AppState, factory: Factory) -> None:
    owner = (await factory.user()).user
    await _contacts(
        state,
        owner,
        {
            "Yesterday": date(1990, 5, 9),
            "Today": date(1990, 5, 10),
            "Week": date(1991, 5, 17),
            "Eight": date(1992, 5, 18),
            "Soon": date(1993, 5, 12),
        },
    )
    await _contacts(state, (await factory.user()).user, {"Theirs": date(1990, 5, 11)})
    items, total = await _upcoming(state, owner, date(2027, 5, 10), 7)
    assert items == [
        ("Today", date(2027, 5, 10), 37),
        ("Soon", date(2027, 5, 12), 34),
        ("Week", date(2027, 5, 17), 36),
    ]
    assert total == 3
    assert [name for name, *_ in (await _upcoming(state, owner, date(2027, 5, 10), 0))[0]] == [
        "Today"
    ]


async def test_window_across_the_new_year(state: AppState, factory: Factory) -> None:
    owner = (await factory.user()).user
    await _contacts(
        state,
        owner,
        {
            "Jan5": date(1980, 1, 5),
            "Jan1": date(1980, 1, 1),
            "Dec31": date(1980, 12, 31),
            "Dec27": date(1980, 12, 27),
            "Dec28": date(1980, 12, 28),
            "Jan4": date(2000, 1, 4),
        },
    )
    items, total = await _upcoming(state, owner, date(2027, 12, 28), 7)
    assert items == [
        ("Dec28", date(2027, 12, 28), 47),
        ("Dec31", date(2027, 12, 31), 47),
        ("Jan1", date(2028, 1, 1), 48),
        ("Jan4", date(2028, 1, 4), 28),
    ]
    assert total == 4


async def test_feb_29_counts_on_feb_28_in_other_years(state: AppState, factory: Factory) -> None:
    owner = (await factory.user()).user
    await _contacts(
        state,
        owner,
        {
            "Leapling": date(2000, 2, 29),
            "Anna": date(1990, 2, 28),
            "Zoe": date(1991, 2, 28),
            "March": date(1990, 3, 1),
        },
    )
    non_leap, _ = await _upcoming(state, owner, date(2027, 2, 27), 1)
    assert non_leap == [
        ("Anna", date(2027, 2, 28), 37),
        ("Leapling", date(2027, 2, 28), 27),
        ("Zoe", date(2027, 2, 28), 36),
    ]
    on_the_day, _ = await _upcoming(state, owner, date(2027, 2, 28), 0)
    assert [name for name, *_ in on_the_day] == ["Anna", "Leapling", "Zoe"]
    leap, _ = await _upcoming(state, owner, date(2028, 2, 27), 1)
    assert [name for name, *_ in leap] == ["Anna", "Zoe"]
    leap_day, _ = await _upcoming(state, owner, date(2028, 2, 27), 3)
    assert [name for name, *_ in leap_day] == ["Anna", "Zoe", "Leapling", "March"]
    assert leap_day[2] == ("Leapling", date(2028, 2, 29), 28)
    after, _ = await _upcoming(state, owner, date(2027, 3, 1), 7)
    assert [name for name, *_ in after] == ["March"]


async def test_a_full_year_lists_everyone_with_a_birthday_once_soonest_first(
    state: AppState, factory: Factory
) -> None:
    owner = (await factory.user()).user
    await _contacts(
        state,
        owner,
        {"Feb": date(1990, 2, 1), "Leapling": date(2000, 2, 29), "Oct": date(1990, 10, 1)},
    )
    async with state.sessionmaker() as session:
        data = ContactCreate(first_name="NoBirthday", last_name="X", email="nb@example.com")
        await create_contact(session, owner, data)
        await session.commit()
    items, total = await _upcoming(state, owner, date(2027, 3, 1), 366)
    assert items == [
        ("Oct", date(2027, 10, 1), 37),
        ("Feb", date(2028, 2, 1), 38),
        ("Leapling", date(2028, 2, 29), 28),
    ]
    assert total == 3
    page, total = await _upcoming(state, owner, date(2027, 3, 1), 366, limit=1, offset=1)
    assert [name for name, *_ in page] == ["Feb"] and total == 3


async def test_every_window_is_soonest_first_then_by_name(
    state: AppState, factory: Factory
) -> None:
    """Two contacts on every month-day, the later name written first: whichever order the query
    takes (the index's own, or the sorted one over the year end and a folded 29 February), the
    page is what sorting by next celebration, then name, gives."""
    owner = (await factory.user()).user
    born = {}
    for birthday in ALL_BIRTHDAYS:
        born[f"Z{birthday:%m%d}"] = birthday
        born[f"A{birthday:%m%d}"] = birthday
    await _contacts(state, owner, born)
    edges = [date(2027, 2, 20), date(2027, 2, 28), date(2027, 12, 26), date(2028, 2, 22)]
    todays = [*edges, *(date(2027, 1, 3) + timedelta(days=n) for n in range(0, 731, 61))]
    for today in todays:
        for days in (7, 45, 366):
            items, total = await _upcoming(state, owner, today, days, limit=100)
            end = today + timedelta(days=days)
            due = sorted(
                (next_birthday(birthday, today), name)
                for name, birthday in born.items()
                if next_birthday(birthday, today) <= end
            )
            assert [(name, when) for name, when, _ in items] == [
                (name, when) for when, name in due[:100]
            ], (today, days)
            assert total == len(due)


@pytest.mark.parametrize("days", [-1, 367])
async def test_days_out_of_range_is_a_field_error(
    state: AppState, factory: Factory, days: int
) -> None:
    owner = (await factory.user()).user
    async with state.sessionmaker() as session:
        with pytest.raises(FieldError) as caught:
            await birthdays.upcoming(session, owner, days=days, limit=10, offset=0)
    assert caught.value.field == "days"


async def test_future_birthday_is_refused_with_today_injected(
    state: AppState, factory: Factory
) -> None:
    owner = (await factory.user()).user
    data = ContactCreate(
        first_name="A", last_name="B", email="ab@example.com", birthday=date(2027, 5, 11)
    )
    async with state.sessionmaker() as session:
        with pytest.raises(FieldError) as caught:
            await create_contact(session, owner, data, today=date(2027, 5, 10))
        assert caught.value.field == "birthday"
        contact = await create_contact(session, owner, data, today=date(2027, 5, 11))
        assert contact.birthday_key == 511

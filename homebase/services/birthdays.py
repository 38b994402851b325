"""Upcoming birthdays: the calendar rules as pure functions of "today", and the indexed query.

A birthday is stored with its key `month * 100 + day`; the window today … today+days becomes
one or two key ranges (two when it wraps the year end), searched through the
(user_id, birthday_key) index. A 29 February birthday counts on 28 February in other years.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import ColumnElement, Select, case, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.core.errors import FieldError
from homebase.models import Contact, User
from homebase.services.paging import offset_page

FEB_29 = 229
FEB_28 = 228
YEAR_START = 101
YEAR_END = 1231
MAX_DAYS = 366
_LEAP_YEAR = 2000
# The last time zone to leave a date behind: a date that has begun nowhere is in the future.
_LATEST_OFFSET = timedelta(hours=14)


def birthday_key(birthday: date) -> int:
    return birthday.month * 100 + birthday.day


def occurrence(birthday: date, year: int) -> date:
    """The day `birthday` is celebrated in `year` (28 February for 29 February off leap years)."""
    if (birthday.month, birthday.day) == (2, 29) and not calendar.isleap(year):
        return date(year, 2, 28)
    return birthday.replace(year=year)


def next_birthday(birthday: date, today: date) -> date:
    """The first celebration of `birthday` on or after `today`."""
    this_year = occurrence(birthday, today.year)
    return this_year if this_year >= today else occurrence(birthday, today.year + 1)


def age_on(birthday: date, celebration: date) -> int:
    return celebration.year - birthday.year


def key_ranges(today: date, days: int) -> list[tuple[int, int]]:
    """The inclusive `birthday_key` ranges whose next celebration falls in today … today+days."""
    end = today + timedelta(days=days)
    if days >= 365:
        return [(YEAR_START, YEAR_END)]
    start_key, end_key = birthday_key(today), birthday_key(end)
    if end_key == FEB_28 and not calendar.isleap(end.year):
        end_key = FEB_29
    if end.year == today.year:
        return [(start_key, end_key)]
    return [(start_key, YEAR_END), (YEAR_START, end_key)]


def feb_29_folds(today: date) -> bool:
    """Whether the next 29 February birthday from `today` is celebrated on 28 February."""
    year = today.year if birthday_key(today) <= FEB_29 else today.year + 1
    return not calendar.isleap(year)


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def today_in(tz: str | None, now: datetime | None = None) -> date:
    """Today's date in the IANA zone `tz` (UTC when None); 422 for an unknown zone."""
    now = now or datetime.now(UTC)
    if tz is None:
        return now.astimezone(UTC).date()
    if tz not in _zone_names():
        raise FieldError("tz", "unknown_time_zone")
    return now.astimezone(ZoneInfo(tz)).date()


def latest_today(now: datetime | None = None) -> date:
    """The latest date already begun somewhere on Earth (UTC+14)."""
    return ((now or datetime.now(UTC)).astimezone(UTC) + _LATEST_OFFSET).date()


@dataclass(frozen=True, slots=True)
class UpcomingBirthday:
    contact: Contact
    next_birthday: date
    age_on_next_birthday: int | None  # None for a birthday without a year


def _upcoming(contact: Contact, today: date) -> UpcomingBirthday:
    if contact.birthday is not None:
        celebration = next_birthday(contact.birthday, today)
        return UpcomingBirthday(contact, celebration, age_on(contact.birthday, celebration))
    key = contact.birthday_key or FEB_28  # the key range implies one
    # A year-less birthday: any leap year places it, 29 February included; the age is unknown.
    celebration = next_birthday(date(_LEAP_YEAR, key // 100, key % 100), today)
    return UpcomingBirthday(contact, celebration, None)


def _in_window(owner_id: int, today: date, days: int) -> Select[Contact]:
    key = Contact.birthday_key
    in_window = or_(*(key.between(low, high) for low, high in key_ranges(today, days)))
    return select(Contact).where(Contact.user_id == owner_id, in_window)


def soonest_first(today: date, days: int) -> tuple[ColumnElement[Any], ...]:
    """Soonest first, then by name. Within one key range that holds no folded 29 February the
    order is the birthday index's own (key, names, id), so a page is read off the index in
    order; a window over the year end, or over a folded 28/29 February, sorts its keys."""
    key = Contact.birthday_key.expression
    names = (Contact.last_name.expression, Contact.first_name.expression, Contact.id.expression)
    ranges = key_ranges(today, days)
    wrapping = len(ranges) > 1 or ranges[0] != (birthday_key(today), ranges[0][1])
    folding = feb_29_folds(today) and any(low <= FEB_28 <= high for low, high in ranges)
    if not wrapping and not folding:
        return (key, *names)
    # Keys before today's come after the year end; one 29 February key may share 28 February.
    wraps = case((key >= birthday_key(today), 0), else_=1)
    day = case((key == FEB_29, FEB_28), else_=key) if folding else key
    return (wraps, day, *names)


def upcoming_query(owner_id: int, today: date, days: int) -> Select[Contact]:
    """The owner's contacts celebrating in today … today+days: soonest first, then by name."""
    return _in_window(owner_id, today, days).order_by(*soonest_first(today, days))


async def upcoming(
    session: AsyncSession,
    owner: User,
    *,
    days: int,
    limit: int,
    offset: int,
    tz: str | None = None,
    today: date | None = None,
) -> tuple[list[UpcomingBirthday], int]:
    """The owner's contacts whose next birthday falls in today … today+days, soonest first."""
    if not 0 <= days <= MAX_DAYS:
        raise FieldError("days", "days_out_of_range", max=MAX_DAYS)
    today = today or today_in(tz)
    query, ordering = _in_window(owner.id, today, days), soonest_first(today, days)
    # Every contact in the window is sorted: the ids come from the birthday index alone.
    rows, total = await offset_page(session, query, ordering, limit, offset, Contact.id.expression)
    items = []
    for contact in rows:
        items.append(_upcoming(contact, today))
    return items, total

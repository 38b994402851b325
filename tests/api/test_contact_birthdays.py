"""GET /contacts/birthdays over HTTP. The calendar rules themselves are tested with an injected
"today" in tests/services/test_birthdays.py; here the dates are relative to the real clock,
with margins so that a run across midnight gives the same answer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from pydantic import TypeAdapter

from homebase.app_state import AppState
from homebase.models import Contact
from homebase.schemas.contact import ContactBirthday, ContactPublic
from tests.factories import Factory, UserHandle

URL = "/contacts/birthdays"


def born(day: date, year: int = 1992) -> date:
    return day.replace(year=year)  # 1992 is a leap year: 29 February works too


async def add(client: httpx.AsyncClient, user: UserHandle, name: str, birthday: date) -> None:
    response = await client.post(
        "/contacts",
        json={
            "first_name": name,
            "last_name": "Test",
            "email": f"{name.lower()}@example.com",
            "birthday": birthday.isoformat(),
        },
        headers=user.bearer,
    )
    assert response.status_code == 201, response.text


async def names(client: httpx.AsyncClient, user: UserHandle, **params: Any) -> list[str]:
    response = await client.get(URL, params=params, headers=user.bearer)
    assert response.status_code == 200, response.text
    return [item["first_name"] for item in response.json()]


async def test_upcoming_birthdays_soonest_first_with_next_date_and_age(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user, other = await factory.user(), await factory.user()
    today = datetime.now(UTC).date()
    in_two, in_four = today + timedelta(days=2), today + timedelta(days=4)
    await add(client, user, "Later", born(in_four, 1980))
    await add(client, user, "Sooner", born(in_two))
    await add(client, user, "Past", born(today - timedelta(days=3)))
    await add(client, user, "Far", born(today + timedelta(days=20)))
    await add(client, other, "Theirs", born(in_two))
    response = await client.get(URL, headers=user.bearer)
    assert response.status_code == 200
    items = response.json()
    assert [item["first_name"] for item in items] == ["Sooner", "Later"]
    assert items[0]["next_birthday"] == in_two.isoformat()
    assert items[0]["age_on_next_birthday"] == in_two.year - 1992
    assert items[1]["age_on_next_birthday"] == in_four.year - 1980
    assert {"id", "email", "birthday", "user_id"} <= set(items[0])
    assert response.headers["X-Total-Count"] == "2"


async def test_days_widens_the_window_and_pages(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    today = datetime.now(UTC).date()
    for offset in (2, 20, 200):
        await add(client, user, f"In{offset}", born(today + timedelta(days=offset)))
    assert await names(client, user, days=30) == ["In2", "In20"]
    assert await names(client, user, days=366) == ["In2", "In20", "In200"]
    response = await client.get(URL, params={"days": 366, "limit": 1}, headers=user.bearer)
    assert response.headers["X-Total-Count"] == "3"
    assert 'rel="next"' in response.headers["Link"]
    assert [item["first_name"] for item in response.json()] == ["In2"]


@pytest.mark.parametrize("days", ["0", "366"])
async def test_days_bounds_are_accepted(
    client: httpx.AsyncClient, factory: Factory, days: str
) -> None:
    user = await factory.user()
    response = await client.get(URL, params={"days": days}, headers=user.bearer)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"days": "-1"},
        {"days": "367"},
        {"days": "seven"},
        {"days": str(2**64)},
        {"tz": "Mars/Olympus"},
        {"tz": "Europe/Kyiv\x00"},
        {"tz": "../../../etc/passwd"},
        {"tz": "x" * 65},
        {"limit": "101"},
    ],
)
async def test_bad_parameters_are_422(
    client: httpx.AsyncClient, factory: Factory, params: dict[str, str]
) -> None:
    user = await factory.user()
    response = await client.get(URL, params=params, headers=user.bearer)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == next(iter(params))


async def test_time_zone_decides_what_today_is(client: httpx.AsyncClient, factory: Factory) -> None:
    """Kiritimati (UTC+14) is always a day or two ahead of Pago Pago (UTC−11)."""
    user = await factory.user()
    east, west = ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Pacific/Pago_Pago")
    for _attempt in range(2):  # the east's date may turn during the requests: then again
        east_today = datetime.now(east).date()
        await add(client, user, f"East{east_today:%Y%m%d}", born(east_today))
        in_east = await names(client, user, days=0, tz="Pacific/Kiritimati")
        in_west = await names(client, user, days=0, tz="Pacific/Pago_Pago")
        soon_in_west = await names(client, user, days=2, tz="Pacific/Pago_Pago")
        if datetime.now(east).date() == east_today:
            break
    name = f"East{east_today:%Y%m%d}"
    assert name in in_east
    assert name not in in_west
    assert name in soon_in_west
    assert datetime.now(west).date() < east_today


async def test_birthdays_is_not_taken_for_a_contact_id(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    response = await client.get(URL, headers=user.bearer)
    assert response.status_code == 200 and response.json() == []


async def test_the_list_is_the_schemas_own_json(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    """The route writes its JSON straight from the rows: byte for byte what `ContactBirthday`
    makes of the same contacts, a year-less birthday, a phone, notes and no phone included."""
    user = await factory.user()
    today = datetime.now(UTC).date()
    await add(client, user, "Plain", born(today + timedelta(days=2)))
    soon = today + timedelta(days=3)
    created = await client.post(
        "/contacts",
        json={
            "first_name": "Ёлка",
            "last_name": "Tree",
            "email": "tree@example.com",
            "phone": "+7 900 100-20-30",
            "extra": 'notes with "quotes" and \\ backslash',
            "birthday": f"--{soon:%m-%d}",
        },
        headers=user.bearer,
    )
    assert created.status_code == 201, created.text
    response = await client.get(URL, headers=user.bearer)
    assert response.status_code == 200
    items = response.json()
    assert len(items) == 2
    expected = []
    async with state.sessionmaker() as session:
        for item in items:
            contact = await session.get(Contact, item["id"])
            assert contact is not None
            expected.append(
                ContactBirthday(
                    **ContactPublic.model_validate(contact).model_dump(),
                    next_birthday=item["next_birthday"],
                    age_on_next_birthday=item["age_on_next_birthday"],
                )
            )
    assert any(item.birthday == f"--{soon:%m-%d}" for item in expected)
    assert response.content == TypeAdapter(list[ContactBirthday]).dump_json(expected)

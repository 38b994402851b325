"""Contacts: CRUD, validation, duplicates, search, ownership, ETags (SPEC §2, §4)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from homebase.app_state import AppState
from tests.factories import Factory, UserHandle
from tests.support import executed

IVAN = {"first_name": "Иван", "last_name": "Петров", "email": "Ivan.Petrov@Example.com"}


def body(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
    }
    data.update(fields)
    return data


async def add(client: httpx.AsyncClient, user: UserHandle, **fields: Any) -> dict[str, Any]:
    response = await client.post("/contacts", json=body(**fields), headers=user.bearer)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_create_returns_contact_with_etag_and_location(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    response = await client.post(
        "/contacts",
        json=body(
            email="Ada@Example.COM",
            phone="  +7 900 100-20-30 ",
            birthday="1815-12-10",
            extra="Analyst",
        ),
        headers=user.bearer,
    )
    assert response.status_code == 201
    contact = response.json()
    assert contact["email"] == "ada@example.com"
    assert contact["phone"] == "+7 900 100-20-30"
    assert contact["birthday"] == "1815-12-10"
    assert contact["extra"] == "Analyst"
    assert contact["user_id"] == user.id
    assert "search_text" not in contact and "version" not in contact
    assert response.headers["Location"] == f"/contacts/{contact['id']}"
    assert response.headers["ETag"] == f'"{contact["id"]}-1"'


async def test_create_with_basic_credentials(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    response = await client.post("/contacts", json=body(), headers=user.basic)
    assert response.status_code == 201


async def test_optional_fields_may_be_left_out_or_blank(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    contact = await add(client, user, phone="  ", birthday=None)
    assert contact["phone"] is None and contact["birthday"] is None and contact["extra"] is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"first_name": None}, "first_name"),
        ({"first_name": "  "}, "first_name"),
        ({"last_name": "x" * 101}, "last_name"),
        ({"email": "not-an-email"}, "email"),
        ({"email": None}, "email"),
        ({"phone": "12-34"}, "phone"),
        ({"phone": "1" * 16}, "phone"),
        ({"extra": "x" * 2001}, "extra"),
        ({"birthday": "1990-02-30"}, "birthday"),
        ({"birthday": "yesterday"}, "birthday"),
        ({"user_id": 2**31}, "user_id"),
    ],
)
async def test_create_invalid_field_is_422(
    client: httpx.AsyncClient, factory: Factory, fields: dict[str, Any], field: str
) -> None:
    user = await factory.user()
    response = await client.post("/contacts", json=body(**fields), headers=user.bearer)
    assert response.status_code == 422
    payload = response.json()
    assert payload["code"] == "validation_error"
    assert field in [error["field"] for error in payload["errors"]]


async def test_extra_of_2000_characters_is_accepted(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    contact = await add(client, user, extra="я" * 2000)
    assert len(contact["extra"]) == 2000


async def test_birthday_in_the_future_is_422(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    future = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    response = await client.post(
        "/contacts",
        json=body(birthday=future),
        headers={**user.bearer, "Accept-Language": "ru"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "birthday", "message": "День рождения не может быть в будущем"}
    ]


async def test_birthday_today_is_accepted(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    today = datetime.now(UTC).date().isoformat()
    assert (await add(client, user, birthday=today))["birthday"] == today


async def test_duplicate_email_is_409_case_insensitive(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    await add(client, user, email="ada@example.com")
    response = await client.post(
        "/contacts", json=body(email="ADA@example.com"), headers=user.bearer
    )
    assert response.status_code == 409
    assert response.json() == {
        "result": "error",
        "code": "contact_email_taken",
        "message": "You already have a contact with this email",
    }


async def test_same_email_under_another_owner_is_fine(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    first, second = await factory.user(), await factory.user()
    await add(client, first, email="ada@example.com")
    await add(client, second, email="ada@example.com")


async def test_concurrent_creates_of_one_email_give_one_201(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    responses = await asyncio.gather(
        *(
            client.post("/contacts", json=body(first_name=f"N{n}"), headers=user.bearer)
            for n in range(10)
        )
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 9
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"contact_email_taken"}
    listed = await client.get("/contacts", headers=user.bearer)
    assert listed.headers["X-Total-Count"] == "1"


async def test_list_shows_own_contacts_by_name_with_paging(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user, other = await factory.user(), await factory.user()
    for first, last in [("Carl", "Zeiss"), ("Ada", "Byron"), ("Alan", "Byron"), ("Bo", "Ames")]:
        await add(client, user, first_name=first, last_name=last, email=f"{first}@example.com")
    await add(client, other, email="theirs@example.com")
    response = await client.get("/contacts?limit=2", headers=user.bearer)
    assert response.status_code == 200
    assert [(c["first_name"], c["last_name"]) for c in response.json()] == [
        ("Bo", "Ames"),
        ("Ada", "Byron"),
    ]
    assert response.headers["X-Total-Count"] == "4"
    assert 'rel="next"' in response.headers["Link"]
    second = await client.get("/contacts?limit=2&offset=2", headers=user.bearer)
    assert [c["first_name"] for c in second.json()] == ["Alan", "Carl"]
    assert 'rel="prev"' in second.headers["Link"]


async def test_search_pages_count_every_match_in_the_page_query(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    """On PostgreSQL a search's offset page counts its matches in the query that reads the
    page (one pass over the matches); SQLite, which reads the page in its index's order, counts
    them apart. On every page and past the last one; another owner's matches are not
    counted."""
    user, other = await factory.user(), await factory.user()
    for first, last in [("Anna", "Zeiss"), ("Hanna", "Byron"), ("Ann", "Ames"), ("Bo", "Lind")]:
        await add(client, user, first_name=first, last_name=last, email=f"{first}@example.com")
    await add(client, other, first_name="Anne", last_name="Other")
    pages = {}
    for offset in (0, 2, 3, 9):
        with executed(state) as statements:
            response = await client.get(
                f"/contacts?q=ann&limit=2&offset={offset}", headers=user.bearer
            )
        assert response.status_code == 200, response.text
        assert response.headers["X-Total-Count"] == "3"
        pages[offset] = [c["last_name"] for c in response.json()]
        counts = [sql.lower() for sql in statements if "count(" in sql.lower()]
        windowed = [sql for sql in counts if "over ()" in sql]
        if state.engine.dialect.name == "postgresql":
            # Past the last match no row carries the count: it is counted on its own.
            assert len(windowed) == 1, statements
            assert len(counts) - 1 == (0 if pages[offset] else 1), statements
        else:
            assert (len(windowed), len(counts)) == (0, 1), statements
    assert pages == {0: ["Ames", "Byron"], 2: ["Zeiss"], 3: [], 9: []}


@pytest.fixture
async def people(client: httpx.AsyncClient, factory: Factory) -> UserHandle:
    """A user with a Cyrillic, a German and two English contacts."""
    user = await factory.user()
    await add(client, user, **IVAN)
    await add(client, user, first_name="Jürgen", last_name="STRAẞE", email="j@example.de")
    await add(client, user, first_name="Ada", last_name="Lovelace", email="ada@analytical.org")
    await add(client, user, first_name="Grace", last_name="Hopper", email="grace@navy.mil")
    return user


async def search(client: httpx.AsyncClient, user: UserHandle, **params: str) -> list[str]:
    response = await client.get("/contacts", params=params, headers=user.bearer)
    assert response.status_code == 200, response.text
    assert response.headers["X-Total-Count"] == str(len(response.json()))
    return sorted(contact["last_name"] for contact in response.json())


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("иВАН", ["Петров"]),
        ("петр", ["Петров"]),
        ("ПЕТРОВ", ["Петров"]),
        ("Иван Петров", ["Петров"]),
        ("петров иван", ["Петров"]),
        ("ivan.petrov@", ["Петров"]),
        ("EXAMPLE", ["STRAẞE", "Петров"]),
        ("strasse", ["STRAẞE"]),
        ("JÜRG", ["STRAẞE"]),
        ("love", ["Lovelace"]),
        ("A", ["Hopper", "Lovelace", "STRAẞE", "Петров"]),
        ("grace navy", ["Hopper"]),
        ("grace lovelace", []),
        ("%", []),
        ("_", []),
        ("nobody", []),
        ("   ", ["Hopper", "Lovelace", "STRAẞE", "Петров"]),
    ],
)
async def test_search_q_is_partial_and_case_insensitive_in_every_script(
    client: httpx.AsyncClient, people: UserHandle, q: str, found: list[str]
) -> None:
    assert await search(client, people, q=q) == found


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"first_name": "иван"}, ["Петров"]),
        ({"first_name": "ПЕТР"}, []),
        ({"last_name": "петр"}, ["Петров"]),
        ({"last_name": "иван"}, []),
        ({"email": "IVAN"}, ["Петров"]),
        ({"email": "petrov"}, ["Петров"]),
        ({"email": "Lovelace"}, []),
        ({"first_name": "a", "last_name": "o"}, ["Hopper", "Lovelace"]),
        ({"first_name": "a", "q": "navy"}, ["Hopper"]),
        ({"email": ".org"}, ["Lovelace"]),
    ],
)
async def test_field_filters_match_only_their_field(
    client: httpx.AsyncClient, people: UserHandle, params: dict[str, str], found: list[str]
) -> None:
    assert await search(client, people, **params) == found


async def test_search_never_shows_other_users_contacts(
    client: httpx.AsyncClient, factory: Factory, people: UserHandle
) -> None:
    stranger = await factory.user()
    assert await search(client, stranger, q="иван") == []


async def test_search_with_like_wildcards_is_literal(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    await add(client, user, first_name="100%", last_name="Sure", email="a_b@example.com")
    await add(client, user, first_name="1000", last_name="Other", email="axb@example.com")
    assert await search(client, user, q="0%") == ["Sure"]
    assert await search(client, user, q="a_b") == ["Sure"]
    assert await search(client, user, q="\\") == []


async def test_a_separator_inside_a_name_does_not_leak_into_other_fields(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    await add(client, user, first_name="Ann\x1fSmith", last_name="Jones", email="a@example.com")
    assert await search(client, user, first_name="ann smith") == ["Jones"]
    assert await search(client, user, last_name="smith") == []
    assert await search(client, user, first_name="smith\x1fjones") == []


async def test_read_update_delete_own_contact(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    contact = await add(client, user, phone="+1 555 0100 200", birthday="1990-05-01")
    url = f"/contacts/{contact['id']}"
    assert (await client.get(url, headers=user.bearer)).json() == contact

    patched = await client.patch(url, json={"extra": "note"}, headers=user.bearer)
    assert patched.status_code == 200
    assert patched.json()["extra"] == "note"
    assert patched.json()["phone"] == "+1 555 0100 200"

    replaced = await client.put(url, json=body(first_name="Augusta"), headers=user.bearer)
    assert replaced.status_code == 200
    assert replaced.json()["first_name"] == "Augusta"
    assert replaced.json()["phone"] is None and replaced.json()["birthday"] is None
    assert replaced.json()["extra"] is None

    assert (await client.delete(url, headers=user.bearer)).status_code == 204
    assert (await client.get(url, headers=user.bearer)).status_code == 404
    assert (await client.delete(url, headers=user.bearer)).status_code == 404


async def test_update_keeps_search_in_step(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    contact = await add(client, user, **IVAN)
    await client.patch(
        f"/contacts/{contact['id']}", json={"first_name": "Степан"}, headers=user.bearer
    )
    assert await search(client, user, q="иван") == []
    assert await search(client, user, q="СТЕПАН") == ["Петров"]


async def test_put_without_a_required_field_is_422(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    contact = await add(client, user)
    response = await client.put(
        f"/contacts/{contact['id']}",
        json={"first_name": "Ada", "last_name": "Lovelace"},
        headers=user.bearer,
    )
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["email"]


@pytest.mark.parametrize(
    "fields",
    [{"first_name": None}, {"email": None}, {"email": "bad"}, {"birthday": "2999-01-01"}],
)
async def test_patch_invalid_is_422_and_changes_nothing(
    client: httpx.AsyncClient, factory: Factory, fields: dict[str, Any]
) -> None:
    user = await factory.user()
    contact = await add(client, user)
    url = f"/contacts/{contact['id']}"
    response = await client.patch(url, json=fields, headers=user.bearer)
    assert response.status_code == 422
    assert (await client.get(url, headers=user.bearer)).json() == contact


async def test_patch_may_clear_optional_fields(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    contact = await add(client, user, phone="+1 555 0100 200", birthday="1990-05-01")
    response = await client.patch(
        f"/contacts/{contact['id']}", json={"phone": None, "birthday": None}, headers=user.bearer
    )
    assert response.json()["phone"] is None and response.json()["birthday"] is None


async def test_changing_email_to_a_taken_one_is_409(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    await add(client, user, email="one@example.com")
    second = await add(client, user, email="two@example.com")
    url = f"/contacts/{second['id']}"
    for method in ("patch", "put"):
        response = await client.request(
            method, url, json=body(email="ONE@example.com"), headers=user.bearer
        )
        assert response.status_code == 409
        assert response.json()["code"] == "contact_email_taken"
    same = await client.patch(url, json={"email": "Two@Example.com"}, headers=user.bearer)
    assert same.status_code == 200


async def test_user_id_in_body_is_ignored_for_normal_users(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user, other = await factory.user(), await factory.user()
    contact = await add(client, user, user_id=other.id)
    assert contact["user_id"] == user.id
    patched = await client.patch(
        f"/contacts/{contact['id']}", json={"user_id": other.id}, headers=user.bearer
    )
    assert patched.json()["user_id"] == user.id
    assert (await client.get("/contacts", headers=other.bearer)).json() == []


async def test_admin_may_file_and_move_contacts_for_others(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin, user, other = await factory.admin(), await factory.user(), await factory.user()
    contact = await add(client, admin, user_id=user.id)
    assert contact["user_id"] == user.id
    assert [c["id"] for c in (await client.get("/contacts", headers=user.bearer)).json()] == [
        contact["id"]
    ]
    moved = await client.patch(
        f"/contacts/{contact['id']}", json={"user_id": other.id}, headers=admin.bearer
    )
    assert moved.json()["user_id"] == other.id
    missing = await client.post("/contacts", json=body(user_id=2**31 - 1), headers=admin.bearer)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "user_id"


async def test_admin_moving_a_contact_onto_a_taken_email_is_409(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin, user, other = await factory.admin(), await factory.user(), await factory.user()
    contact = await add(client, user, email="same@example.com")
    await add(client, other, email="same@example.com")
    response = await client.patch(
        f"/contacts/{contact['id']}", json={"user_id": other.id}, headers=admin.bearer
    )
    assert response.status_code == 409


async def test_deleting_the_owner_deletes_their_contacts(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin, user = await factory.admin(), await factory.user()
    contact = await add(client, user)
    assert (await client.delete(f"/users/{user.id}", headers=admin.bearer)).status_code == 204
    assert (await client.get(f"/contacts/{contact['id']}", headers=admin.bearer)).status_code == 404


ONE = "/contacts/{id}"
# (method, path, body, status for the owner or an admin)
ENDPOINTS = [
    ("GET", "/contacts", None, 200),
    ("POST", "/contacts", body(email="new@example.com"), 201),
    ("GET", "/contacts/birthdays", None, 200),
    ("GET", ONE, None, 200),
    ("PUT", ONE, body(first_name="Changed"), 200),
    ("PATCH", ONE, {"first_name": "Changed"}, 200),
    ("DELETE", ONE, None, 204),
]
SINGLE = [endpoint for endpoint in ENDPOINTS if endpoint[1] == ONE]


@pytest.mark.parametrize(("method", "path", "payload", "expected"), ENDPOINTS)
async def test_every_endpoint_needs_credentials_and_serves_the_owner(
    client: httpx.AsyncClient,
    factory: Factory,
    method: str,
    path: str,
    payload: dict[str, Any] | None,
    expected: int,
) -> None:
    owner = await factory.user()
    contact = await add(client, owner)
    url = path.format(id=contact["id"])
    anonymous = await client.request(method, url, json=payload)
    assert anonymous.status_code == 401
    assert "Bearer" in anonymous.headers["WWW-Authenticate"]
    wrong = await client.request(
        method, url, json=payload, headers={"Authorization": "Bearer not.a.token"}
    )
    assert wrong.status_code == 401
    response = await client.request(method, url, json=payload, headers=owner.bearer)
    assert response.status_code == expected


@pytest.mark.parametrize(("method", "path", "payload", "expected"), SINGLE)
async def test_another_users_contact_is_404_like_a_missing_one(
    client: httpx.AsyncClient,
    factory: Factory,
    method: str,
    path: str,
    payload: dict[str, Any] | None,
    expected: int,
) -> None:
    owner, stranger = await factory.user(), await factory.user()
    contact = await add(client, owner)
    theirs = await client.request(
        method, path.format(id=contact["id"]), json=payload, headers=stranger.bearer
    )
    missing = await client.request(
        method, path.format(id=2**31 - 1), json=payload, headers=stranger.bearer
    )
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert theirs.json()["code"] == "not_found"
    assert (await client.get(f"/contacts/{contact['id']}", headers=owner.bearer)).json() == contact


@pytest.mark.parametrize(("method", "path", "payload", "expected"), SINGLE)
async def test_admin_may_manage_any_contact(
    client: httpx.AsyncClient,
    factory: Factory,
    method: str,
    path: str,
    payload: dict[str, Any] | None,
    expected: int,
) -> None:
    owner, admin = await factory.user(), await factory.admin()
    contact = await add(client, owner)
    response = await client.request(
        method, path.format(id=contact["id"]), json=payload, headers=admin.bearer
    )
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["user_id"] == owner.id


async def test_admin_list_shows_only_their_own_contacts(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    owner, admin = await factory.user(), await factory.admin()
    await add(client, owner)
    assert (await client.get("/contacts", headers=admin.bearer)).json() == []


async def test_etag_if_none_match_and_if_match(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    contact = await add(client, user)
    url = f"/contacts/{contact['id']}"
    first = await client.get(url, headers=user.bearer)
    etag = first.headers["ETag"]

    cached = await client.get(url, headers={**user.bearer, "If-None-Match": etag})
    assert cached.status_code == 304 and cached.headers["ETag"] == etag and cached.content == b""
    weak = await client.get(url, headers={**user.bearer, "If-None-Match": f'"x", W/{etag}'})
    assert weak.status_code == 304
    other = await client.get(url, headers={**user.bearer, "If-None-Match": '"0-0"'})
    assert other.status_code == 200

    updated = await client.patch(
        url, json={"extra": "v2"}, headers={**user.bearer, "If-Match": etag}
    )
    assert updated.status_code == 200
    new_etag = updated.headers["ETag"]
    assert new_etag != etag
    assert (await client.get(url, headers=user.bearer)).headers["ETag"] == new_etag

    for method, payload in (("PATCH", {"extra": "v3"}), ("PUT", body()), ("DELETE", None)):
        stale = await client.request(
            method, url, json=payload, headers={**user.bearer, "If-Match": etag}
        )
        assert stale.status_code == 412
        assert stale.json()["code"] == "precondition_failed"
    current = await client.get(url, headers=user.bearer)
    assert current.json()["extra"] == "v2" and current.headers["ETag"] == new_etag

    weak_match = await client.patch(
        url, json={"extra": "v3"}, headers={**user.bearer, "If-Match": f"W/{new_etag}"}
    )
    assert weak_match.status_code == 412
    star = await client.patch(url, json={"extra": "v3"}, headers={**user.bearer, "If-Match": "*"})
    assert star.status_code == 200
    listed = await client.delete(
        url, headers={**user.bearer, "If-Match": f'"nope", {star.headers["ETag"]}'}
    )
    assert listed.status_code == 204


async def test_concurrent_writes_with_one_etag_let_exactly_one_through(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    contact = await add(client, user)
    url = f"/contacts/{contact['id']}"
    etag = (await client.get(url, headers=user.bearer)).headers["ETag"]
    responses = await asyncio.gather(
        *(
            client.patch(
                url, json={"extra": f"writer {n}"}, headers={**user.bearer, "If-Match": etag}
            )
            for n in range(5)
        )
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200, 412, 412, 412, 412]
    winner = next(r for r in responses if r.status_code == 200)
    current = await client.get(url, headers=user.bearer)
    assert current.json()["extra"] == winner.json()["extra"]
    assert current.headers["ETag"] == winner.headers["ETag"]


async def test_patch_without_changes_keeps_the_etag(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    contact = await add(client, user)
    url = f"/contacts/{contact['id']}"
    etag = (await client.get(url, headers=user.bearer)).headers["ETag"]
    same = await client.patch(url, json={"first_name": "Ada"}, headers=user.bearer)
    assert same.headers["ETag"] == etag


async def test_other_users_contact_is_404_even_with_if_match(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    owner, stranger = await factory.user(), await factory.user()
    contact = await add(client, owner)
    response = await client.delete(
        f"/contacts/{contact['id']}", headers={**stranger.bearer, "If-Match": "*"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "url", "payload"),
    [
        ("GET", "/contacts/0", None),
        ("GET", "/contacts/-1", None),
        ("GET", f"/contacts/{2**31}", None),
        ("GET", "/contacts/99999999999999999999999999", None),
        ("GET", "/contacts/1e3", None),
        ("PATCH", f"/contacts/{2**63}", {"extra": "x"}),
        ("DELETE", "/contacts/abc", None),
        ("GET", "/contacts?q=%00", None),
        ("GET", "/contacts?first_name=a%00b", None),
        ("GET", "/contacts?email=" + "e" * 255, None),
        ("GET", "/contacts?q=" + "q" * 101, None),
        ("GET", "/contacts?limit=0", None),
        ("GET", "/contacts?offset=-1", None),
        ("POST", "/contacts", body(first_name="a\x00b")),
        ("POST", "/contacts", body(extra="\x00")),
        ("POST", "/contacts", body(user_id="1; DROP TABLE contact")),
        ("POST", "/contacts", body(birthday=99999999999999999999)),
        ("POST", "/contacts", body(birthday="99999-01-01")),
        ("POST", "/contacts", ["not", "an", "object"]),
        ("POST", "/contacts", "just a string"),
    ],
)
async def test_hostile_input_is_422_never_500(
    client: httpx.AsyncClient,
    factory: Factory,
    method: str,
    url: str,
    payload: Any,
) -> None:
    user = await factory.user()
    response = await client.request(method, url, json=payload, headers=user.bearer)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"


async def test_malformed_json_is_422(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    response = await client.post(
        "/contacts",
        content=b'{"first_name": "Ada",',
        headers={**user.bearer, "Content-Type": "application/json"},
    )
    assert response.status_code == 422


async def test_contact_urls_are_in_openapi(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert set(paths["/contacts/{contact_id}"]) == {"get", "put", "patch", "delete"}
    assert set(paths["/contacts"]) == {"get", "post"}
    assert "/contacts/birthdays" in paths

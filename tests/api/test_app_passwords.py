"""App passwords (SPEC §7): issue, list, revoke; the secret's format; where a token is refused."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update

from homebase.app_state import AppState
from homebase.models import AppPassword
from tests.api.app_password_support import ALL_SCOPES, basic, bearer, issue
from tests.factories import Factory

SECRET_RE = re.compile(r"hbp_[A-Za-z0-9_-]{43,}")


async def test_create_shows_the_secret_once_and_stores_only_its_hash(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    owner = await factory.user()
    response = await client.post(
        "/auth/tokens",
        headers=owner.bearer,
        json={"name": " Backup ", "scopes": ["tasks:read", "contacts:write", "tasks:read"]},
    )
    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {
        "id",
        "name",
        "scopes",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "token",
    }
    token = body["token"]
    assert SECRET_RE.fullmatch(token)
    # ≥ 256 random bits stay unknown even to someone who has seen the prefix.
    assert (len(token) - len(body["prefix"])) * 6 >= 256
    assert body["prefix"] == token[: len(body["prefix"])] and len(body["prefix"]) <= 12
    assert body["name"] == "Backup"
    assert body["scopes"] == ["contacts:write", "tasks:read"]
    assert body["expires_at"] is None and body["last_used_at"] is None
    async with state.sessionmaker() as session:
        row = (await session.scalars(select(AppPassword))).one()
    assert row.secret_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = [str(getattr(row, column.key)) for column in AppPassword.__table__.columns]
    assert not any(token in value for value in stored)


async def test_each_secret_is_new(client: httpx.AsyncClient, factory: Factory) -> None:
    owner = await factory.user()
    first, second = (await issue(client, owner, ["dav"]), await issue(client, owner, ["dav"]))
    assert first["token"] != second["token"] and first["prefix"] != second["prefix"]


async def test_expiry_in_days(client: httpx.AsyncClient, factory: Factory) -> None:
    owner = await factory.user()
    body = await issue(client, owner, ["tasks:read"], expires_in_days=30)
    created = datetime.fromisoformat(body["created_at"])
    assert datetime.fromisoformat(body["expires_at"]) - created == timedelta(days=30)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x", "scopes": ["tasks:read"], "expires_in_days": 0}, "expires_in_days"),
        ({"name": "x", "scopes": ["tasks:read"], "expires_in_days": 3651}, "expires_in_days"),
        ({"name": "x", "scopes": ["tasks:admin"]}, "scopes.0"),
        ({"name": "x", "scopes": []}, "scopes"),
        ({"name": "x"}, "scopes"),
        ({"name": "   ", "scopes": ["dav"]}, "name"),
        ({"name": "n" * 101, "scopes": ["dav"]}, "name"),
        ({"scopes": ["dav"]}, "name"),
    ],
)
async def test_create_bad_input_is_422(
    client: httpx.AsyncClient, factory: Factory, payload: dict[str, object], field: str
) -> None:
    owner = await factory.user()
    response = await client.post("/auth/tokens", headers=owner.bearer, json=payload)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]


async def test_longest_expiry_is_accepted(client: httpx.AsyncClient, factory: Factory) -> None:
    owner = await factory.user()
    body = await issue(client, owner, ["dav"], expires_in_days=3650)
    assert body["expires_at"] is not None


async def test_listing_never_shows_a_secret_nor_another_users_tokens(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    owner, other = await factory.user(), await factory.user()
    mine = await issue(client, owner, ["tasks:read"], name="mine")
    theirs = await issue(client, other, ["tasks:read"], name="theirs")
    response = await client.get("/auth/tokens", headers=owner.basic)
    assert response.status_code == 200
    listed = response.json()
    assert [item["id"] for item in listed] == [mine["id"]]
    assert "token" not in listed[0] and "secret_hash" not in listed[0]
    assert listed[0]["prefix"] == mine["prefix"]
    for secret in (mine["token"], theirs["token"]):
        assert secret not in response.text


async def test_revoke_ends_the_token_and_hides_it(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    owner = await factory.user()
    body = await issue(client, owner, ["tasks:read"])
    assert (await client.get("/tasks", headers=bearer(body["token"]))).status_code == 200
    deleted = await client.delete(f"/auth/tokens/{body['id']}", headers=owner.bearer)
    assert deleted.status_code == 204
    refused = await client.get("/tasks", headers=bearer(body["token"]))
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_token"
    assert (await client.get("/auth/tokens", headers=owner.bearer)).json() == []
    again = await client.delete(f"/auth/tokens/{body['id']}", headers=owner.bearer)
    assert again.status_code == 404
    assert again.json()["message"] == "App password not found"


async def test_another_users_token_is_404_and_survives(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    owner, other = await factory.user(), await factory.user()
    body = await issue(client, owner, ["tasks:read"])
    response = await client.delete(f"/auth/tokens/{body['id']}", headers=other.bearer)
    assert response.status_code == 404
    assert (await client.get("/tasks", headers=bearer(body["token"]))).status_code == 200
    assert (await client.delete("/auth/tokens/999999", headers=owner.bearer)).status_code == 404
    assert (await client.delete("/auth/tokens/0", headers=owner.bearer)).status_code == 422


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/auth/tokens"), ("GET", "/auth/tokens"), ("DELETE", "/auth/tokens/1")],
)
async def test_every_endpoint_needs_credentials(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(
        method, path, json={"name": "x", "scopes": ["dav"]} if method == "POST" else None
    )
    assert response.status_code == 401
    assert "Bearer" in response.headers["www-authenticate"]


async def test_limit_of_live_tokens_is_409(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    owner = await factory.user()
    async with state.sessionmaker() as session:
        session.add_all(
            AppPassword(
                user_id=owner.id,
                name=f"t{number}",
                scopes="dav",
                prefix="hbp_x",
                secret_hash=f"{number:064x}",
            )
            for number in range(100)
        )
        await session.commit()
    response = await client.post(
        "/auth/tokens", headers=owner.bearer, json={"name": "one more", "scopes": ["dav"]}
    )
    assert response.status_code == 409 and response.json()["code"] == "app_password_limit"


async def test_basic_with_the_token_as_password(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    owner = await factory.user(username="robot")
    other = await factory.user()
    token = (await issue(client, owner, ["tasks:read", "account:read"]))["token"]
    by_email = await client.get("/users/me", headers=basic(owner.email.upper(), token))
    assert by_email.status_code == 200 and by_email.json()["id"] == owner.id
    assert (await client.get("/tasks", headers=basic("robot", token))).status_code == 200
    # Scopes hold in the Basic form too.
    denied = await client.post("/tasks", headers=basic("robot", token), json={"title": "x"})
    assert denied.status_code == 403 and denied.json()["code"] == "insufficient_scope"
    # The login must be the token's owner.
    wrong = await client.get("/tasks", headers=basic(other.email, token))
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_credentials"


async def test_token_opens_no_session(client: httpx.AsyncClient, factory: Factory) -> None:
    owner = await factory.user()
    token = (await issue(client, owner, ALL_SCOPES))["token"]
    login = await client.post("/auth/login", json={"email": owner.email, "password": token})
    assert login.status_code == 401 and login.json()["code"] == "invalid_credentials"
    form = await client.post("/auth/token", data={"username": owner.email, "password": token})
    assert form.status_code == 401
    alias = await client.post("/login", json={"email": owner.email, "password": token})
    assert alias.status_code == 401


async def test_expired_token_is_refused(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    owner = await factory.user()
    body = await issue(client, owner, ["tasks:read"], expires_in_days=1)
    assert (await client.get("/tasks", headers=bearer(body["token"]))).status_code == 200
    async with state.sessionmaker() as session:
        await session.execute(
            update(AppPassword)
            .where(AppPassword.id == body["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await session.commit()
    assert (await client.get("/tasks", headers=bearer(body["token"]))).status_code == 401
    as_basic = await client.get("/tasks", headers=basic(owner.email, body["token"]))
    assert as_basic.status_code == 401
    # An expired token is still listed (its owner sees why it stopped) and can be revoked.
    assert [item["id"] for item in (await client.get("/auth/tokens", headers=owner.bearer)).json()]
    deleted = await client.delete(f"/auth/tokens/{body['id']}", headers=owner.bearer)
    assert deleted.status_code == 204


@pytest.mark.parametrize(
    "value",
    ["hbp_short", "hbp_" + "a" * 42, "hbp_" + "a" * 43 + "!", "hbp_" + "a" * 101, "hbp_"],
)
async def test_malformed_or_unknown_secret_is_401(
    client: httpx.AsyncClient, factory: Factory, value: str
) -> None:
    owner = await factory.user()
    response = await client.get("/tasks", headers=bearer(value))
    assert response.status_code == 401
    unknown = await client.get("/tasks", headers=bearer("hbp_" + "A" * 51))
    assert unknown.status_code == 401 and unknown.json()["code"] == "invalid_token"
    as_basic = await client.get("/tasks", headers=basic(owner.email, "hbp_" + "A" * 51))
    assert as_basic.status_code == 401


async def test_a_password_shaped_like_a_token_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/register", json={"email": "p@example.com", "password": "hbp_" + "Z" * 51}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "password"

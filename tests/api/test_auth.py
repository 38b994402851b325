"""Authentication: register, login, token, refresh, logout, sessions (SPEC §3)."""

from __future__ import annotations

import base64
import json
import time

import httpx
import jwt
import pytest

from homebase.app_state import AppState
from tests.factories import DEFAULT_PASSWORD, Factory


async def register(client: httpx.AsyncClient, **body: object) -> httpx.Response:
    return await client.post("/auth/register", json=body)


async def test_register_creates_user_without_hash(client: httpx.AsyncClient) -> None:
    response = await register(client, email="Ada@Example.com", password="long enough pw")
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "ada@example.com"
    assert body["name"] == "ada"
    assert body["is_admin"] is False
    assert "password_hash" not in body and "password" not in body


async def test_register_with_username_only_names_user_after_it(client: httpx.AsyncClient) -> None:
    response = await register(client, username="Grace_H", password="long enough pw")
    assert response.status_code == 201
    assert response.json()["username"] == "grace_h"
    assert response.json()["name"] == "grace_h"
    assert response.json()["email"] is None


async def test_register_duplicate_email_is_409_case_insensitive(client: httpx.AsyncClient) -> None:
    assert (
        await register(client, email="a@example.com", password="long enough pw")
    ).status_code == 201
    response = await register(client, email="A@EXAMPLE.COM", password="long enough pw")
    assert response.status_code == 409
    assert response.json() == {
        "result": "error",
        "code": "email_taken",
        "message": "A user with this email already exists",
    }


async def test_register_duplicate_username_is_409(client: httpx.AsyncClient) -> None:
    await register(client, username="bob", password="long enough pw")
    response = await register(client, username="BOB", password="long enough pw")
    assert response.status_code == 409
    assert response.json()["code"] == "username_taken"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": "long enough pw"}, "email"),
        ({"email": "a@example.com", "password": "short"}, "password"),
        ({"email": "a@example.com", "password": "x" * 129}, "password"),
        ({"email": "a@example.com"}, "password"),
        ({"email": "a@example.com", "password": "long enough pw", "phone": "12"}, "phone"),
        ({"username": "a b", "password": "long enough pw"}, "username"),
        ({"email": "a@example.com", "password": "long enough pw", "name": "n" * 101}, "name"),
    ],
)
async def test_register_bad_input_is_422_with_field(
    client: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    response = await register(client, **body)
    assert response.status_code == 422
    payload = response.json()
    assert payload["result"] == "error" and payload["code"] == "validation_error"
    assert field in [error["field"] for error in payload["errors"]]


async def test_register_needs_email_or_username(client: httpx.AsyncClient) -> None:
    response = await register(client, password="long enough pw")
    assert response.status_code == 422
    assert "email" in response.json()["errors"][0]["message"].lower()


async def test_register_accepts_formatted_phone(client: httpx.AsyncClient) -> None:
    response = await register(
        client, email="p@example.com", password="long enough pw", phone="  +7 900 100-20-30 "
    )
    assert response.status_code == 201
    assert response.json()["phone"] == "+7 900 100-20-30"


async def test_register_ignores_is_admin(client: httpx.AsyncClient) -> None:
    response = await register(
        client, email="x@example.com", password="long enough pw", is_admin=True
    )
    assert response.status_code == 201
    assert response.json()["is_admin"] is False


async def test_password_length_counts_code_points(client: httpx.AsyncClient) -> None:
    # 8 Cyrillic letters are 16 bytes but 8 characters: accepted.
    response = await register(client, email="cp@example.com", password="пароль12")
    assert response.status_code == 201


@pytest.mark.parametrize("path", ["/auth/login", "/login"])
@pytest.mark.parametrize("key", ["email", "login"])
async def test_login_returns_token_pair(
    client: httpx.AsyncClient, factory: Factory, path: str, key: str
) -> None:
    user = await factory.user(email="ada@example.com")
    response = await client.post(path, json={key: "ADA@example.com", "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert response.headers["cache-control"] == "no-store"
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["id"] == user.id


async def test_login_by_username(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.user(username="grace", email=None)
    response = await client.post("/login", json={"username": "Grace", "password": DEFAULT_PASSWORD})
    assert response.status_code == 200


async def test_login_unknown_and_wrong_password_look_the_same(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    await factory.user(email="ada@example.com")
    wrong = await client.post(
        "/auth/login", json={"email": "ada@example.com", "password": "nope-nope"}
    )
    unknown = await client.post(
        "/auth/login", json={"email": "who@example.com", "password": "nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "invalid_credentials"
    assert "Bearer" in wrong.headers["www-authenticate"]


async def test_login_message_is_localised(client: httpx.AsyncClient) -> None:
    for language, text in [
        ("ru-RU,ru;q=0.9", "Неверные логин или пароль"),
        ("uk", "Невірний логін або пароль"),
        ("de, en;q=0.5", "Invalid login or password"),
    ]:
        response = await client.post(
            "/auth/login",
            json={"email": "who@example.com", "password": "whatever1"},
            headers={"Accept-Language": language},
        )
        assert response.json()["message"] == text


async def test_login_of_inactive_user_is_401(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.user(email="off@example.com", is_active=False)
    response = await client.post(
        "/auth/login", json={"email": "off@example.com", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 401


async def test_login_without_login_field_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/login", json={"password": "x"})
    assert response.status_code == 422


async def test_token_endpoint_takes_oauth2_form_and_ignores_empty_basic(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    await factory.user(email="ada@example.com")
    response = await client.post(
        "/auth/token",
        data={
            "grant_type": "password",
            "username": "ada@example.com",
            "password": DEFAULT_PASSWORD,
        },
        headers={"Authorization": "Basic " + base64.b64encode(b":").decode()},
    )
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"


async def test_token_endpoint_bad_password_is_401(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    await factory.user(email="ada@example.com")
    response = await client.post(
        "/auth/token", data={"username": "ada@example.com", "password": "nope"}
    )
    assert response.status_code == 401


async def test_refresh_rotates_and_detects_reuse(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    first = await client.post("/auth/refresh", json={"refresh_token": user.refresh_token})
    assert first.status_code == 200
    pair = first.json()
    assert pair["refresh_token"] != user.refresh_token
    # The old token is spent: presenting it again is 401 and ends the whole session...
    reused = await client.post("/auth/refresh", json={"refresh_token": user.refresh_token})
    assert reused.status_code == 401
    assert reused.json()["code"] == "refresh_token_reused"
    # ...so the new pair is dead too, access token included.
    again = await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert again.status_code == 401
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.status_code == 401
    assert 'error="invalid_token"' in me.headers["www-authenticate"]


async def test_refresh_with_garbage_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/refresh", json={"refresh_token": "garbage"})
    assert response.status_code == 401


async def test_access_token_is_not_a_refresh_token(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    response = await client.post("/auth/refresh", json={"refresh_token": user.access_token})
    assert response.status_code == 401


async def test_logout_revokes_refresh_and_access(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    response = await client.post("/auth/logout", json={"refresh_token": user.refresh_token})
    assert response.status_code == 204
    assert (
        await client.post("/auth/refresh", json={"refresh_token": user.refresh_token})
    ).status_code == 401
    assert (await client.get("/auth/me", headers=user.bearer)).status_code == 401


async def test_logout_unknown_token_is_still_204(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/logout", json={"refresh_token": "unknown"})
    assert response.status_code == 204


@pytest.mark.parametrize("path", ["/auth/me", "/users/me"])
async def test_me_with_bearer_and_basic(
    client: httpx.AsyncClient, factory: Factory, path: str
) -> None:
    user = await factory.user()
    for headers in (user.bearer, user.basic):
        response = await client.get(path, headers=headers)
        assert response.status_code == 200
        assert response.json()["id"] == user.id
        assert "password_hash" not in response.json()


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer not-a-jwt",
        "Basic",
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"nobody@example.com:wrong-password").decode(),
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
        "Digest abc",
    ],
)
async def test_me_without_valid_credentials_is_401(
    client: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = await client.get("/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["result"] == "error"
    challenge = response.headers["www-authenticate"]
    assert 'Basic realm="homebase", charset="UTF-8"' in challenge and "Bearer" in challenge


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


async def test_forged_tokens_are_401(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    user = await factory.user()
    claims = jwt.decode(user.access_token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(user.access_token)["kid"]
    real_key = state.codec._keys[kid]
    now = int(time.time())
    forged = {
        "alg none": _b64(json.dumps({"alg": "none", "kid": kid}).encode())
        + "."
        + _b64(json.dumps(claims).encode())
        + ".",
        "wrong key": jwt.encode(
            claims, "another-secret-key-of-enough-length!!", headers={"kid": kid}
        ),
        "expired": jwt.encode(
            dict(claims, exp=now - 3600, iat=now - 7200, nbf=now - 7200),
            real_key,
            headers={"kid": kid},
        ),
        "not yet valid": jwt.encode(dict(claims, nbf=now + 3600), real_key, headers={"kid": kid}),
        "refresh type": jwt.encode(dict(claims, typ="refresh"), real_key, headers={"kid": kid}),
        "unknown kid": jwt.encode(claims, real_key, headers={"kid": "nope"}),
        "tampered": user.access_token[:-2]
        + ("AA" if not user.access_token.endswith("AA") else "BB"),
    }
    for label, token in forged.items():
        response = await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, label
    # The genuine token still works, so the 401s above are about the forgery.
    assert (await client.get("/auth/me", headers=user.bearer)).status_code == 200


async def test_sessions_list_and_end(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user(email="s@example.com")
    second = (
        await client.post(
            "/auth/login",
            json={"email": "s@example.com", "password": DEFAULT_PASSWORD},
            headers={"User-Agent": "phone"},
        )
    ).json()
    sessions = (await client.get("/auth/sessions", headers=user.bearer)).json()
    assert len(sessions) == 2
    current = [s for s in sessions if s["current"]]
    assert len(current) == 1
    other = next(s for s in sessions if not s["current"])
    assert other["user_agent"] == "phone" and other["ip"] == "203.0.113.7"
    assert (
        await client.delete(f"/auth/sessions/{other['id']}", headers=user.bearer)
    ).status_code == 204
    assert (
        await client.get("/auth/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    ).status_code == 401
    assert (
        await client.delete(f"/auth/sessions/{other['id']}", headers=user.bearer)
    ).status_code == 404


async def test_cannot_end_someone_elses_session(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    alice, bob = await factory.user(), await factory.user()
    bob_session = (await client.get("/auth/sessions", headers=bob.bearer)).json()[0]["id"]
    assert (
        await client.delete(f"/auth/sessions/{bob_session}", headers=alice.bearer)
    ).status_code == 404
    assert (await client.get("/auth/me", headers=bob.bearer)).status_code == 200


async def test_logout_all_ends_every_session(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user(email="all@example.com")
    other = (
        await client.post(
            "/auth/login", json={"email": "all@example.com", "password": DEFAULT_PASSWORD}
        )
    ).json()
    assert (await client.post("/auth/logout-all", headers=user.bearer)).status_code == 204
    for token in (user.access_token, other["access_token"]):
        assert (
            await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        ).status_code == 401
    assert (
        await client.post("/auth/refresh", json={"refresh_token": other["refresh_token"]})
    ).status_code == 401
    # Basic still works: it is not a session.
    assert (await client.get("/auth/me", headers=user.basic)).status_code == 200


@pytest.mark.parametrize("path", ["/auth/sessions", "/auth/logout-all"])
async def test_session_endpoints_need_credentials(client: httpx.AsyncClient, path: str) -> None:
    method = client.get if path.endswith("sessions") else client.post
    assert (await method(path)).status_code == 401


@pytest.mark.parametrize("bad", ["nul\x00byte", "lone \ud800 surrogate"])
async def test_unstorable_text_is_422_on_its_field(client: httpx.AsyncClient, bad: str) -> None:
    body = json.dumps({"email": "t@example.com", "password": "long enough pw", "name": bad})
    response = await client.post(
        "/auth/register", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"

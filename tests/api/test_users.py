"""Users endpoints (SPEC §4 Users) and the compatibility profile/password endpoints."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import DEFAULT_PASSWORD, Factory

NEW_PASSWORD = "a brand new secret"


async def test_list_users_pages_with_headers(client: httpx.AsyncClient, factory: Factory) -> None:
    me = await factory.user()
    for _ in range(4):
        await factory.user()
    response = await client.get("/users?limit=2&offset=2", headers=me.bearer)
    assert response.status_code == 200
    assert len(response.json()) == 2
    assert response.headers["x-total-count"] == "5"
    link = response.headers["link"]
    assert 'rel="next"' in link and "offset=4" in link
    assert 'rel="prev"' in link and "offset=0" in link
    assert all("password_hash" not in user for user in response.json())


async def test_list_users_last_page_has_no_next(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    me = await factory.user()
    response = await client.get("/users?limit=50", headers=me.bearer)
    assert response.headers["x-total-count"] == "1"
    assert 'rel="next"' not in response.headers.get("link", "")


async def test_list_users_offset_past_end_is_empty(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    me = await factory.user()
    response = await client.get("/users?offset=10", headers=me.bearer)
    assert response.status_code == 200
    assert response.json() == []
    assert response.headers["x-total-count"] == "1"


async def test_list_users_search(client: httpx.AsyncClient, factory: Factory) -> None:
    me = await factory.user(email="zed@example.com", name="Zed")
    await factory.user(email="ann@example.com", name="Ann Lovelace")
    await factory.user(email=None, username="lovelace_fan", name="Fan")
    response = await client.get("/users?q=LOVELACE", headers=me.bearer)
    assert sorted(user["name"] for user in response.json()) == ["Ann Lovelace", "Fan"]
    assert response.headers["x-total-count"] == "2"


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "offset=-1", "limit=abc"])
async def test_list_users_bad_paging_is_422(
    client: httpx.AsyncClient, factory: Factory, query: str
) -> None:
    me = await factory.user()
    response = await client.get(f"/users?{query}", headers=me.bearer)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] in ("limit", "offset")


async def test_list_and_read_users_need_credentials(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    other = await factory.user()
    assert (await client.get("/users")).status_code == 401
    assert (await client.get(f"/users/{other.id}")).status_code == 401


async def test_read_user_by_id_and_404(client: httpx.AsyncClient, factory: Factory) -> None:
    me, other = await factory.user(), await factory.user()
    response = await client.get(f"/users/{other.id}", headers=me.basic)
    assert response.status_code == 200 and response.json()["email"] == other.email
    missing = await client.get("/users/999999", headers=me.bearer)
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert (await client.get("/users/99999999999999999999", headers=me.bearer)).status_code in (
        404,
        422,
    )


async def test_post_users_registers(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/users",
        json={
            "name": "Old Client",
            "email": "old@example.com",
            "password": "long enough pw",
            "phone": "+1 555 0100 200",
        },
    )
    assert response.status_code == 201
    assert response.json()["name"] == "Old Client"
    duplicate = await client.post(
        "/users", json={"email": "old@example.com", "password": "long enough pw"}
    )
    assert duplicate.status_code == 409


async def test_post_users_is_admin_needs_an_admin(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user, admin = await factory.user(), await factory.admin()
    body = {"email": "boss@example.com", "password": "long enough pw", "is_admin": True}
    assert (await client.post("/users", json=body)).status_code == 403
    assert (await client.post("/users", json=body, headers=user.bearer)).status_code == 403
    created = await client.post("/users", json=body, headers=admin.bearer)
    assert created.status_code == 201 and created.json()["is_admin"] is True


@pytest.mark.parametrize("method", ["put", "patch"])
async def test_update_self(client: httpx.AsyncClient, factory: Factory, method: str) -> None:
    me = await factory.user()
    response = await client.request(
        method,
        f"/users/{me.id}",
        json={"name": "New Name", "phone": "8 (900) 123-45-67"},
        headers=me.bearer,
    )
    assert response.status_code == 200
    assert response.json()["name"] == "New Name"
    assert response.json()["phone"] == "8 (900) 123-45-67"
    assert response.json()["email"] == me.email


async def test_update_other_user_is_403_but_admin_may(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    me, other, admin = await factory.user(), await factory.user(), await factory.admin()
    assert (
        await client.patch(f"/users/{other.id}", json={"name": "x"}, headers=me.bearer)
    ).status_code == 403
    response = await client.patch(
        f"/users/{other.id}", json={"name": "By Admin"}, headers=admin.bearer
    )
    assert response.status_code == 200 and response.json()["name"] == "By Admin"
    assert (
        await client.patch("/users/424242", json={"name": "x"}, headers=admin.bearer)
    ).status_code == 404
    assert (await client.patch(f"/users/{other.id}", json={"name": "x"})).status_code == 401


async def test_update_duplicate_email_is_409(client: httpx.AsyncClient, factory: Factory) -> None:
    me, other = await factory.user(), await factory.user()
    response = await client.patch(
        f"/users/{me.id}", json={"email": other.email.upper()}, headers=me.bearer
    )
    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"


async def test_update_with_password_field_is_422(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    me = await factory.user()
    response = await client.put(
        f"/users/{me.id}", json={"name": "x", "password": "new password"}, headers=me.bearer
    )
    assert response.status_code == 422
    assert "password" in response.json()["errors"][0]["message"].lower()
    still = await client.get("/users/me", headers=me.basic)
    assert still.status_code == 200 and still.json()["name"] != "x"


async def test_normal_user_cannot_make_themself_admin(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    me = await factory.user()
    response = await client.patch(f"/users/{me.id}", json={"is_admin": True}, headers=me.bearer)
    assert response.status_code == 403
    assert (await client.get("/users/me", headers=me.bearer)).json()["is_admin"] is False


async def test_admin_deactivation_ends_sessions(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user, admin = await factory.user(), await factory.admin()
    response = await client.patch(
        f"/users/{user.id}", json={"is_active": False}, headers=admin.bearer
    )
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert (await client.get("/users/me", headers=user.bearer)).status_code == 401
    assert (await client.get("/users/me", headers=user.basic)).status_code == 401


async def test_delete_self_removes_user_and_tokens(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    me, other = await factory.user(), await factory.user()
    assert (await client.delete(f"/users/{me.id}", headers=other.bearer)).status_code == 403
    assert (await client.delete(f"/users/{me.id}")).status_code == 401
    assert (await client.delete(f"/users/{me.id}", headers=me.bearer)).status_code == 204
    assert (await client.get(f"/users/{me.id}", headers=other.bearer)).status_code == 404
    assert (await client.get("/users/me", headers=me.bearer)).status_code == 401
    assert (
        await client.post("/auth/refresh", json={"refresh_token": me.refresh_token})
    ).status_code == 401


async def test_admin_deletes_anyone(client: httpx.AsyncClient, factory: Factory) -> None:
    user, admin = await factory.user(), await factory.admin()
    assert (await client.delete(f"/users/{user.id}", headers=admin.bearer)).status_code == 204
    assert (await client.delete(f"/users/{user.id}", headers=admin.bearer)).status_code == 404


async def test_change_password_by_self_needs_current(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    me = await factory.user()
    body = {"new_password": NEW_PASSWORD, "new_password_repeat": NEW_PASSWORD}
    missing = await client.post(f"/users/{me.id}/change-password", json=body, headers=me.bearer)
    assert missing.status_code == 422
    wrong = await client.post(
        f"/users/{me.id}/change-password",
        json={**body, "current_password": "wrong one"},
        headers=me.bearer,
    )
    assert wrong.status_code == 401
    ok = await client.post(
        f"/users/{me.id}/change-password",
        json={**body, "current_password": DEFAULT_PASSWORD},
        headers={**me.bearer, "Accept-Language": "ru"},
    )
    assert ok.status_code == 200
    assert ok.json() == {"result": "ok", "message": "Пароль успешно изменён"}
    # Every token of that user is revoked; the new password works.
    assert (await client.get("/users/me", headers=me.bearer)).status_code == 401
    assert (
        await client.post("/auth/refresh", json={"refresh_token": me.refresh_token})
    ).status_code == 401
    login = await client.post("/auth/login", json={"email": me.email, "password": NEW_PASSWORD})
    assert login.status_code == 200


async def test_change_password_by_admin_and_mismatch(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user, other, admin = await factory.user(), await factory.user(), await factory.admin()
    mismatch = await client.post(
        f"/users/{user.id}/change-password",
        json={"new_password": NEW_PASSWORD, "new_password_repeat": NEW_PASSWORD + "!"},
        headers={**admin.bearer, "Accept-Language": "ru"},
    )
    assert mismatch.status_code == 400
    assert mismatch.json() == {
        "result": "error",
        "code": "passwords_mismatch",
        "message": "Пароли не совпадают",
    }
    body = {"new_password": NEW_PASSWORD, "new_password_repeat": NEW_PASSWORD}
    assert (
        await client.post(f"/users/{user.id}/change-password", json=body, headers=other.bearer)
    ).status_code == 403
    assert (await client.post(f"/users/{user.id}/change-password", json=body)).status_code == 401
    assert (
        await client.post(f"/users/{user.id}/change-password", json=body, headers=admin.bearer)
    ).status_code == 200
    assert (
        await client.post("/auth/login", json={"email": user.email, "password": NEW_PASSWORD})
    ).status_code == 200


async def test_profile_update(client: httpx.AsyncClient, factory: Factory) -> None:
    me = await factory.user(name="Old")
    response = await client.put(
        "/api/user/profile",
        json={"name": "Ivan", "email": "Ivan@Example.com", "phone": "+7 900 100-20-30"},
        headers=me.basic,
    )
    assert response.status_code == 200
    assert response.json() == {
        "result": "ok",
        "user": {"name": "Ivan", "email": "ivan@example.com", "phone": "+7 900 100-20-30"},
    }
    assert (await client.put("/api/user/profile", json={"name": "x"})).status_code == 401
    bad = await client.put("/api/user/profile", json={"email": "nope"}, headers=me.bearer)
    assert bad.status_code == 422


async def test_profile_email_conflict_is_409(client: httpx.AsyncClient, factory: Factory) -> None:
    me, other = await factory.user(), await factory.user()
    response = await client.put("/api/user/profile", json={"email": other.email}, headers=me.bearer)
    assert response.status_code == 409


async def test_api_user_password(client: httpx.AsyncClient, factory: Factory) -> None:
    me = await factory.user()
    mismatch = await client.put(
        "/api/user/password",
        json={"new_password": NEW_PASSWORD, "new_password_repeat": "different!!"},
        headers=me.basic,
    )
    assert mismatch.status_code == 400
    assert (
        mismatch.json()["result"] == "error"
        and mismatch.json()["message"] == "Passwords do not match"
    )
    ok = await client.put(
        "/api/user/password",
        json={"new_password": NEW_PASSWORD, "new_password_repeat": NEW_PASSWORD},
        headers=me.basic,
    )
    assert ok.status_code == 200
    assert ok.json() == {"result": "ok", "message": "Password changed successfully"}
    assert (await client.get("/users/me", headers=me.basic)).status_code == 401
    assert (await client.get("/users/me", headers=me.bearer)).status_code == 401
    assert (await client.put("/api/user/password", json={})).status_code == 401


async def test_short_new_password_is_422(client: httpx.AsyncClient, factory: Factory) -> None:
    me = await factory.user()
    response = await client.put(
        "/api/user/password",
        json={"new_password": "short", "new_password_repeat": "short"},
        headers=me.basic,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "new_password"

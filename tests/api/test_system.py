"""Health, API docs served offline, the OpenAPI document, the error envelope."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from homebase.main import create_app
from tests.factories import Factory
from tests.support import make_settings


async def test_health_is_503_when_database_unreachable() -> None:
    app = create_app(make_settings("postgresql://nobody@127.0.0.1:1/nothing", db_connect_timeout=1))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.get("/health")
        assert response.status_code == 503
        assert response.json()["database"] != "ok"
        login = await http.post(
            "/auth/login", json={"email": "a@example.com", "password": "whatever"}
        )
        assert login.status_code == 503
        assert login.json()["code"] == "database_unavailable"
    await app.state.homebase.close()


async def test_docs_are_served_without_a_cdn(client: httpx.AsyncClient) -> None:
    for page in ("/docs", "/redoc"):
        html = (await client.get(page)).text
        assert "cdn." not in html and "unpkg" not in html and "fonts.googleapis" not in html
    html = (await client.get("/docs")).text
    assert "/static/docs/swagger-ui-bundle.js" in html
    bundle = await client.get("/static/docs/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 500_000
    assert (await client.get("/static/docs/swagger-ui.css")).status_code == 200
    assert (await client.get("/static/docs/redoc.standalone.js")).status_code == 200


async def test_swagger_ui_is_version_5(client: httpx.AsyncClient) -> None:
    bundle = (await client.get("/static/docs/swagger-ui-bundle.js")).text
    assert '"5.' in bundle


async def test_openapi_lists_every_endpoint_with_security(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]
    for path in (
        "/auth/register",
        "/auth/login",
        "/auth/token",
        "/auth/refresh",
        "/auth/logout",
        "/auth/me",
        "/auth/sessions",
        "/auth/logout-all",
        "/users",
        "/users/me",
        "/users/{user_id}",
        "/users/{user_id}/change-password",
        "/api/user/profile",
        "/api/user/password",
        "/register",
        "/login",
        "/health",
        "/admin/audit",
    ):
        assert path in paths, path
    schemes = spec["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} >= {"http", "oauth2"}
    oauth = next(s for s in schemes.values() if s["type"] == "oauth2")
    assert oauth["flows"]["password"]["tokenUrl"] == "/auth/token"
    both = [{"HTTPBasic": []}, {"OAuth2PasswordBearer": []}]
    assert paths["/users/me"]["get"]["security"] == both
    assert paths["/users/{user_id}"]["delete"]["security"] == both
    assert paths["/users"]["post"]["security"] == [{}, *both]  # open registration
    assert "security" not in paths["/auth/login"]["post"]
    assert "security" not in paths["/health"]["get"]
    login_responses = paths["/auth/login"]["post"]["responses"]
    assert {"200", "401", "422", "429"} <= set(login_responses)


async def test_unknown_route_is_404_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/nope", headers={"Accept-Language": "uk"})
    assert response.status_code == 404
    assert response.json() == {
        "result": "error",
        "code": "not_found",
        "message": "Такої адреси немає",
    }


async def test_wrong_method_is_405_envelope(client: httpx.AsyncClient) -> None:
    response = await client.delete("/auth/login")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b"[1, 2]", "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        (b"email=a", "application/x-www-form-urlencoded"),
        (b'{"email": "a@example.com", "password": 12345678}', "application/json"),
    ],
)
async def test_malformed_bodies_are_422_envelope(
    client: httpx.AsyncClient, content: bytes, content_type: str
) -> None:
    response = await client.post(
        "/auth/register", content=content, headers={"Content-Type": content_type}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["result"] == "error" and body["code"] == "validation_error"
    assert body["errors"] and all({"field", "message"} <= set(item) for item in body["errors"])


async def test_validation_messages_are_localised(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/register", json={"email": "a@example.com"}, headers={"Accept-Language": "ru"}
    )
    assert response.json()["message"] == "Некорректный запрос"
    assert response.json()["errors"] == [{"field": "password", "message": "Обязательное поле"}]


async def test_body_over_one_mebibyte_is_413(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/register",
        content=b"{" + b" " * (1024 * 1024 + 10) + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


async def test_security_headers(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    response = await client.get("/auth/me", headers=user.bearer)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"


async def test_repeated_query_parameter_is_422(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    response = await client.get("/users?q=a&q=b", headers={**user.bearer, "Accept-Language": "ru"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "q", "message": "Этот параметр можно указать только один раз"}
    ]
    assert (await client.get("/users?q=a&limit=5", headers=user.bearer)).status_code == 200

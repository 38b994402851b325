"""What a client generator reads in `/openapi.json`: headers, error bodies, nullability,
optional security, probe bodies, short operation ids. The document must match behaviour, so
several tests compare it with a real response."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.factories import Factory

HeaderNames = set[str]


@pytest.fixture
async def spec(client: httpx.AsyncClient) -> dict[str, Any]:
    document: dict[str, Any] = (await client.get("/openapi.json")).json()
    return document


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]


def headers(spec: dict[str, Any], path: str, method: str, status: str) -> HeaderNames:
    return set(spec["paths"][path][method]["responses"][status].get("headers", {}))


def envelope_ref(response: dict[str, Any]) -> str:
    ref: str = response["content"]["application/json"]["schema"]["$ref"]
    return ref


async def test_operation_ids_are_short_and_unique(spec: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(spec)]
    assert len(ids) == len(set(ids))
    assert spec["paths"]["/tasks"]["get"]["operationId"] == "tasks_list"
    assert spec["paths"]["/tasks/{task_id}"]["get"]["operationId"] == "tasks_read"
    assert spec["paths"]["/contacts/{contact_id}"]["patch"]["operationId"] == "contacts_update"
    assert spec["paths"]["/users/{user_id}"]["put"]["operationId"] == "users_replace"
    assert spec["paths"]["/auth/login"]["post"]["operationId"] == "auth_login"
    assert all(len(name) <= 40 for name in ids), ids


async def test_every_422_is_the_error_envelope(spec: dict[str, Any]) -> None:
    for method, path, operation in operations(spec):
        responses = operation["responses"]
        assert envelope_ref(responses["422"]).endswith("/ErrorResponse"), (method, path)
        if "requestBody" in operation:
            assert envelope_ref(responses["413"]).endswith("/ErrorResponse"), (method, path)
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas


async def test_every_response_names_the_request_id(spec: dict[str, Any]) -> None:
    for method, path, operation in operations(spec):
        for status, response in operation["responses"].items():
            assert "X-Request-ID" in response["headers"], (method, path, status)
            if status == "429":
                assert "Retry-After" in response["headers"], (method, path)


@pytest.mark.parametrize("resource", ["/tasks", "/contacts"])
async def test_etag_and_location_are_documented_on_tasks_and_contacts(
    spec: dict[str, Any], resource: str
) -> None:
    item = resource + ("/{task_id}" if resource == "/tasks" else "/{contact_id}")
    assert {"ETag", "Location"} <= headers(spec, resource, "post", "201")
    for method in ("get", "put", "patch"):
        assert "ETag" in headers(spec, item, method, "200"), method
    assert "ETag" in headers(spec, item, "get", "304")
    for method in ("put", "patch", "delete"):
        assert "412" in spec["paths"][item][method]["responses"], method
    assert {"X-Total-Count", "Link", "X-Next-Cursor"} <= headers(spec, resource, "get", "200")


async def test_paging_headers_are_documented_on_every_listing(spec: dict[str, Any]) -> None:
    for path in ("/users", "/tasks", "/contacts"):
        assert {"X-Total-Count", "Link", "X-Next-Cursor"} <= headers(spec, path, "get", "200")
    for path in ("/contacts/birthdays", "/admin/audit"):
        assert {"X-Total-Count", "Link"} <= headers(spec, path, "get", "200")
    components = spec["components"]["headers"]
    assert components["X-Total-Count"]["schema"]["pattern"] == "^[0-9]+$"


async def test_delete_user_documents_the_envelope_not_fastapi_422(spec: dict[str, Any]) -> None:
    responses = spec["paths"]["/users/{user_id}"]["delete"]["responses"]
    assert envelope_ref(responses["422"]) == "#/components/schemas/ErrorResponse"


async def test_refused_nulls_are_not_nullable(
    spec: dict[str, Any], client: httpx.AsyncClient, factory: Factory
) -> None:
    schemas = spec["components"]["schemas"]
    for schema, field in [
        ("TaskUpdate", "title"),
        ("TaskUpdate", "status"),
        ("ContactUpdate", "first_name"),
        ("ContactUpdate", "email"),
    ]:
        prop = schemas[schema]["properties"][field]
        assert "anyOf" not in prop and prop["type"] == "string", (schema, field)
    # … and the behaviour they describe: null is refused, while description may be cleared.
    assert {"type": "null"} in schemas["TaskUpdate"]["properties"]["description"]["anyOf"]
    user = await factory.user()
    created = await client.post(
        "/tasks", json={"title": "t", "description": "d"}, headers=user.bearer
    )
    url = created.headers["Location"]
    for body in ({"title": None}, {"status": None}):
        response = await client.patch(url, json=body, headers=user.bearer)
        assert response.status_code == 422, body
    response = await client.patch(url, json={"description": None}, headers=user.bearer)
    assert response.status_code == 200 and response.json()["description"] is None


async def test_open_registration_is_optionally_authenticated(
    spec: dict[str, Any], client: httpx.AsyncClient
) -> None:
    security = spec["paths"]["/users"]["post"]["security"]
    assert security[0] == {} and {"HTTPBasic": []} in security
    anonymous = await client.post(
        "/users", json={"name": "Anon", "email": "anon@example.com", "password": "long pass phrase"}
    )
    assert anonymous.status_code == 201


async def test_health_probes_have_a_body_schema(
    spec: dict[str, Any], client: httpx.AsyncClient
) -> None:
    schemas = spec["components"]["schemas"]
    for path in ("/health", "/health/ready", "/health/live"):
        ref = envelope_ref(spec["paths"][path]["get"]["responses"]["200"])
        schema = schemas[ref.rsplit("/", 1)[1]]
        body = (await client.get(path)).json()
        assert set(body) <= set(schema["properties"]), path
        assert set(schema.get("required", [])) <= set(body), path
    assert "503" in spec["paths"]["/health"]["get"]["responses"]


async def test_405_and_413_are_described(spec: dict[str, Any], client: httpx.AsyncClient) -> None:
    description = spec["info"]["description"]
    assert "405" in description and "413" in description
    response = await client.delete("/auth/login")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]

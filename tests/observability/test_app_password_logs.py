"""An app password's secret never reaches a log line, in any form it travels in."""

from __future__ import annotations

import base64
import io

import httpx

from tests.api.app_password_support import basic, bearer, issue
from tests.factories import Factory
from tests.observability.conftest import LogLines


async def test_no_app_password_reaches_a_log_line(
    client: httpx.AsyncClient, factory: Factory, log_output: io.StringIO, log_lines: LogLines
) -> None:
    owner = await factory.user()
    body = await issue(client, owner, ["tasks:read"])
    token = body["token"]
    assert (await client.get("/tasks", headers=bearer(token))).status_code == 200
    assert (await client.get("/tasks", headers=basic(owner.email, token))).status_code == 200
    denied = await client.post("/tasks", headers=bearer(token), json={"title": "x"})
    assert denied.status_code == 403
    assert (await client.get("/auth/tokens", headers=bearer(token))).status_code == 403
    assert (await client.delete(f"/auth/tokens/{body['id']}", headers=owner.bearer)).is_success
    assert (await client.get("/tasks", headers=bearer(token))).status_code == 401
    assert (await client.get("/tasks", headers=basic(owner.email, token))).status_code == 401

    output = log_output.getvalue()
    events = {line.get("event") for line in log_lines() if line["logger"] == "homebase.audit"}
    assert {"app_password.created", "app_password.new_ip", "app_password.revoked"} <= events
    encoded = base64.b64encode(f"{owner.email}:{token}".encode()).decode()
    for secret in (token, token[12:], encoded):
        assert secret not in output

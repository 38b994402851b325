"""No password, token or `Authorization` header ever reaches a log line (issue §4).

Every flow that carries a secret is driven with logging at DEBUG for every logger, through the
JSON formatter; then the captured output is searched for each secret and its encodings.
"""

from __future__ import annotations

import base64
import io

import httpx

from tests.observability.conftest import LogLines, access_lines

PASSWORD = "Tr0ub4dor-and-3-more"
WRONG_PASSWORD = "Wr0ng-guess-for-logs"
NEW_PASSWORD = "N3w-secret-for-logs"
NEWER_PASSWORD = "N3wer-secret-for-logs"
EMAIL = "secretive@example.com"


def _basic(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


async def test_no_secret_reaches_a_log_line(
    client: httpx.AsyncClient, log_output: io.StringIO, log_lines: LogLines
) -> None:
    secrets: list[str] = [PASSWORD, WRONG_PASSWORD, NEW_PASSWORD, NEWER_PASSWORD]

    registered = await client.post("/auth/register", json={"email": EMAIL, "password": PASSWORD})
    assert registered.status_code == 201
    user_id = registered.json()["id"]

    login = await client.post("/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert login.status_code == 200
    pair = login.json()
    form = await client.post("/auth/token", data={"username": EMAIL, "password": PASSWORD})
    assert form.status_code == 200
    refreshed = await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refreshed.status_code == 200
    reused = await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert reused.status_code == 401
    secrets += [
        pair["access_token"],
        pair["refresh_token"],
        form.json()["access_token"],
        form.json()["refresh_token"],
        refreshed.json()["access_token"],
        refreshed.json()["refresh_token"],
    ]

    bearer = f"Bearer {form.json()['access_token']}"
    basic = _basic(EMAIL, PASSWORD)
    wrong_basic = _basic(EMAIL, WRONG_PASSWORD)
    secrets += [basic.split()[1], wrong_basic.split()[1]]
    assert (await client.get("/auth/me", headers={"Authorization": bearer})).status_code == 200
    assert (await client.get("/users/me", headers={"Authorization": basic})).status_code == 200
    assert (await client.get("/auth/me", headers={"Authorization": wrong_basic})).status_code == 401
    garbage = "Bearer not.a.valid-token-value"
    secrets.append("not.a.valid-token-value")
    assert (await client.get("/auth/me", headers={"Authorization": garbage})).status_code == 401
    failed = await client.post("/auth/login", json={"email": EMAIL, "password": WRONG_PASSWORD})
    assert failed.status_code == 401

    changed = await client.post(
        f"/users/{user_id}/change-password",
        headers={"Authorization": basic},
        json={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_repeat": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 200
    legacy = await client.put(
        "/api/user/password",
        headers={"Authorization": _basic(EMAIL, NEW_PASSWORD)},
        json={"new_password": NEWER_PASSWORD, "new_password_repeat": NEWER_PASSWORD},
    )
    assert legacy.status_code == 200
    secrets.append(_basic(EMAIL, NEW_PASSWORD).split()[1])
    relogin = await client.post("/auth/login", json={"login": EMAIL, "password": NEWER_PASSWORD})
    logout = await client.post(
        "/auth/logout", json={"refresh_token": relogin.json()["refresh_token"]}
    )
    assert logout.status_code == 204
    secrets.append(relogin.json()["refresh_token"])

    output = log_output.getvalue()
    lines = log_lines()
    events = {line.get("event") for line in lines if line["logger"] == "homebase.audit"}
    assert {"login.succeeded", "login.failed", "token.reuse_detected", "password.changed"} <= events
    assert len(access_lines(lines)) == 14
    for secret in secrets:
        assert secret not in output, f"a secret reached the logs: {secret[:6]}…"
    assert "authorization" not in output.lower()

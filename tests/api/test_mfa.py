"""TOTP second factor (SPEC §10): enrolment, two-step login, replay, recovery codes, locks."""

from __future__ import annotations

import base64
import time
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest

from homebase.app_state import AppState
from homebase.core import totp
from tests.api.app_password_support import basic, bearer, issue
from tests.factories import Factory, UserHandle


def _error(response: httpx.Response, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status, response.text
    body: dict[str, str] = response.json()
    assert (body["result"], body["code"]) == ("error", code)
    return body


def _code(secret: str, steps_ahead: int = 0) -> str:
    return totp.code_at(secret, time.time() + 30 * steps_ahead)


async def _enable(client: httpx.AsyncClient, user: UserHandle) -> tuple[str, list[str]]:
    enrol = await client.post("/auth/mfa/totp", headers=user.bearer)
    assert enrol.status_code == 200, enrol.text
    secret = enrol.json()["secret"]
    confirm = await client.post(
        "/auth/mfa/totp/confirm", json={"code": _code(secret)}, headers=user.bearer
    )
    assert confirm.status_code == 200, confirm.text
    return secret, confirm.json()["recovery_codes"]


async def _login(client: httpx.AsyncClient, user: UserHandle, password: str | None = None) -> str:
    response = await client.post(
        "/auth/login", json={"email": user.email, "password": password or user.password}
    )
    return _error(response, 401, "mfa_required")["mfa_token"]


async def test_enrolment_gives_secret_uri_and_qr(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    _error(await client.post("/auth/mfa/totp"), 401, "unauthorized")
    body = (await client.post("/auth/mfa/totp", headers=user.bearer)).json()
    assert len(base64.b32decode(body["secret"])) * 8 >= 160
    uri = urlsplit(body["otpauth_uri"])
    assert uri.scheme == "otpauth" and unquote(uri.path) == f"/Homebase:{user.email}"
    assert parse_qs(uri.query)["issuer"] == ["Homebase"]
    assert body["qr_code"].startswith("data:image/svg+xml")
    # Not on until confirmed: login still takes the password alone.
    login = await client.post("/auth/login", json={"email": user.email, "password": user.password})
    assert login.status_code == 200


async def test_confirm_then_two_step_login(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    secret, codes = await _enable(client, user)
    assert len(codes) == 10 == len(set(codes))
    assert (await client.get("/auth/me", headers=user.bearer)).json()["mfa_enabled"] is True
    # A wrong password is a plain 401, with no mfa_token.
    wrong = await client.post("/auth/login", json={"email": user.email, "password": "nope-nope"})
    assert "mfa_token" not in _error(wrong, 401, "invalid_credentials")
    mfa_token = await _login(client, user)
    # The mfa_token is no Bearer token.
    bearer = {"Authorization": f"Bearer {mfa_token}"}
    _error(await client.get("/auth/me", headers=bearer), 401, "invalid_token")
    # The confirming code was accepted once already: refused here.
    replay = await client.post(
        "/auth/mfa/verify", json={"mfa_token": mfa_token, "code": _code(secret)}
    )
    _error(replay, 401, "invalid_mfa_code")
    done = await client.post(
        "/auth/mfa/verify", json={"mfa_token": mfa_token, "code": _code(secret, 1)}
    )
    assert done.status_code == 200, done.text
    access = done.json()["access_token"]
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {access}"})
    assert me.json()["id"] == user.id
    # The mfa_token is spent with its login.
    spent = await client.post("/auth/mfa/verify", json={"mfa_token": mfa_token, "code": codes[0]})
    _error(spent, 401, "invalid_token")


async def test_the_oauth_form_also_asks_for_the_second_factor(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    await _enable(client, user)
    form = {"username": user.email, "password": user.password}
    body = _error(await client.post("/auth/token", data=form), 401, "mfa_required")
    assert body["mfa_token"]


async def test_a_code_is_accepted_once(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    secret, _ = await _enable(client, user)
    code = _code(secret, 1)
    first, second = await _login(client, user), await _login(client, user)
    ok = await client.post("/auth/mfa/verify", json={"mfa_token": first, "code": code})
    assert ok.status_code == 200
    again = await client.post("/auth/mfa/verify", json={"mfa_token": second, "code": code})
    _error(again, 401, "invalid_mfa_code")


async def test_recovery_codes_work_once_each(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    _, codes = await _enable(client, user)
    token = await _login(client, user)
    used = await client.post(
        "/auth/mfa/verify", json={"mfa_token": token, "code": codes[3].upper()}
    )
    assert used.status_code == 200
    token = await _login(client, user)
    reused = await client.post("/auth/mfa/verify", json={"mfa_token": token, "code": codes[3]})
    _error(reused, 401, "invalid_mfa_code")
    other = await client.post("/auth/mfa/verify", json={"mfa_token": token, "code": codes[4]})
    assert other.status_code == 200


async def test_other_users_codes_and_tokens_open_nothing(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ann, bob = await factory.user(), await factory.user()
    ann_secret, ann_codes = await _enable(client, ann)
    await _enable(client, bob)
    bob_token = await _login(client, bob)
    for code in (_code(ann_secret, 1), ann_codes[0]):
        response = await client.post(
            "/auth/mfa/verify", json={"mfa_token": bob_token, "code": code}
        )
        _error(response, 401, "invalid_mfa_code")


@pytest.mark.parametrize(
    "code", ["", "000000x", "12345", "1" * 64, "\u0661\u0662\u0663\u0664\u0665\u0666", "' or 1=1"]
)
async def test_garbage_codes_and_tokens(
    client: httpx.AsyncClient, factory: Factory, code: str
) -> None:
    user = await factory.user()
    await _enable(client, user)
    token = await _login(client, user)
    response = await client.post("/auth/mfa/verify", json={"mfa_token": token, "code": code})
    assert response.status_code in (401, 422), response.text
    garbage = await client.post("/auth/mfa/verify", json={"mfa_token": "forged", "code": "123456"})
    _error(garbage, 401, "invalid_token")


async def test_a_token_dies_after_five_wrong_codes(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    secret, _ = await _enable(client, user)
    token = await _login(client, user)
    for _ in range(5):
        wrong = await client.post("/auth/mfa/verify", json={"mfa_token": token, "code": "000000"})
        assert wrong.status_code == 401
    late = await client.post(
        "/auth/mfa/verify", json={"mfa_token": token, "code": _code(secret, 1)}
    )
    _error(late, 401, "invalid_token")


@pytest.mark.usefixtures("rate_limits")
async def test_guesses_lock_the_second_factor(
    client: httpx.AsyncClient, factory: Factory, state: AppState
) -> None:
    user = await factory.user()
    secret, _ = await _enable(client, user)
    threshold = state.settings.lockout_threshold
    guesses = 0
    while guesses < threshold:  # four guesses per mfa_token (a token survives five)
        token = await _login(client, user)
        for _ in range(min(4, threshold - guesses)):
            await client.post("/auth/mfa/verify", json={"mfa_token": token, "code": "000000"})
            guesses += 1
    token = await _login(client, user)
    locked = await client.post(
        "/auth/mfa/verify", json={"mfa_token": token, "code": _code(secret, 1)}
    )
    _error(locked, 429, "account_locked")
    assert int(locked.headers["Retry-After"]) > 0


async def test_basic_with_the_password_is_refused(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    user = await factory.user()
    assert (await client.get("/auth/me", headers=user.basic)).status_code == 200
    await _enable(client, user)
    _error(await client.get("/auth/me", headers=user.basic), 401, "mfa_basic_refused")
    bad = {"Authorization": "Basic " + base64.b64encode(f"{user.email}:wrong-pw".encode()).decode()}
    _error(await client.get("/auth/me", headers=bad), 401, "invalid_credentials")


async def test_with_a_second_factor_sync_clients_use_app_passwords(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    """DAV clients send Basic: the account password is refused once MFA is on, an app
    password with the `dav` scope (made with a two-step login session) keeps them syncing."""
    user = await factory.user()
    synced = (await issue(client, user, ["dav"]))["token"]
    await _enable(client, user)
    propfind = {"Depth": "0", "Content-Type": "application/xml"}
    refused = await client.request("PROPFIND", "/dav/", headers={**user.basic, **propfind})
    assert refused.status_code == 401, refused.text
    assert refused.headers["www-authenticate"].startswith("Basic")
    for headers in (basic(user.email, synced), bearer(synced)):
        answer = await client.request("PROPFIND", "/dav/", headers={**headers, **propfind})
        assert answer.status_code == 207, answer.text


async def test_disable_needs_password_and_code(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    secret, codes = await _enable(client, user)
    wrong_password = await client.request(
        "DELETE", "/auth/mfa/totp", json={"password": "not-it-at-all", "code": _code(secret, 1)},
        headers=user.bearer,
    )  # fmt: skip
    _error(wrong_password, 401, "invalid_credentials")
    wrong_code = await client.request(
        "DELETE", "/auth/mfa/totp", json={"password": user.password, "code": "000000"},
        headers=user.bearer,
    )  # fmt: skip
    _error(wrong_code, 401, "invalid_mfa_code")
    done = await client.request(
        "DELETE", "/auth/mfa/totp", json={"password": user.password, "code": codes[0]},
        headers=user.bearer,
    )  # fmt: skip
    assert done.status_code == 204
    login = await client.post("/auth/login", json={"email": user.email, "password": user.password})
    assert login.status_code == 200
    assert (await client.get("/auth/me", headers=user.basic)).status_code == 200
    again = await client.request(
        "DELETE", "/auth/mfa/totp", json={"password": user.password, "code": "000000"},
        headers=user.bearer,
    )  # fmt: skip
    _error(again, 409, "mfa_not_enabled")


async def test_enrol_twice_and_confirm_states(client: httpx.AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    early = await client.post(
        "/auth/mfa/totp/confirm", json={"code": "123456"}, headers=user.bearer
    )
    _error(early, 409, "mfa_not_pending")
    first = (await client.post("/auth/mfa/totp", headers=user.bearer)).json()["secret"]
    second = (await client.post("/auth/mfa/totp", headers=user.bearer)).json()["secret"]
    assert first != second
    stale = await client.post(
        "/auth/mfa/totp/confirm", json={"code": _code(first)}, headers=user.bearer
    )
    _error(stale, 401, "invalid_mfa_code")
    ok = await client.post(
        "/auth/mfa/totp/confirm", json={"code": _code(second)}, headers=user.bearer
    )
    assert ok.status_code == 200
    _error(await client.post("/auth/mfa/totp", headers=user.bearer), 409, "mfa_already_enabled")


async def test_audit_trail(client: httpx.AsyncClient, factory: Factory) -> None:
    admin = await factory.admin()
    user = await factory.user()
    secret, codes = await _enable(client, user)
    token = await _login(client, user)
    await client.post("/auth/mfa/verify", json={"mfa_token": token, "code": "000000"})
    await client.post("/auth/mfa/verify", json={"mfa_token": token, "code": codes[0]})
    events = await client.get(f"/admin/audit?user_id={user.id}&limit=100", headers=admin.bearer)
    types = {event["type"] for event in events.json()}
    assert {
        "mfa.enrolment_started",
        "mfa.enabled",
        "login.mfa_required",
        "mfa.failed",
        "mfa.recovery_code_used",
        "login.succeeded",
    } <= types
    assert not any(secret in str(event) or codes[0] in str(event) for event in events.json())

"""What is sent to Homebase: one list of prepared requests per measured row.

A row whose endpoint is not in /openapi.json gets no requests, and is reported as missing.
"""

from __future__ import annotations

import base64
import json
import random
import re
import urllib.parse
from typing import Any

from bench.data import PASSWORD, user_email
from bench.report import Row
from bench.seed import HEAVY_EMAIL, Seeded
from bench.wrk import Request

JSON = {"Content-Type": "application/json"}
SEARCH_TERMS = ["ann", "Bor", "cla", "dmit", "ELE", "ivan", "smi", "kowal", "petr", "garc",
                "ross", "mart", "sok", "wag", "ova", "Lena", "nik", "fed"]  # fmt: skip
Scenario = tuple[Row, list[Request] | None]


class Api:
    """The operations Homebase publishes in /openapi.json: what exists gets measured."""

    def __init__(self, paths: dict[str, dict[str, Any]]) -> None:
        self.paths = {re.sub(r"\{[^}]+\}", "{}", path): set(ops) for path, ops in paths.items()}

    def has(self, method: str, path: str) -> bool:
        return method in self.paths.get(path, set())

    def only(self, method: str, path: str, requests: list[Request]) -> list[Request] | None:
        return requests if self.has(method, path) else None


class Callers:
    """The users the scripts act as, with their credentials."""

    def __init__(
        self, seeded: Seeded, tokens: dict[int, str], app_passwords: dict[int, str] | None = None
    ) -> None:
        self.seeded = seeded
        self.ids = [uid for uid in seeded.user_ids if uid in tokens]
        self.bearer = {uid: {"Authorization": f"Bearer {token}"} for uid, token in tokens.items()}
        # App passwords (`hbp_…`, scope tasks:read) sent as Bearer, when Homebase has them.
        self.app_password = {
            uid: {"Authorization": f"Bearer {token}"}
            for uid, token in (app_passwords or {}).items()
        }

    def email(self, uid: int) -> str:
        if uid == self.seeded.heavy_id:
            return HEAVY_EMAIL
        return user_email(self.seeded.user_ids.index(uid) + 1)

    def basic(self, uid: int) -> dict[str, str]:
        raw = f"{self.email(uid)}:{PASSWORD}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def task_reads(owned: dict[int, list[int]], headers: dict[int, dict[str, str]]) -> list[Request]:
    """Ten random tasks of each caller, read by their owner."""
    rng = random.Random(11)
    return [
        Request("GET", f"/tasks/{task_id}", headers[uid])
        for uid in headers
        if uid in owned
        for task_id in rng.sample(owned[uid], min(10, len(owned[uid])))
    ]


def logins(callers: Callers) -> list[Request]:
    body = [json.dumps({"email": callers.email(uid), "password": PASSWORD}) for uid in callers.ids]
    return [Request("POST", "/auth/login", JSON, b) for b in body]


def homebase(backend: str, api: Api, callers: Callers) -> list[Scenario]:
    bearer = {uid: callers.bearer[uid] for uid in callers.ids}
    reads = task_reads(callers.seeded.tasks, bearer)
    listing = [Request("GET", "/tasks?limit=50", h) for h in bearer.values()]
    creates = [
        Request("POST", "/tasks", h | JSON, _task_body(i))
        for i, h in enumerate(list(bearer.values()) * 4)
    ]
    app_reads = task_reads(callers.seeded.tasks, callers.app_password)
    me_bearer = [Request("GET", "/users/me", h) for h in bearer.values()]
    me_basic = [Request("GET", "/users/me", callers.basic(uid)) for uid in callers.ids]
    return [
        # The floor of the stack: the same middleware and routing, no credential, no database.
        (Row("hb.live", "GET /health/live (floor)", backend, baseline=None),
         [Request("GET", "/health/live")]),
        (Row("hb.health", "GET /health", backend, baseline=None), [Request("GET", "/health")]),
        (Row("hb.task_by_id", "Bearer GET /tasks/{id}", backend),
         api.only("get", "/tasks/{}", reads)),
        (Row("hb.task_by_id_app_password", "App-password Bearer GET /tasks/{id}", backend),
         api.only("post", "/auth/tokens", app_reads) if app_reads else None),
        (Row("hb.task_list", "Bearer GET /tasks?limit=50", backend, baseline="ref.task_list"),
         api.only("get", "/tasks", listing)),
        (Row("hb.me_bearer", "Bearer GET /users/me", backend), me_bearer),
        (Row("hb.me_basic", "Basic GET /users/me", backend), me_basic),
        (Row("hb.task_create", "Bearer POST /tasks", backend), api.only("post", "/tasks", creates)),
        (Row("hb.login", "POST /auth/login", backend), logins(callers)),
    ]  # fmt: skip


def contacts(
    api: Api, callers: Callers, heavy_count: int, per_user: int, deep_cursor: str | None = None
) -> list[Scenario]:
    """Search, birthdays and paging on PostgreSQL, for the heavy owner and for regular ones;
    `deep_cursor` resumes the heavy owner's list 50 rows before its end."""
    rng = random.Random(7)
    heavy = {callers.seeded.heavy_id: callers.bearer[callers.seeded.heavy_id]}
    regular = {uid: callers.bearer[uid] for uid in callers.ids}

    def search(headers: dict[int, dict[str, str]]) -> list[Request] | None:
        requests = [
            Request("GET", f"/contacts?q={rng.choice(SEARCH_TERMS)}", h)
            for h in list(headers.values()) * (200 // len(headers))
        ]
        return api.only("get", "/contacts", requests)

    def birthdays(headers: dict[int, dict[str, str]]) -> list[Request] | None:
        requests = [Request("GET", "/contacts/birthdays?days=7", h) for h in headers.values()]
        return api.only("get", "/contacts/birthdays", requests)

    def page(offset: int) -> list[Request] | None:
        requests = [
            Request("GET", f"/contacts?limit=50&offset={offset}", h) for h in heavy.values()
        ]
        return api.only("get", "/contacts", requests)

    pg, deep = "postgresql", max(heavy_count - 50, 0)
    rows = [
        ("hb.contacts_search_heavy", f"GET /contacts?q= (owner of {heavy_count:,})", search(heavy)),
        ("hb.contacts_search", f"GET /contacts?q= (owner of {per_user:,})", search(regular)),
        ("hb.birthdays_heavy", f"GET /contacts/birthdays (owner of {heavy_count:,})",
         birthdays(heavy)),
        ("hb.birthdays", f"GET /contacts/birthdays (owner of {per_user:,})", birthdays(regular)),
        ("hb.contacts_first_page", "GET /contacts?limit=50&offset=0 (heavy owner)", page(0)),
        ("hb.contacts_deep_page", f"GET /contacts?limit=50&offset={deep} (heavy owner)",
         page(deep)),
    ]  # fmt: skip
    out = [(Row(key, label, pg, baseline="ref.task_list"), reqs) for key, label, reqs in rows]
    # The same reads one at a time: the p99 of the request itself, without queueing.
    one_at_a_time = rows[:4]
    if deep_cursor is not None:
        cursor = urllib.parse.quote(deep_cursor)
        deep_reqs = [
            Request("GET", f"/contacts?limit=50&cursor={cursor}", h) for h in heavy.values()
        ]
        label = f"GET /contacts?limit=50&cursor= (depth {deep:,}, heavy owner)"
        one_at_a_time.append(
            ("hb.contacts_deep_cursor", label, api.only("get", "/contacts", deep_reqs))
        )
    for key, label, reqs in one_at_a_time:
        row = Row(f"{key}_1c", f"{label}, 1 conn", pg, baseline="ref.task_list", connections=1)
        out.append((row, reqs))
    return out


def _task_body(i: int) -> str:
    return json.dumps(
        {
            "title": f"Bench task {i}",
            "description": "Created by the benchmark.",
            "status": "new",
            "due_date": "2026-06-30",
        }
    )

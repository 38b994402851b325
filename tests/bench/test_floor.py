"""The stack-floor app answers what the tutorial reference answers, for the same database and
token: its rows measure the same reads done with nothing else, not lesser ones."""

from __future__ import annotations

import importlib
from pathlib import Path

import httpx
import pytest


async def test_the_floor_serves_the_references_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'reference.db'}"
    monkeypatch.setenv("REF_DATABASE_URL", url)
    from bench.reference import floor, plain

    plain, floor = importlib.reload(plain), importlib.reload(floor)  # their engines read the URL
    owned = plain.seed(url, users=2, tasks_per_user=60)
    owner, other = sorted(owned)
    headers = {"Authorization": f"Bearer {plain.create_access_token(owner)}"}
    answers = []
    try:
        for app in (plain.app, floor.app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                page = await client.get("/tasks?limit=50", headers=headers)
                one = await client.get(f"/tasks/{owned[owner][3]}", headers=headers)
                hidden = await client.get(f"/tasks/{owned[other][0]}", headers=headers)
                anonymous = await client.get("/tasks")
            assert (page.status_code, one.status_code) == (200, 200)
            assert hidden.status_code == 404 and anonymous.status_code == 401
            answers.append((page.json(), one.json()))
    finally:
        await floor.engine.dispose()
        plain.engine.dispose()
    assert answers[0] == answers[1]
    listed, _ = answers[0]
    assert [task["id"] for task in listed] == sorted(owned[owner])[:50]

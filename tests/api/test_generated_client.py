"""A Python client generated from the live `/openapi.json` by openapi-python-client drives a
scenario against the app: what a client author gets from the document works, headers
included. Runs on both backends (the `app` fixture)."""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

PACKAGE = "homebase_generated_client"
FILE_TYPES = ("text/vcard", "text/calendar", "application/zip")
GENERATOR = Path(sys.executable).parent / "openapi-python-client"
PASSWORD = "correct horse battery"


class Generated:
    """The generated package, and clients of it that talk to the app in-process."""

    def __init__(self, transport: httpx.ASGITransport) -> None:
        self.transport = transport

    def __getattr__(self, name: str) -> ModuleType:
        """`generated.tasks_read` is `{PACKAGE}.api.tasks.tasks_read`."""
        tag = name.split("_", 1)[0]
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")

    def models(self) -> Any:
        return importlib.import_module(f"{PACKAGE}.models")

    def anonymous(self) -> Any:
        client = importlib.import_module(f"{PACKAGE}.client").Client
        return client(base_url="http://test", httpx_args={"transport": self.transport})

    def authenticated(self, token: str) -> Any:
        client = importlib.import_module(f"{PACKAGE}.client").AuthenticatedClient
        return client(base_url="http://test", token=token, httpx_args={"transport": self.transport})


def generate(folder: Path) -> None:
    # vCard, iCalendar and zip bodies are files to a generated client: it has no parser of its
    # own for them, and says so unless told to treat them as bytes.
    overrides = "".join(f"  {kind}: application/octet-stream\n" for kind in FILE_TYPES)
    (folder / "config.yaml").write_text(
        f"package_name_override: {PACKAGE}\npost_hooks: []\ncontent_type_overrides:\n{overrides}"
    )
    command = [str(GENERATOR), "generate", "--path", "openapi.json", "--output-path", PACKAGE]
    finished = subprocess.run(
        [*command, "--meta", "none", "--config", "config.yaml"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = finished.stdout + finished.stderr
    assert finished.returncode == 0, output
    assert "Warning" not in output, output  # every operation and schema was understood


@pytest.fixture
async def generated(app: FastAPI, tmp_path: Path) -> AsyncIterator[Generated]:
    """Generate the client from the app's document into tmp_path, import it, forget it after."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        document = await http.get("/openapi.json")
    assert document.status_code == 200
    (tmp_path / "openapi.json").write_bytes(document.content)
    await asyncio.to_thread(generate, tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        yield Generated(transport)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


async def test_generated_client_drives_tasks_and_contacts(generated: Generated) -> None:
    models = generated.models()
    anonymous = generated.anonymous()

    # Open registration, anonymously, through the optionally authenticated `POST /users`.
    created = await generated.users_create.asyncio_detailed(
        client=anonymous,
        body=models.UserCreate(name="Ada", email="ada@example.com", password=PASSWORD),
    )
    assert created.status_code == 201, created.content
    assert isinstance(created.parsed, models.UserPublic)
    assert created.headers["X-Request-ID"]
    login = await generated.auth_login.asyncio_detailed(
        client=anonymous, body=models.LoginRequest(email="ada@example.com", password=PASSWORD)
    )
    assert isinstance(login.parsed, models.TokenPair), login.content
    ada = generated.authenticated(login.parsed.access_token)
    me = await generated.users_read_me.asyncio(client=ada)
    assert me.email == "ada@example.com"

    await drive_tasks(generated, models, ada)
    await drive_contacts(generated, models, ada)

    # Every error, 422 included, parses as the one envelope.
    invalid = await generated.users_delete.asyncio_detailed(0, client=ada)
    assert invalid.status_code == 422
    assert isinstance(invalid.parsed, models.ErrorResponse)
    assert invalid.parsed.code == "validation_error" and invalid.parsed.errors
    health = await generated.system_health.asyncio(client=anonymous)
    assert isinstance(health, models.Health) and health.database == "ok"


async def drive_tasks(generated: Generated, models: Any, client: Any) -> None:
    created = await generated.tasks_create.asyncio_detailed(
        client=client,
        body=models.TaskCreate(title="Купить молоко", status=models.TaskCreateStatus("в процессе")),
    )
    assert created.status_code == 201, created.content
    task = created.parsed
    assert isinstance(task, models.TaskPublic) and task.status == models.TaskStatus.IN_PROGRESS
    assert created.headers["Location"] == f"/tasks/{task.id}"
    etag = created.headers["ETag"]

    listed = await generated.tasks_list.asyncio_detailed(client=client, q="молоко", limit=10)
    assert listed.headers["X-Total-Count"] == "1"
    assert [item.id for item in listed.parsed] == [task.id]

    read = await generated.tasks_read.asyncio_detailed(task.id, client=client)
    assert read.parsed.title == "Купить молоко" and read.headers["ETag"] == etag
    unchanged = await generated.tasks_read.asyncio_detailed(
        task.id, client=client, if_none_match=etag
    )
    assert unchanged.status_code == 304

    updated = await generated.tasks_update.asyncio_detailed(
        task.id,
        client=client,
        body=models.TaskUpdate(status=models.TaskUpdateStatus.DONE),
        if_match=etag,
    )
    assert updated.status_code == 200 and updated.parsed.status == models.TaskStatus.DONE
    assert updated.headers["ETag"] != etag
    stale = await generated.tasks_update.asyncio_detailed(
        task.id, client=client, body=models.TaskUpdate(title="again"), if_match=etag
    )
    assert stale.status_code == 412 and stale.parsed.code == "precondition_failed"

    deleted = await generated.tasks_delete.asyncio_detailed(task.id, client=client)
    assert deleted.status_code == 204
    gone = await generated.tasks_read.asyncio_detailed(task.id, client=client)
    assert gone.status_code == 404 and isinstance(gone.parsed, models.ErrorResponse)


async def drive_contacts(generated: Generated, models: Any, client: Any) -> None:
    body = models.ContactCreate(first_name="Иван", last_name="Петров", email="ivan@example.com")
    created = await generated.contacts_create.asyncio_detailed(client=client, body=body)
    assert created.status_code == 201, created.content
    contact = created.parsed
    assert created.headers["Location"] == f"/contacts/{contact.id}"
    etag = created.headers["ETag"]

    listed = await generated.contacts_list.asyncio_detailed(client=client, q="иВАН")
    assert listed.headers["X-Total-Count"] == "1"
    assert [item.email for item in listed.parsed] == ["ivan@example.com"]
    by_cursor = await generated.contacts_list.asyncio_detailed(client=client, cursor="")
    assert "X-Total-Count" not in by_cursor.headers and 'rel="first"' in by_cursor.headers["Link"]

    read = await generated.contacts_read.asyncio_detailed(contact.id, client=client)
    assert read.parsed.last_name == "Петров" and read.headers["ETag"] == etag

    updated = await generated.contacts_update.asyncio_detailed(
        contact.id,
        client=client,
        body=models.ContactUpdate(phone="+7 900 100-20-30"),
        if_match=etag,
    )
    assert updated.status_code == 200 and updated.parsed.phone == "+7 900 100-20-30"
    assert updated.headers["ETag"] != etag

    deleted = await generated.contacts_delete.asyncio_detailed(contact.id, client=client)
    assert deleted.status_code == 204

"""vdirsyncer two-way sync of the address book and the task list with a filesystem storage."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.api.dav.live import Live
from tests.api.dav.support import card, todo

pytestmark = pytest.mark.slow
VDIRSYNCER = str(Path(sys.executable).parent / "vdirsyncer")


def _config(tmp: Path, server: Live, conflicts: str | None) -> Path:
    resolution = f'conflict_resolution = "{conflicts}"\n' if conflicts else ""
    text = f"""
[general]
status_path = "{tmp}/status/"

[pair contacts]
a = "contacts_local"
b = "contacts_remote"
collections = ["from b"]
{resolution}
[storage contacts_local]
type = "filesystem"
path = "{tmp}/contacts/"
fileext = ".vcf"

[storage contacts_remote]
type = "carddav"
url = "{server.base}/"
username = "{server.login}"
password = "{server.password}"

[pair tasks]
a = "tasks_local"
b = "tasks_remote"
collections = null
{resolution}
[storage tasks_local]
type = "filesystem"
path = "{tmp}/tasks/"
fileext = ".ics"

[storage tasks_remote]
type = "caldav"
url = "{server.home}tasks/"
item_types = ["VTODO"]
username = "{server.login}"
password = "{server.password}"
"""
    path = tmp / f"config-{conflicts or 'strict'}"
    path.write_text(text)
    return path


def _run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VDIRSYNCER, "-c", str(config), *args],
        input="y\n" * 4,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _sync(config: Path) -> None:
    result = _run(config, "sync")
    assert result.returncode == 0, result.stdout + result.stderr


def _files(folder: Path) -> dict[str, str]:
    return {p.name: p.read_bytes().decode() for p in sorted(folder.iterdir()) if p.is_file()}


def test_two_way_sync(live: Live, tmp_path: Path) -> None:
    server = live
    auth = (server.login, server.password)
    contacts_url, tasks_url = server.home + "contacts/", server.home + "tasks/"
    with httpx.Client(auth=auth) as http:
        for uid, name in (("c1", "Ada Lovelace"), ("c2", "Алан Тьюринг")):
            body = card(uid, name, f"{uid}@example.com", "X-ABLabel:kept")
            response = http.put(f"{contacts_url}{uid}.vcf", content=body.encode())
            assert response.status_code == 201
        http.put(f"{tasks_url}t1.ics", content=todo("t1", "Write report", "20240501").encode())
    (tmp_path / "tasks").mkdir()
    strict = _config(tmp_path, server, None)
    discovered = _run(strict, "discover")
    assert discovered.returncode == 0, discovered.stdout + discovered.stderr
    _sync(strict)

    local_contacts = tmp_path / "contacts" / "contacts"
    files = _files(local_contacts)
    assert len(files) == 2
    assert card("c1", "Ada Lovelace", "c1@example.com", "X-ABLabel:kept") in files.values()
    local_tasks = tmp_path / "tasks"
    assert list(_files(local_tasks).values()) == [todo("t1", "Write report", "20240501")]

    # A local edit and a local delete reach the server, as written.
    ada = next(p for p in local_contacts.iterdir() if "Ada" in p.read_bytes().decode())
    turing = next(p for p in local_contacts.iterdir() if p != ada)
    edited = card("c1", "Ada King", "c1@example.com", "X-ABLabel:kept")
    ada.write_bytes(edited.encode())
    turing.unlink()
    _sync(strict)
    with httpx.Client(base_url=server.base, auth=auth) as http:
        [contact] = http.get("/contacts").raise_for_status().json()
        assert contact["email"] == "c1@example.com"
        assert http.get(f"{contacts_url}c1.vcf").text == edited
        assert http.get(f"{contacts_url}c2.vcf").status_code == 404

        # A REST edit reaches the file in the next sync; the card keeps what it did not map.
        tag = http.get(f"/contacts/{contact['id']}").headers["ETag"]
        patched = http.patch(
            f"/contacts/{contact['id']}", json={"phone": "+441234567890"}, headers={"If-Match": tag}
        )
        assert patched.status_code == 200, patched.text
    _sync(strict)
    synced = ada.read_bytes().decode()
    assert "+441234567890" in synced
    assert "X-ABLabel:kept" in synced

    # A change on the server side reaches the file.
    task_file = next(local_tasks.iterdir())
    with httpx.Client(auth=auth) as http:
        changed = todo("t1", "Write the report", "20240502")
        assert http.put(f"{tasks_url}t1.ics", content=changed.encode()).status_code == 204
    _sync(strict)
    assert task_file.read_bytes().decode() == changed

    # Both sides change: a conflict, which the strict pair refuses and "b wins" settles.
    task_file.write_bytes(todo("t1", "Local title").encode())
    with httpx.Client(auth=auth) as http:
        assert http.put(f"{tasks_url}t1.ics", content=todo("t1", "Server title").encode())
    conflict = _run(strict, "sync")
    assert conflict.returncode != 0
    assert "conflict" in (conflict.stdout + conflict.stderr).lower()
    _sync(_config(tmp_path, server, "b wins"))
    assert task_file.read_bytes().decode() == todo("t1", "Server title")

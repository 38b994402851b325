"""The README's API tour runs as written: its shell blocks, top to bottom, in bash, against a
live server on 127.0.0.1. Each curl call answers what its `# → NNN` note says (2xx when it has
none), so a step that silently stops working (a spent token, a missing admin) fails here."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.server import running_server, server_env

README = Path(__file__).resolve().parents[2] / "README.md"
README_HOST = "localhost:8000"
# Every curl of the tour goes through this: bounded in time, never through a proxy, and each
# answer's status line appended to $TOUR_STATUSES (a file, so command substitutions count too).
PRELUDE = """set -euo pipefail
curl() {
    local headers rc=0
    headers=$(mktemp)
    command curl --max-time 15 --noproxy '*' -D "$headers" "$@" || rc=$?
    head -n 1 "$headers" >> "$TOUR_STATUSES"
    rm -f "$headers"
    return "$rc"
}
"""
_CURL = re.compile(r"(?:^|[\s(])curl\s")
_NOTE = re.compile(r"# → (\d{3})\b")


def tour_script() -> str:
    """The `sh` blocks from `## API tour` to the next `## ` section."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## API tour", 1)[1].split("\n## ", 1)[0]
    return "\n".join(re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL))


def expected_statuses(script: str) -> list[int | None]:
    """One entry per curl call in order: the status its `# → NNN` note names, else None."""
    expected: list[int | None] = []
    for line in script.splitlines():
        code = "" if line.lstrip().startswith("#") else line.split(" # ", 1)[0]
        if _CURL.search(code):
            expected.append(None)
        note = _NOTE.search(line)
        if note and expected:
            expected[-1] = int(note.group(1))
    return expected


def test_the_tour_has_what_it_must() -> None:
    script = tour_script()
    expected = expected_statuses(script)
    assert len(expected) >= 30
    assert {201, 204, 304, 400, 412} <= {code for code in expected if code}
    assert "logout-all" in script and "create-admin" in script


@pytest.mark.slow
def test_the_readme_tour_runs_against_a_live_server(tmp_path: Path) -> None:
    script = tour_script()
    with running_server(tmp_path) as server:
        local = script.replace(README_HOST, f"127.0.0.1:{server.port}")
        hosts = set(re.findall(r"\b[\w.-]+:\d{2,5}\b", local))
        assert hosts == {f"127.0.0.1:{server.port}"}, hosts  # only this server, nothing else
        assert "://" not in local
        statuses = tmp_path / "statuses.txt"
        env = server_env(tmp_path)
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        env["TOUR_STATUSES"] = str(statuses)
        finished = subprocess.run(
            ["bash", "-c", PRELUDE + local],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
    output = f"{finished.stdout}\n{finished.stderr}"
    assert finished.returncode == 0, output
    answered = [int(line.split()[1]) for line in statuses.read_text().splitlines()]
    expected = expected_statuses(script)
    assert len(answered) == len(expected), (answered, expected, output)
    for number, (got, wanted) in enumerate(zip(answered, expected, strict=True), 1):
        if wanted is None:
            assert 200 <= got < 300, f"curl call {number} answered {got}\n{output}"
        else:
            assert got == wanted, f"curl call {number} answered {got}, not {wanted}\n{output}"
    assert "Пароль успешно изменён" in output
    assert '"code":"passwords_mismatch"' in output

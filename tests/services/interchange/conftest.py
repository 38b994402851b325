from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def read_fixture(name: str) -> str:
    # newline="" keeps the CRLF line breaks the exporting apps wrote.
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
        return handle.read()


@pytest.fixture
def fixture_text() -> type[object]:
    return read_fixture  # type: ignore[return-value]

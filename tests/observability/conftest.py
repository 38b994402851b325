from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from homebase.observability.logging import JsonFormatter

LogLines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Everything logged during the test, at every level, through the JSON formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


@pytest.fixture
def log_lines(log_output: io.StringIO) -> LogLines:
    def lines() -> list[dict[str, Any]]:
        return [json.loads(line) for line in log_output.getvalue().splitlines() if line]

    return lines


def access_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line["logger"] == "homebase.access"]

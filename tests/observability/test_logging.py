"""The JSON and text formatters, and the logging configuration `homebase serve` applies."""

from __future__ import annotations

import json
import logging
import sys

from homebase.observability.logging import (
    REDACTED,
    JsonFormatter,
    TextFormatter,
    logging_config,
    redact_text,
    request_id_var,
)
from tests.support import make_settings


def _record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("homebase.test", logging.INFO, __file__, 1, message, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_json_line_has_fields_and_extras() -> None:
    record = _record("hello %s", "world", route="/tasks/{task_id}", status=201)
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["level"] == "info"
    assert entry["logger"] == "homebase.test"
    assert entry["message"] == "hello world"
    assert entry["route"] == "/tasks/{task_id}"
    assert entry["status"] == 201
    assert entry["ts"].endswith("+00:00")
    assert "request_id" not in entry
    assert "\n" not in line


def test_json_line_carries_the_current_request_id() -> None:
    token = request_id_var.set("req-42")
    try:
        entry = json.loads(JsonFormatter().format(_record("inside a request")))
    finally:
        request_id_var.reset(token)
    assert entry["request_id"] == "req-42"


def test_secret_looking_fields_and_credentials_are_redacted() -> None:
    record = _record(
        "header was Bearer eyJhbGciOi.abc.def and Basic dXNlcjpwYXNz",
        password="hunter2hunter2",
        refresh_token="r-123",
        authorization="Basic abc",
        client_secret="s",
    )
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    for secret in ("hunter2hunter2", "r-123", "eyJhbGciOi", "dXNlcjpwYXNz", "Basic abc"):
        assert secret not in line
    assert entry["password"] == entry["refresh_token"] == entry["authorization"] == REDACTED
    assert entry["message"] == f"header was Bearer {REDACTED} and Basic {REDACTED}"


def test_exceptions_are_logged_on_the_same_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "homebase", logging.ERROR, __file__, 1, "failed", None, sys.exc_info()
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exc"]


def test_redact_text_leaves_ordinary_words_alone() -> None:
    assert redact_text("basic plan, bearer bonds") == "basic plan, bearer bonds"
    assert redact_text("Authorization: Bearer abc.def.ghi") == f"Authorization: Bearer {REDACTED}"


def test_text_formatter_redacts_and_appends_request_id() -> None:
    token = request_id_var.set("rid-1")
    try:
        line = TextFormatter().format(_record("got Bearer abc.def.ghi"))
    finally:
        request_id_var.reset(token)
    assert "abc.def.ghi" not in line
    assert line.endswith("[rid-1]")


def test_logging_config_routes_uvicorn_through_ours_and_silences_its_access_log() -> None:
    config = logging_config(make_settings("sqlite://", log_json=True, log_level="warning"))
    assert config["formatters"]["homebase"]["()"].endswith("JsonFormatter")
    assert config["root"]["level"] == "WARNING"
    assert config["loggers"]["uvicorn.access"]["propagate"] is False
    assert config["loggers"]["uvicorn.error"]["handlers"] == []
    text = logging_config(make_settings("sqlite://", log_json=False))
    assert text["formatters"]["homebase"]["()"].endswith("TextFormatter")

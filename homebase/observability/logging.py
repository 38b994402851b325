"""Structured logs: one JSON object a line, carrying the id of the request being served.

Secrets are kept out by construction (nothing logs a body or an `Authorization` header); the
formatters also redact, as a second line of defence, any extra field whose name says it holds a
secret and any `Basic …`/`Bearer …` credential that slips into a message.
"""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

from homebase.core.config import Settings

request_id_var: ContextVar[str | None] = ContextVar("homebase_request_id", default=None)

REDACTED = "[redacted]"
_SECRET_FIELD_WORDS = ("password", "token", "secret", "authorization", "cookie", "credential")
_CREDENTIAL = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")
_RECORD_FIELDS = frozenset(
    {*vars(logging.LogRecord("", 0, "", 0, "", None, None)), "message", "asctime"}
)
# uvicorn adds these for its coloured console output; they repeat the message.
_IGNORED_FIELDS = frozenset({"color_message", "taskName"})


def redact_text(text: str) -> str:
    return _CREDENTIAL.sub(lambda match: f"{match.group(1)} {REDACTED}", text)


def is_secret_field(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_FIELD_WORDS)


def _utc_timestamp(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "message", "request_id"?, …extra fields}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": _utc_timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact_text(record.getMessage()),
        }
        request_id = request_id_var.get()
        if request_id is not None:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key in _RECORD_FIELDS or key in _IGNORED_FIELDS or key.startswith("_"):
                continue
            entry[key] = REDACTED if is_secret_field(key) else value
        if record.exc_info:
            entry["exc"] = redact_text(self.formatException(record.exc_info))
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    """Human-readable lines for a terminal (`HOMEBASE_LOG_JSON=false`), redacted the same way."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = redact_text(super().format(record))
        request_id = request_id_var.get()
        return f"{line} [{request_id}]" if request_id else line


def logging_config(settings: Settings) -> dict[str, Any]:
    """A `logging.config.dictConfig` for the service and uvicorn (whose access log is off:
    `homebase.access` writes one line per request instead)."""
    formatter = JsonFormatter if settings.log_json else TextFormatter
    level = settings.log_level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"homebase": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "homebase",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.error": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
            # Alembic announces its plugins at every run; its "Running upgrade" lines stay.
            "alembic.runtime.plugins": {"level": "WARNING"},
        },
    }

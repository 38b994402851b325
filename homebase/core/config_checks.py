"""Checks of single settings, run when the settings are read, so that a bad value stops the
start with one line naming the variable instead of failing later, per request.

Messages never repeat a value that may hold a secret (URLs carry passwords, keys are keys).
"""

from __future__ import annotations

import re
from pathlib import Path

from limits import parse
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from homebase.core.client_ip import parse_networks

ENV_PREFIX = "HOMEBASE_"
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
DATABASE_DRIVERS = frozenset(
    {
        "sqlite",
        "sqlite+aiosqlite",
        "sqlite+pysqlite",
        "postgresql",
        "postgres",
        "postgresql+asyncpg",
        "postgresql+psycopg",
        "postgresql+psycopg2",
        "postgresql+pg8000",
    }
)
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
MIN_SECRET_LENGTH = 32
# A key containing one of these (case and punctuation aside) was copied from an example.
PLACEHOLDER_WORDS = (
    "changeme",
    "changethis",
    "replaceme",
    "placeholder",
    "yoursecret",
    "mysecret",
    "secretkey",
    "insecure",
    "notsecret",
    "example",
)


def networks(values: list[str]) -> list[str]:
    for value in values:
        try:
            parse_networks([value])
        except ValueError:
            raise ValueError(
                f"{value[:50]!r} is not an IP address or network (comma-separated, e.g. "
                "10.0.0.0/8,192.0.2.1)"
            ) from None
    return values


def rate(value: str) -> str:
    try:
        amount = parse(value).amount
    except ValueError:
        amount = 0
    if amount < 1:
        raise ValueError(f"{value[:50]!r} is not a rate such as 30/minute or 5 per hour")
    return value


def log_level(value: str) -> str:
    level = value.strip().upper()
    if level not in LOG_LEVELS:
        raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
    return level


def database_url(value: str) -> str:
    try:
        driver = make_url(value).drivername
    except ArgumentError:
        driver = ""
    if driver not in DATABASE_DRIVERS:
        # Not the value itself: a URL may carry a password.
        raise ValueError("must be a sqlite:///PATH or postgresql://USER@HOST/DB URL")
    return value


def redis_url(value: str | None) -> str | None:
    if value is not None and not value.startswith(REDIS_SCHEMES):
        raise ValueError("must start with redis://, rediss:// or unix://")
    return value


def secret_problem(key: str) -> str | None:
    """Why `key` cannot sign tokens in production; None when it can."""
    if len(key) < MIN_SECRET_LENGTH:
        return f"must be a random value of at least {MIN_SECRET_LENGTH} characters"
    folded = re.sub(r"[^a-z0-9]", "", key.casefold())
    if any(word in folded for word in PLACEHOLDER_WORDS):
        return "looks like a placeholder copied from an example: use a random value"
    return None


def read_secret_file(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise ValueError(f"HOMEBASE_SECRET_FILE cannot be read ({exc.strerror})") from None


def describe(exc: ValidationError) -> list[str]:
    """One line per problem: the variable, then what is wrong, never the value given."""
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        message = str(error["msg"]).removeprefix("Value error, ")
        location = error["loc"]
        if location:
            name = f"{ENV_PREFIX}{str(location[0]).upper()}"
            lines.append(f"{name}: {message}")
        else:
            lines.append(message)
    return lines

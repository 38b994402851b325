"""Prometheus metrics, correct across worker processes.

With several workers, `homebase serve` points `PROMETHEUS_MULTIPROC_DIR` at a fresh folder
before any worker starts (prometheus-client picks its storage when first imported), every worker
writes its values there, and `/metrics` adds them up, whichever worker answers the scrape.
"""

from __future__ import annotations

import os
import re
import weakref
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from homebase.observability import MULTIPROC_ENV

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "homebase_http_requests",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "homebase_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route template and status",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
LOGINS = Counter(
    "homebase_logins",
    "Login attempts (password checks), by result: succeeded or failed",
    ["result"],
)
AUDIT_EVENTS = Counter(
    "homebase_audit_events", "Security events recorded in the audit trail, by type", ["type"]
)
RATE_LIMITED = Counter(
    "homebase_rate_limited",
    "Requests refused with 429, by error code (rate_limited, account_locked)",
    ["code"],
)
DB_POOL_CHECKED_OUT = Gauge(
    "homebase_db_pool_checked_out",
    "Database connections currently checked out of the pool",
    multiprocess_mode="livesum",
)

_checked_out: weakref.WeakSet[Any] = weakref.WeakSet()
_PID_FILE = re.compile(r"^[a-z_]+_(\d+)\.db$")


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    method = method if method in KNOWN_METHODS else "OTHER"
    labels = (method, route, str(status))
    HTTP_REQUESTS.labels(*labels).inc()
    HTTP_LATENCY.labels(*labels).observe(seconds)


def observe_rate_limited(code: str) -> None:
    RATE_LIMITED.labels(code).inc()


def observe_audit_event(event_type: str) -> None:
    """Count a security event; `login.succeeded` and the other `login.*` events also count
    as login successes and failures."""
    AUDIT_EVENTS.labels(event_type).inc()
    if event_type == "login.succeeded":
        LOGINS.labels("succeeded").inc()
    elif event_type.startswith("login."):
        LOGINS.labels("failed").inc()


def _checked_out_changed(record: Any, checked_out: bool) -> None:
    # A set rather than inc/dec: a failed checkout can be "checked in" without having been
    # reported as checked out, and a counter would drift.
    if checked_out:
        _checked_out.add(record)
    else:
        _checked_out.discard(record)
    DB_POOL_CHECKED_OUT.set(len(_checked_out))


def instrument_engine(engine: AsyncEngine) -> None:
    """Keep `homebase_db_pool_checked_out` up to date from the engine's pool events."""
    target = engine.sync_engine

    def on_checkout(_dbapi: Any, record: Any, _proxy: Any) -> None:
        _checked_out_changed(record, True)

    def on_checkin(_dbapi: Any, record: Any) -> None:
        _checked_out_changed(record, False)

    event.listen(target, "checkout", on_checkout)
    event.listen(target, "checkin", on_checkin)


def multiprocess_dir() -> Path | None:
    value = os.environ.get(MULTIPROC_ENV)
    return Path(value) if value else None


def forget_dead_workers(folder: Path) -> list[int]:
    """Drop the live gauges of worker processes that are gone (their counters stay, so totals
    never go backwards). Returns the pids cleaned up."""
    pids = set()
    for path in folder.glob("*.db"):
        match = _PID_FILE.match(path.name)
        if match:
            pids.add(int(match.group(1)))
    dead = sorted(pid for pid in pids if not _alive(pid))
    for pid in dead:
        multiprocess.mark_process_dead(pid, str(folder))  # type: ignore[no-untyped-call]
    return dead


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def exposition() -> tuple[bytes, str]:
    """The metrics in the Prometheus text format: this process's, or all workers' added up."""
    folder = multiprocess_dir()
    if folder is None:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(folder))  # type: ignore[no-untyped-call]
    return generate_latest(registry), CONTENT_TYPE_LATEST

"""`homebase serve`: check everything that can fail before the server starts, each failure one
line and an exit code (see homebase.cli), then hand over to uvicorn."""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import ctypes.util
import logging.config
import os
import shutil
import signal
import socket
import tempfile
from types import FrameType
from typing import Any

from homebase.cli.common import CANNOT_LISTEN, FAILED, OK, error
from homebase.core.config import Settings
from homebase.observability import MULTIPROC_ENV


def _exit_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    # uvicorn drains in-flight requests on SIGTERM, then re-raises the signal with the handler
    # it found installed: this one, so a graceful stop ends with status 0, not 143.
    raise SystemExit(OK)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from homebase.observability.logging import logging_config

    try:
        _ = settings.secret  # the generated key file is written now, before any worker reads it
    except OSError as exc:
        error(f"the secret file cannot be written: {exc.strerror} ({exc.filename})")
        return FAILED
    problem = cannot_listen(args.host, args.port)
    if problem is not None:
        error(f"cannot listen on {args.host}:{args.port}: {problem}")
        return CANNOT_LISTEN
    log_config = logging_config(settings)
    logging.config.dictConfig(log_config)
    metrics_dir = None
    if args.workers > 1 and not os.environ.get(MULTIPROC_ENV):
        # Before anything imports prometheus-client, so that the workers (and this process)
        # keep their metrics in files that /metrics adds up.
        metrics_dir = tempfile.mkdtemp(prefix="homebase-metrics-")
        os.environ[MULTIPROC_ENV] = metrics_dir
    try:
        return _run_server(args, settings, log_config)
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
            os.environ.pop(MULTIPROC_ENV, None)


def cannot_listen(host: str, port: int) -> str | None:
    """Why the server could not bind `host:port` (None: it can), found by binding it once."""
    try:
        family, kind, protocol, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )[0]
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
            probe.bind(address)
    except OSError as exc:
        return (exc.strerror or str(exc)).lower()
    return None


# argon2 allocates its memory (19 MiB by default) for every hash. glibc serves a block that
# large with mmap and gives it back on free, but after the first such free it raises its
# mmap threshold above that size, so later blocks come from the heap, where free does not
# return them: a worker grew to 190 MB after a few hundred logins. A fixed threshold keeps
# large blocks mmapped (measured after 400 logins and 3,000 reads on 2 workers: 113 MB with
# it, 130-188 MB without).
MMAP_THRESHOLD = 128 * 1024  # glibc's initial value, made fixed
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's malloc.h


def keep_large_allocations_off_the_heap(threshold: int = MMAP_THRESHOLD) -> None:
    """Fix glibc's mmap threshold, in this process (mallopt) and in the worker processes it
    starts (MALLOC_MMAP_THRESHOLD_, read by glibc at their start). A no-op without glibc; a
    value already in the environment wins."""
    value = os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", str(threshold))
    name = ctypes.util.find_library("c")
    if name is None or not value.isdigit():
        return
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to fix
        return
    mallopt(_M_MMAP_THRESHOLD, int(value))


def share_hash_threads(settings: Settings, workers: int) -> None:
    """With `hash_threads` left to 0 (automatic), the workers share the cores: each gets
    cores // workers threads (at least one), told through the environment they start with.
    More threads than cores made every argon2 verify slower (its 19 MiB per hash compete
    for the caches): on 2 cores and 2 workers, 52 logins/s with 2 threads each, 62 with 1
    (docs/performance.md)."""
    if settings.hash_threads == 0:
        threads = max(1, (os.cpu_count() or 1) // workers)
        os.environ["HOMEBASE_HASH_THREADS"] = str(threads)


def _run_server(args: argparse.Namespace, settings: Settings, log_config: dict[str, Any]) -> int:
    import uvicorn

    keep_large_allocations_off_the_heap()
    share_hash_threads(settings, args.workers)

    from homebase.app_state import AppState
    from homebase.db.migrate import MigrationError
    from homebase.main import PREPARED_ENV, start

    async def prepare() -> None:
        # Once, before any worker starts: the schema and the first admin. A worker's own
        # start-up then finds both done.
        state = AppState.build(settings)
        try:
            await start(state)
        finally:
            await state.close()

    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        asyncio.run(prepare())
    except MigrationError as exc:
        error(str(exc))
        return FAILED
    os.environ[PREPARED_ENV] = "1"  # the workers inherit it, and skip what was just done
    uvicorn.run(
        "homebase.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=log_config,
        log_level=settings.log_level.lower(),
        access_log=False,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=30,
    )
    return OK


def _bounded(low: int, high: int | None = None) -> Any:
    def convert(value: str) -> int:
        number = int(value)
        if number < low or (high is not None and number > high):
            bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"must be {bounds}")
        return number

    convert.__name__ = "integer"  # argparse names the type in "invalid integer value"
    return convert


def add_parser(commands: Any) -> None:
    serve = commands.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_bounded(1, 65535), default=8000, help="1 to 65535")
    serve.add_argument("--workers", type=_bounded(1), default=1, help="worker processes")
    serve.set_defaults(handler=_serve)

"""`python -m bench --profile`: where a Homebase worker's time goes on the hot read path.

Homebase runs as in the bench (2 workers); wrk loads Bearer `GET /tasks/{id}`, then Bearer
`GET /tasks?limit=50` (or Bearer `GET /users/me` while tasks are missing), and py-spy samples
both workers. The raw stacks go to
bench/profile/ (not committed); the summary printed is what docs/performance.md quotes.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench import scenarios, seed, wrk
from bench.runner import Bench, Config, _login, _settings
from bench.servers import BIN, homebase_server, http

OUT = Path(__file__).resolve().parent / "profile"
SECONDS = 10
# Where a sample's time goes, judged by its frames; the first match, leaf first, wins.
CATEGORIES = [
    ("password hashing (argon2)", ("argon2", "pwdlib")),
    ("JWT decode (PyJWT)", ("(jwt/",)),
    ("SQLite driver (aiosqlite + sqlite3)", ("aiosqlite/", "sqlite3")),
    ("PostgreSQL driver (asyncpg)", ("asyncpg/",)),
    ("access log (logging)", ("logging/",)),
    ("pydantic (validation, serialisation)", ("pydantic", "fastapi/_compat", "encoders.py")),
    ("SQLAlchemy (ORM, Core, pool)", ("sqlalchemy/",)),
    ("FastAPI dependency resolution", ("fastapi/dependencies/",)),
    ("FastAPI telemetry hook", ("fastapi/telemetry",)),
    ("FastAPI routing + response", ("fastapi/",)),
    ("Starlette (routing, middleware, responses)", ("starlette/",)),
    ("Homebase code", ("homebase/",)),
    ("uvicorn + httptools (HTTP parsing, transport)", ("uvicorn/", "httptools")),
    ("thread pool / threads (anyio, threading)", ("anyio/", "threading.py", "concurrent/")),
    ("event loop (asyncio, uvloop)", ("asyncio/", "uvloop")),
]


# Leaf frames of threads that are only waiting: a parked pool thread, an idle aiosqlite
# thread, uvicorn's supervisor pipe. py-spy cannot tell these from running ones by itself.
IDLE = re.compile(
    r"^(Condition\.wait \(threading|Queue\.get \(queue|Connection\._recv \(multiprocessing"
    r"|_connection_worker_thread \(aiosqlite/core\.py:59\)|_worker \(concurrent/futures/thread"
    r"|Event\.wait|.*spawn_main\()"
)
LOOP_IN_C = "event loop in C (uvloop: socket I/O, or waiting)"


# Inclusive share of a few things worth knowing about, matched anywhere in the stack.
HOTSPOTS = [
    ("the token's user lookup (user_for_access_token: query + ORM)", r"user_for_access_token"),
    ("BEGIN (asyncpg opens a transaction: a round trip)", r"Transaction\.start"),
    ("COMMIT at the end of the request", r"Session\.commit"),
    ("rollback / reset when a connection is returned", r"rollback"),
    ("opening DB connections", r"AsyncAdapt_dbapi_connection\.create|_ConnectionRecord\.__connect"),
    ("closing DB connections", r"Connection\.close \((asyncpg|aiosqlite)/"),
    ("thread-pool hops (sync `def` dependencies)", r"run_in_threadpool"),
    ("JWT decode (PyJWT)", r"\(jwt/"),
    ("access log (uvicorn, logging)", r"\(logging/"),
    ("response validation + JSON (pydantic)", r"serialize_response|jsonable_encoder"),
    (
        "request middleware (self time)",
        r"((Locale|ClientIP|BodyLimit|SecurityHeaders|SingleQueryValue)Middleware\.__call__"
        r"|send_with_headers)[^;]*$",
    ),
]


def categorise(frames: list[str]) -> str:
    if frames[-1].startswith("Runner.run (asyncio/runners.py"):
        return LOOP_IN_C
    for frame in reversed(frames):
        for name, needles in CATEGORIES:
            if any(needle in frame for needle in needles):
                return name
    return "other"


def summarise(raw: str, top: int = 20) -> str:
    """Self time by category, and the functions with the most self and inclusive time, over
    the samples of threads that were doing something."""
    by_category: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    hotspots: Counter[str] = Counter()
    total = idle = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if not f.startswith("process ")]
        if not frames or IDLE.match(frames[-1]):
            idle += count
            continue
        total += count
        by_category[categorise(frames)] += count
        leaf[_short(frames[-1])] += count
        for frame in {_short(f) for f in frames}:
            inclusive[frame] += count
        for name, pattern in HOTSPOTS:
            if re.search(pattern, stack):
                hotspots[name] += count
    if not total:
        return "no samples"
    lines = [f"{total} busy samples ({idle} of waiting threads left out)", ""]
    lines += ["self time by category:"]
    lines += [f"  {n / total:6.1%}  {name}" for name, n in by_category.most_common()]
    lines += ["", "inclusive time of known hot spots:"]
    lines += [f"  {hotspots[name] / total:6.1%}  {name}" for name, _ in HOTSPOTS]
    lines += ["", f"top {top} functions by self time:"]
    lines += [f"  {n / total:6.1%}  {name}" for name, n in leaf.most_common(top)]
    lines += ["", f"top {top} functions by inclusive time (outside the event loop):"]
    skip = re.compile(r"asyncio/|runpy|spawn|multiprocessing/|_bootstrap|<module>|uvicorn/")
    ranked = [(name, n) for name, n in inclusive.most_common() if not skip.search(name)]
    lines += [f"  {n / total:6.1%}  {name}" for name, n in ranked[:top]]
    return "\n".join(lines)


def _short(frame: str) -> str:
    return re.sub(r":\d+\)$", ")", frame)


def profile_backend(bench: Bench, backend: str) -> str:
    cfg = bench.config
    with bench.database(backend, "homebase_profile") as url:
        env = {
            "HOMEBASE_DATABASE_URL": url,
            "HOMEBASE_SECRET_KEY": secrets.token_urlsafe(48),
            "HOMEBASE_ENV": "production",
            "HOMEBASE_RATE_LIMIT_ENABLED": "false",
        }
        seeded = asyncio.run(seed.seed_homebase(_settings(env), cfg.users, cfg.tasks_per_user))
        with homebase_server(f"homebase-profile-{backend}", bench.workdir, env) as server:
            server.start()
            api = scenarios.Api(http("GET", server.url + "/openapi.json")[1]["paths"])
            callers = seeded.user_ids[:32]
            who = scenarios.Callers(seeded, {})
            who = scenarios.Callers(
                seeded, _login(server.url, {uid: who.email(uid) for uid in callers})
            )
            bearer = {uid: who.bearer[uid] for uid in who.ids}
            if api.has("get", "/tasks/{}"):
                listing = [wrk.Request("GET", "/tasks?limit=50", h) for h in bearer.values()]
                reads = [
                    ("Bearer GET /tasks/{id}", scenarios.task_reads(seeded.tasks, bearer)),
                    ("Bearer GET /tasks?limit=50", listing),
                ]
            else:
                me = [wrk.Request("GET", "/users/me", h) for h in bearer.values()]
                reads = [("Bearer GET /users/me", me)]
            texts = [_profile_read(server.pid, backend, label, requests, server.url)
                     for label, requests in reads]  # fmt: skip
    return "\n\n".join(texts)


def _profile_read(
    pid: int | None, backend: str, label: str, requests: list[wrk.Request], url: str
) -> str:
    """py-spy over the workers while wrk loads `requests`; the summary, also written to OUT."""
    print(f"profiling {label} on {backend} ...", flush=True)
    wrk.Run(url, requests, seconds=3).result()
    path = label.split()[-1].split("?")[0].strip("/").replace("/", "_")
    name = f"{backend}-{path}{'-list' if '?' in label else ''}"
    load = wrk.Run(url, requests, seconds=2 * SECONDS + 6)
    try:
        time.sleep(2)
        # All threads (what the workers wait on too), then the GIL holder only (the Python
        # work that bounds one worker's throughput).
        for suffix, flags in (("threads", []), ("gil", ["--gil"])):
            _record(pid, OUT / f"{name}.{suffix}.txt", flags)
        result = load.result()
    finally:
        load.stop()
    text = (
        f"{label} on {backend}: {result.rps:,.0f} req/s while sampled (py-spy, 100 Hz), "
        f"p99 {result.p99_ms:.1f} ms\n\n"
        f"== all threads ==\n{summarise((OUT / f'{name}.threads.txt').read_text())}\n\n"
        f"== GIL holder only ==\n{summarise((OUT / f'{name}.gil.txt').read_text())}\n"
    )
    (OUT / f"{name}.summary.txt").write_text(text)
    return text


def _record(pid: int | None, path: Path, flags: list[str]) -> None:
    command = [str(BIN / "py-spy"), "record", "--pid", str(pid), "--subprocesses", *flags,
               "--duration", str(SECONDS), "--rate", "100", "--format", "raw",
               "--output", str(path)]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=SECONDS + 60)


def main() -> int:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="homebase-profile-") as workdir:
        bench = Bench(Config.make(quick=True), Path(workdir))
        for backend in ("sqlite", "postgresql"):
            print(profile_backend(bench, backend), flush=True)
    print(f"raw stacks and summaries in {OUT}")
    return 0

"""The bench run: the references, then Homebase on SQLite and on PostgreSQL, then the report."""

from __future__ import annotations

import asyncio
import os
import platform
import secrets
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from bench import dav, interchange, scenarios, seed, wrk
from bench.cpu import CpuWatch, settle
from bench.data import PASSWORD
from bench.report import NA_MISSING, Report, Row, targets, targets_text
from bench.servers import Server, gunicorn_server, homebase_server, http, uvicorn_server
from bench.wrk import Request
from tests.pgbouncer import PgBouncer

HERE = Path(__file__).resolve().parent
TOKEN_USERS = 32  # distinct callers in the authenticated scripts
BUSY = 0.15  # share of the machine used elsewhere above which a run is taken again
BALANCE_TRIES = 10  # starts of a run, at most, to get wrk's connections spread over the workers
RETRIES_PER_ROW = 3  # runs taken again, at most, for one row on a busy machine
SETTLE_WAIT = 20.0  # seconds to wait, at most, for a calm machine before a measured run


LEGEND = """
×hello, ×ref, ×flask: req/s as a multiple of the bare FastAPI hello, of the reference app on
the same backend (its read by id; list rows: its list of 50), and of the Flask read by id.
errors: non-2xx answers + socket errors. busy: share of the 2 cores that other processes used
during the run. conns: wrk's 32 connections as held by each worker (gunicorn: -).
"""


@dataclass(frozen=True)
class Config:
    quick: bool
    seconds: float
    warmup: float
    users: int
    tasks_per_user: int
    contacts_heavy: int
    contacts_per_user: int
    login_connections: int = 8
    dav_items: int = dav.ITEMS  # the address book of the DAV rows
    # PgBouncer's server connections: as many as Homebase's own pool would open.
    pgbouncer_pool_size: int = 10
    # Row keys to measure (`--only`); empty for all. The phases no chosen row needs are skipped.
    only: frozenset[str] = frozenset()

    @classmethod
    def make(cls, quick: bool, only: frozenset[str] = frozenset()) -> Config:
        if quick:
            return cls(True, 3.0, 1.0, 20, 100, 20_000, 500, dav_items=dav.QUICK_ITEMS, only=only)
        return cls(False, 10.0, 2.0, 100, 100, 1_000_000, 1_000, only=only)

    def wants(self, *prefixes: str) -> bool:
        return not self.only or any(key.startswith(prefixes) for key in self.only)


class Bench:
    def __init__(self, config: Config, workdir: Path) -> None:
        self.config = config
        self.workdir = workdir
        self.report = Report()
        self.servers: dict[str, dict[str, Any]] = {}
        # Bounds on how much longer a busy machine may make the run: runs taken again, and
        # seconds spent waiting for calm.
        self.retries = 4 if config.quick else 12
        self.settle_budget = 30.0 if config.quick else 180.0

    # -- measuring ------------------------------------------------------------------------

    def measure(self, row: Row, server: Server, requests: list[Request] | None) -> Row:
        """Warm up, then measure; on a busy machine, measure again (a bounded number of times)
        and keep the run the rest of the machine disturbed least."""
        if not self.config.wants(row.key):
            return row
        self.report.add(row)
        if requests is None:
            row.note = row.note or NA_MISSING
            return row
        print(f"  {row.label} [{row.backend}] ...", end=" ", flush=True)
        conns = row.connections
        wrk.Run(server.url, requests, seconds=self.config.warmup, connections=conns).result()
        for attempt in range(1 + RETRIES_PER_ROW):
            result, watch, split = self.balanced_run(server, requests, conns)
            if row.result is None or watch.other_share < row.extra["other_cpu"]:
                row.result = result
                row.extra["other_cpu"] = round(watch.other_share, 3)
                row.extra["server_cpu_cores"] = round(watch.server_cores, 2)
                row.extra["connections_per_worker"] = split
                row.extra["busiest_others"] = watch.others
            if row.extra["other_cpu"] <= BUSY or self.retries <= 0 or attempt == RETRIES_PER_ROW:
                break
            self.retries -= 1
            print(f"(machine {watch.other_share:.0%} busy elsewhere: again)", end=" ", flush=True)
        row.extra["worker_rss_mb"] = server.worker_rss_mb()
        r = row.result
        print(f"{r.rps:,.0f} req/s, p99 {r.p99_ms:.1f} ms, {r.errors} errors", flush=True)
        return row

    def balanced_run(
        self, server: Server, requests: list[Request], connections: int
    ) -> tuple[wrk.Result, CpuWatch, list[int]]:
        """One measured run in which both workers hold a fair share of wrk's connections.

        wrk opens its keep-alive connections all at once, and the worker that wakes first
        may accept nearly all of them: the other then idles for the whole run. Such a run
        measures one worker, so it is started again (a bounded number of times)."""
        for attempt in range(BALANCE_TRIES):
            self.settle(server)
            with CpuWatch(server.pid, server.database, name_others=True) as watch:
                run = wrk.Run(
                    server.url, requests, seconds=self.config.seconds, connections=connections
                )
                split: list[int] = []
                if server.keeps_alive and connections >= wrk.CONNECTIONS:
                    time.sleep(0.3)
                    split = server.connection_split()
                fair = not split or min(split) >= connections // 4
                if not fair and attempt < BALANCE_TRIES - 1:
                    run.stop()
                    print(f"(connections split {split}: again)", end=" ", flush=True)
                    continue
                return run.result(), watch, split
        raise AssertionError("unreachable")

    def settle(self, server: Server) -> None:
        started = time.monotonic()
        wait = min(SETTLE_WAIT, self.settle_budget)
        settle(server.pid, server.database, BUSY, max_wait=wait)
        self.settle_budget = max(0.0, self.settle_budget - (time.monotonic() - started))

    def record_server(self, server: Server) -> None:
        self.servers[server.name] = {
            "ready_s": round(server.ready_seconds, 3) if server.ready_seconds else None,
            "worker_rss_mb": server.worker_rss_mb(),
            **server.problems(),
        }

    # -- references -----------------------------------------------------------------------

    def hello(self) -> None:
        with uvicorn_server("hello", "bench.reference.hello:app", self.workdir) as server:
            server.start()
            row = Row("hello.get", "GET / (bare FastAPI hello)", "-")
            self.measure(row, server, [Request("GET", "/")])
            self.record_server(server)

    def flask(self) -> None:
        from bench.reference import flask_users

        path = self.workdir / "flask-users.db"
        ids = flask_users.seed(str(path), self.config.users)
        env = {"FLASK_USERS_DB": str(path)}
        app = "bench.reference.flask_users:app"
        with gunicorn_server("flask", app, self.workdir, env) as server:
            server.start()
            row = Row("flask.user_by_id", "Flask GET /users/{id} (gunicorn sync)", "sqlite")
            self.measure(row, server, [Request("GET", f"/users/{uid}") for uid in ids])
            self.record_server(server)

    def plain(self, backend: str) -> None:
        from bench.reference import plain

        with self.database(backend, "bench_reference") as url:
            if url.startswith("postgresql://"):
                url = url.replace("postgresql://", "postgresql+psycopg://", 1)
            owned = plain.seed(url, self.config.users, self.config.tasks_per_user)
            bearer = {
                uid: {"Authorization": f"Bearer {plain.create_access_token(uid)}"}
                for uid in list(owned)[:TOKEN_USERS]
            }
            env = {"REF_DATABASE_URL": url}
            reads = scenarios.task_reads(owned, bearer)
            listing = [Request("GET", "/tasks?limit=50", h) for h in bearer.values()]
            # The tutorial reference, then the stack's floor, on the same database and tokens.
            servers: list[tuple[str, str, list[scenarios.Scenario]]] = [
                ("reference", "bench.reference.plain:app", [
                    (Row("ref.task_by_id", "reference Bearer GET /tasks/{id}", backend), reads),
                    (Row("ref.task_list", "reference Bearer GET /tasks?limit=50", backend),
                     listing),
                ]),
                ("floor", "bench.reference.floor:app", [
                    (Row("floor.task_by_id", "stack floor: Bearer GET /tasks/{id}", backend),
                     reads),
                    (Row("floor.task_list", "stack floor: Bearer GET /tasks?limit=50", backend,
                         baseline="ref.task_list"), listing),
                ]),
            ]  # fmt: skip
            for name, app, rows in servers:
                if not any(self.config.wants(row.key) for row, _ in rows):
                    continue
                with uvicorn_server(f"{name}-{backend}", app, self.workdir, env, "/docs") as server:
                    server.database = _database_name(url)
                    server.start()
                    for row, requests in rows:
                        self.measure(row, server, requests)
                    self.record_server(server)

    @contextmanager
    def database(self, backend: str, prefix: str) -> Iterator[str]:
        """A plain URL: a file in the work folder, or a PostgreSQL database dropped after."""
        if backend == "sqlite":
            yield f"sqlite:///{self.workdir / (prefix + '.db')}"
            return
        name, url = asyncio.run(seed.create_pg_database(prefix))
        try:
            yield url
        finally:
            asyncio.run(seed.drop_pg_database(name))

    # -- Homebase -------------------------------------------------------------------------

    def homebase(self, backend: str) -> None:
        if backend == "pgbouncer":
            bouncer = PgBouncer(pool_size=self.config.pgbouncer_pool_size)
            try:
                with self.database("postgresql", "homebase_bench") as url:
                    self._homebase(backend, bouncer.url_for(url), {"HOMEBASE_DB_POOLER": backend})
            finally:
                bouncer.stop()
            return
        with self.database(backend, "homebase_bench") as url:
            self._homebase(backend, url, {})

    def _homebase(self, backend: str, url: str, extra_env: dict[str, str]) -> None:
        cfg = self.config
        env = {
            **extra_env,
            "HOMEBASE_DATABASE_URL": url,
            "HOMEBASE_SECRET_KEY": secrets.token_urlsafe(48),
            "HOMEBASE_ENV": "production",
            "HOMEBASE_RATE_LIMIT_ENABLED": "false",
        }
        seeded = asyncio.run(seed.seed_homebase(_settings(env), cfg.users, cfg.tasks_per_user))
        with homebase_server(f"homebase-{backend}", self.workdir, env) as server:
            server.database = _database_name(url)
            ready = server.start()
            print(f"  homebase ({backend}) ready in {ready:.2f} s", flush=True)
            api = scenarios.Api(http("GET", server.url + "/openapi.json")[1]["paths"])
            has_contacts = api.has("get", "/contacts") or api.has("get", "/contacts/birthdays")
            has_contacts = has_contacts and cfg.wants("hb.contacts", "hb.birthdays")
            seed_error = None
            if backend == "postgresql" and has_contacts:
                started = time.perf_counter()
                heavy, per_user = cfg.contacts_heavy, cfg.contacts_per_user
                try:
                    asyncio.run(seed.seed_contacts(url, seeded, heavy, per_user))
                except Exception as exc:  # reported in the contacts rows
                    traceback.print_exc()
                    seed_error = f"n/a (contacts seed failed: {str(exc)[:60]})"
                took = time.perf_counter() - started
                print(f"  seeded {sum(seeded.contacts.values()):,} contacts in {took:.0f} s")
            callers = [*seeded.user_ids[:TOKEN_USERS], seeded.heavy_id]
            who = scenarios.Callers(seeded, {})
            tokens = _login(server.url, {uid: who.email(uid) for uid in callers})
            app_passwords = _app_passwords(server.url, tokens, api)
            who = scenarios.Callers(seeded, tokens, app_passwords)
            for row, requests in scenarios.homebase(backend, api, who):
                self.measure(row, server, requests)
            if cfg.wants("hb.read_under_login", "hb.login_with_reads"):
                self.reads_under_login(backend, server, api, who)
            if cfg.wants("hb.vcard"):
                for row in interchange.one_shot_rows(backend, server.url, api, who):
                    self.report.add(row)
            for row, requests in interchange.feed_scenarios(backend, server.url, api, who):
                self.measure(row, server, requests)
            dav_owners = self.dav_prepare(backend, server, api, who)
            if backend == "sqlite" and has_contacts:
                self.reads_beside_search(backend, url, server, who)
            if backend == "postgresql" and cfg.wants("hb.contacts", "hb.birthdays"):
                deep = _deep_cursor(server.url, who, cfg.contacts_heavy) if not seed_error else None
                batch = scenarios.contacts(
                    api, who, cfg.contacts_heavy, cfg.contacts_per_user, deep
                )
                for row, requests in batch:
                    row.note = seed_error
                    self.measure(row, server, None if seed_error else requests)
            self.record_server(server)
        if dav_owners is not None:
            self.dav(backend, env, dav_owners)
        if backend == "sqlite":
            self.one_worker(backend, env, who)

    def dav_prepare(
        self, backend: str, server: Server, api: scenarios.Api, who: scenarios.Callers
    ) -> dav.Owners | None:
        """The address books of the CardDAV rows, filled on the main server; None (and the
        rows, with why) when no DAV row is wanted here or DAV is missing."""
        keys = [key for key in dav.keys_for(backend) if self.config.wants(key)]
        if not keys:
            return None
        items = self.config.dav_items
        try:
            owners = dav.prepare(server.url, api, who, items)
            note = NA_MISSING
        except Exception as exc:  # the rows say why they have no number
            traceback.print_exc()
            owners, note = None, f"n/a (set-up failed: {str(exc)[:60]})"
        if owners is None:
            for key in keys:
                self.report.add(dav.empty_row(key, backend, items, note))
        return owners

    def dav(self, backend: str, env: dict[str, str], owners: dav.Owners) -> None:
        """The CardDAV rows, on a fresh server over the same database: the import that filled
        the address book ran on the main one, so it has not raised these workers' memory."""
        with homebase_server(f"dav-{backend}", self.workdir, env) as server:
            server.database = _database_name(env["HOMEBASE_DATABASE_URL"])
            server.start()
            wants, big = self.config.wants, owners.big
            if wants(dav.PROPFIND_KEY):
                take = partial(dav.propfind_rss, backend, server, owners)
                self._dav_row(dav.PROPFIND_KEY, backend, server, big.items, take)
            if dav.VDIRSYNCER_KEY in dav.keys_for(backend) and wants(dav.VDIRSYNCER_KEY):
                folder = self.workdir / f"vdirsyncer-{backend}"
                take = partial(dav.vdirsyncer_first_sync, backend, server, big, folder)
                self._dav_row(dav.VDIRSYNCER_KEY, backend, server, big.items, take)
            if wants(dav.SYNC_KEY):
                try:
                    row, requests = dav.sync_collection(backend, server.url, big)
                except Exception as exc:  # the row says why it has no number
                    traceback.print_exc()
                    note = f"n/a (set-up failed: {str(exc)[:60]})"
                    row, requests = dav.empty_row(dav.SYNC_KEY, backend, big.items, note), None
                self.measure(row, server, requests)

    def _dav_row(
        self, key: str, backend: str, server: Server, items: int, take: Callable[[], Row]
    ) -> None:
        """A row taken once, by `take`, on a settled machine, with what else ran meanwhile
        (`busy`); a failure leaves the row, with why, not the phase."""
        self.settle(server)
        try:
            with CpuWatch(server.pid, server.database) as watch:
                row = take()
        except Exception as exc:
            traceback.print_exc()
            note = f"n/a (failed: {str(exc)[:60]})"
            row = dav.empty_row(key, backend, items, note)
        else:
            row.extra["other_cpu"] = round(watch.other_share, 3)
        self.report.add(row)

    def one_worker(self, backend: str, env: dict[str, str], who: scenarios.Callers) -> None:
        """The by-id read on one worker: what the second worker adds."""
        with homebase_server(f"one-worker-{backend}", self.workdir, env, workers=1) as server:
            server.database = _database_name(env["HOMEBASE_DATABASE_URL"])
            server.start()
            bearer = {uid: who.bearer[uid] for uid in who.ids}
            row = Row("hb.task_by_id_1w", "Bearer GET /tasks/{id}, 1 worker", backend)
            self.measure(row, server, scenarios.task_reads(who.seeded.tasks, bearer))

    def reads_beside_search(
        self, backend: str, url: str, server: Server, who: scenarios.Callers
    ) -> None:
        """Bearer reads while one client runs the slowest contacts search the API allows
        (every contact matches, so it counts, sorts and skips them all) at the heavy owner."""
        count = 20_000 if self.config.quick else 100_000
        asyncio.run(seed.seed_sqlite_contacts(url, who.seeded.heavy_id, count))
        heavy = who.bearer[who.seeded.heavy_id]
        search = [Request("GET", f"/contacts?q=e&limit=100&offset={count - 100}", heavy)]
        bearer = {uid: who.bearer[uid] for uid in who.ids}
        reads = scenarios.task_reads(who.seeded.tasks, bearer)
        print(f"  Bearer GET /tasks/{{id}} beside a search of {count:,} [{backend}] ...", end=" ")
        self.settle(server)
        search_run = wrk.Run(server.url, search, seconds=self.config.seconds, connections=1)
        try:
            with CpuWatch(server.pid, server.database) as watch:
                read_result = wrk.Run(server.url, reads, seconds=self.config.seconds).result()
                search_result = search_run.result()
        finally:
            search_run.stop()
        print(f"p99 {read_result.p99_ms:.1f} ms (search p50 {search_result.p50_ms:.0f} ms)")
        extra = {"other_cpu": round(watch.other_share, 3), "contacts": count}
        self.report.add(
            Row("hb.read_beside_search", f"Bearer GET /tasks/{{id}} beside a search of {count:,}",
                backend, result=read_result, extra=extra)
        )  # fmt: skip
        self.report.add(
            Row("hb.search_beside_reads", f"GET /contacts?q=e (all {count:,} match), 1 conn",
                backend, result=search_result, extra={**extra, "connections": 1})
        )  # fmt: skip

    def reads_under_login(
        self, backend: str, server: Server, api: scenarios.Api, who: scenarios.Callers
    ) -> None:
        """Bearer reads while logins keep the hashing threads busy: two wrk processes at once."""
        bearer = {uid: who.bearer[uid] for uid in who.ids}
        if api.has("get", "/tasks/{}"):
            label, idle_key = "Bearer GET /tasks/{id}", "hb.task_by_id"
            reads = scenarios.task_reads(who.seeded.tasks, bearer)
        else:
            label, idle_key = "Bearer GET /users/me", "hb.me_bearer"
            reads = [Request("GET", "/users/me", h) for h in bearer.values()]
        print(f"  {label} under login load [{backend}] ...", end=" ", flush=True)
        self.settle(server)
        login_run = wrk.Run(
            server.url,
            scenarios.logins(who),
            seconds=self.config.seconds,
            connections=self.config.login_connections,
        )
        try:
            with CpuWatch(server.pid, server.database) as watch:
                read_run = wrk.Run(server.url, reads, seconds=self.config.seconds)
                time.sleep(0.3)
                split = server.connection_split()  # reads' and logins' connections
                read_result, login_result = read_run.result(), login_run.result()
        finally:
            login_run.stop()
        print(f"p99 {read_result.p99_ms:.1f} ms", flush=True)
        extra = {
            "other_cpu": round(watch.other_share, 3),
            "worker_rss_mb": server.worker_rss_mb(),
            "connections_per_worker": split,
        }
        conns = self.config.login_connections
        self.report.add(
            Row("hb.read_under_login", f"{label} under login load", backend, result=read_result,
                extra={**extra, "idle_key": idle_key, "login_connections": conns})
        )  # fmt: skip
        self.report.add(
            Row("hb.login_with_reads", f"POST /auth/login ({conns} conns) with reads", backend,
                result=login_result, extra={**extra, "connections": conns})
        )  # fmt: skip

    # -- the whole run ----------------------------------------------------------------------

    def run(self) -> int:
        started = time.time()
        self.report.facts["meta"] = _meta(self.config)
        self.report.facts["hashing"] = hashing_limit()
        h = self.report.facts["hashing"]
        print(
            f"hashing: {h['verify_cpu_ms']:.1f} ms CPU per argon2 verify -> limit "
            f"{h['logins_per_second_limit']:.0f} logins/s on {h['cores']} cores"
        )
        self.report.facts["servers"] = self.servers
        phases = [
            ("hello", self.hello, ("hello.",)),
            ("flask", self.flask, ("flask.",)),
            ("reference sqlite", lambda: self.plain("sqlite"), ("ref.", "floor.")),
            ("homebase sqlite", lambda: self.homebase("sqlite"), ("hb.",)),
            ("reference postgresql", lambda: self.plain("postgresql"), ("ref.", "floor.")),
            ("homebase postgresql", lambda: self.homebase("postgresql"), ("hb.",)),
            ("homebase pgbouncer", lambda: self.homebase("pgbouncer"), ("hb.",)),
        ]
        failed = []
        for name, phase, keys in phases:
            if not self.config.wants(*keys):
                continue
            print(f"== {name}", flush=True)
            try:
                phase()
            except Exception:  # one broken phase must not hide the others' numbers
                traceback.print_exc()
                failed.append(name)
        self.report.facts["meta"]["seconds_total"] = round(time.time() - started, 1)
        self.report.facts["meta"]["loadavg_end"] = os.getloadavg()
        found = targets(self.report)
        if self.config.only:  # the rows not chosen were not measured, not missing
            found = [target for target in found if target.status != "n/a"]
        print()
        print(self.report.table())
        print(LEGEND)
        print(targets_text(found))
        # A quick run never overwrites the full run's results.
        out = HERE / (
            "results-only.json"
            if self.config.only
            else "results-quick.json"
            if self.config.quick
            else "results.json"
        )
        self.report.write_json(out, found)
        print(f"\nwritten to {out}")
        if failed:
            print(f"FAILED phases: {', '.join(failed)} (their rows are missing)")
        return 1 if failed else 0


def _database_name(url: str) -> str | None:
    return url.rsplit("/", 1)[1] if url.startswith("postgresql") else None


def _login(base_url: str, emails: dict[int, str]) -> dict[int, str]:
    """Access tokens the way clients get them: POST /auth/login."""
    tokens = {}
    for uid, email in emails.items():
        status, body = http(
            "POST", base_url + "/auth/login", {"email": email, "password": PASSWORD}
        )
        if status != 200:
            raise RuntimeError(f"login of {email} failed: {status} {body}")
        tokens[uid] = body["access_token"]
    return tokens


def _app_passwords(base_url: str, tokens: dict[int, str], api: scenarios.Api) -> dict[int, str]:
    """An app password (scope tasks:read) per caller, issued with their login session."""
    if not api.has("post", "/auth/tokens"):
        return {}
    issued = {}
    for uid, access in tokens.items():
        status, body = http(
            "POST",
            base_url + "/auth/tokens",
            {"name": "bench", "scopes": ["tasks:read"]},
            headers={"Authorization": f"Bearer {access}"},
        )
        if status != 201:
            raise RuntimeError(f"app password of user {uid} failed: {status} {body}")
        issued[uid] = body["token"]
    return issued


def _settings(env: dict[str, str]) -> Any:
    from homebase.core.config import Settings

    values = {key.removeprefix("HOMEBASE_").lower(): value for key, value in env.items()}
    return Settings(_env_file=None, **values)


def hashing_limit(rounds: int = 20, batches: int = 3) -> dict[str, float]:
    """cores ÷ the CPU time of one argon2 verify with the service's default parameters.

    The fastest of a few batches: on a shared machine, CPU time per verify grows with what
    runs beside it (caches, memory bandwidth), and the limit is what the cores can do."""
    from homebase.core.config import Settings
    from homebase.core.security import PasswordHasher

    settings = Settings(_env_file=None, secret_key="x" * 48)  # type: ignore[call-arg]
    hasher = PasswordHasher(settings)
    stored = hasher.hash_sync(PASSWORD)
    hasher.verify_sync(PASSWORD, stored)
    per_verify = float("inf")
    for _ in range(batches):
        started = time.process_time()
        for _ in range(rounds):
            hasher.verify_sync(PASSWORD, stored)
        per_verify = min(per_verify, (time.process_time() - started) / rounds)
    if hasattr(hasher, "close"):  # a hasher with its own thread pool
        hasher.close()
    cores = os.cpu_count() or 1
    return {
        "cores": cores,
        "verify_cpu_ms": round(per_verify * 1000, 2),
        "logins_per_second_limit": round(cores / per_verify, 1),
        "argon2": {
            "memory_kib": settings.argon2_memory_kib,
            "time_cost": settings.argon2_time_cost,
            "parallelism": settings.argon2_parallelism,
        },
    }


def _meta(config: Config) -> dict[str, Any]:
    return {
        "mode": "quick" if config.quick else "full",
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds_per_run": config.seconds,
        "warmup_seconds": config.warmup,
        "connections": wrk.CONNECTIONS,
        "wrk_threads": wrk.THREADS,
        "login_connections": config.login_connections,
        "server_workers": 2,
        "users": config.users,
        "tasks_per_user": config.tasks_per_user,
        "contacts_heavy_owner": config.contacts_heavy,
        "contacts_per_user": config.contacts_per_user,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "loadavg_start": os.getloadavg(),
    }


def main(quick: bool, only: frozenset[str] = frozenset()) -> int:
    wrk.ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="homebase-bench-") as workdir:
        return Bench(Config.make(quick, only), Path(workdir)).run()


def _deep_cursor(url: str, who: scenarios.Callers, heavy_count: int) -> str | None:
    """The cursor that resumes the heavy owner's contacts 50 rows before their end: the
    `X-Next-Cursor` of the page just before (one slow offset read, not measured)."""
    offset = max(heavy_count - 100, 0)
    headers = who.bearer[who.seeded.heavy_id]
    request = urllib.request.Request(f"{url}/contacts?limit=50&offset={offset}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.headers.get("X-Next-Cursor")
    except (OSError, urllib.error.HTTPError) as exc:
        print(f"  no deep cursor: {exc}", flush=True)
        return None

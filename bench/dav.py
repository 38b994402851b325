"""CardDAV rows on an address book of 10,000 cards (2,000 with `--quick`): vdirsyncer's first
sync (SQLite only), a `sync-collection` REPORT with one change, and what a `PROPFIND` Depth 1
over the whole address book adds to a worker's RSS.

The cards go in with one vCard import on the main server (`prepare`); the rows are then taken
on a fresh server over the same database (`Bench.dav` in runner.py), so that the import, which
is a big request of its own, has not already raised the workers' memory high-water mark.
DAV clients send HTTP Basic: here the owner's email and an app password with the `dav` scope
(docs/dav.md: the account password works too; an app password is what an account with a
second factor uses, and what a sync app should hold)."""

from __future__ import annotations

import base64
import json
import math
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from bench.interchange import vcards
from bench.report import NA_MISSING, Row
from bench.scenarios import Api, Callers
from bench.servers import Server, http
from bench.wrk import Request, Result

ITEMS = 10_000
QUICK_ITEMS = 2_000
WARM_ITEMS = 100  # the small address book that warms both workers before the RSS reading
PROPFINDS = 10  # PROPFIND Depth 1 requests between the two RSS readings
WARM_ROUNDS = 6  # warm-up requests of each kind, on fresh connections (both workers get some)
VDIRSYNCER = str(Path(sys.executable).parent / "vdirsyncer")
VDIRSYNCER_TIMEOUT = 600.0

VDIRSYNCER_KEY = "hb.dav_vdirsyncer_first_sync"
SYNC_KEY = "hb.dav_sync_collection_one_change"
PROPFIND_KEY = "hb.dav_propfind_depth1_rss"
KEYS = (VDIRSYNCER_KEY, SYNC_KEY, PROPFIND_KEY)

# What vdirsyncer's `list()` and DAVx⁵ ask of every member of an address book.
PROPFIND_BODY = (
    '<?xml version="1.0" encoding="utf-8"?>\n<D:propfind xmlns:D="DAV:"><D:prop>'
    "<D:resourcetype/><D:getcontenttype/><D:getetag/></D:prop></D:propfind>"
)
_SYNC_TOKEN = re.compile(r"<D:sync-token>([^<]*)</D:sync-token>")
_RESPONSE = "<D:response>"


def sync_collection_body(token: str = "") -> str:
    """An RFC 6578 `sync-collection` REPORT asking for ETags; an empty token is a first sync."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<D:sync-collection xmlns:D="DAV:"><D:sync-token>{token}</D:sync-token>'
        "<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>"
    )


def sync_token(document: str) -> str | None:
    found = _SYNC_TOKEN.search(document)
    return found[1] if found else None


def basic(login: str, password: str) -> dict[str, str]:
    raw = f"{login}:{password}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def vdirsyncer_config(folder: Path, url: str, login: str, password: str) -> str:
    """The test suite's pair (tests/api/dav/test_vdirsyncer.py), for the address book alone:
    the carddav storage at the address book's URL, a filesystem storage in `folder`.
    vdirsyncer reads every value as JSON."""

    def value(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    return f"""[general]
status_path = {value(str(folder / "status") + "/")}

[pair contacts]
a = "contacts_local"
b = "contacts_remote"
collections = null

[storage contacts_local]
type = "filesystem"
path = {value(str(folder / "contacts") + "/")}
fileext = ".vcf"

[storage contacts_remote]
type = "carddav"
url = {value(url)}
username = {value(login)}
password = {value(password)}
"""


def timings_result(seconds: list[float], statuses: list[int]) -> Result:
    """A Result from requests timed one after another (nearest-rank percentiles); every
    status but 207 Multi-Status counts as an error."""
    ordered = sorted(seconds)
    total = sum(ordered)

    def rank(p: float) -> float:
        return ordered[max(0, math.ceil(len(ordered) * p / 100) - 1)] * 1000 if ordered else 0.0

    by_status = dict(Counter(f"{s // 100}xx" for s in statuses if s != 207))
    rps = len(ordered) / total if total else 0.0
    bad = sum(by_status.values())
    return Result(len(ordered), total, rps, rank(50), rank(90), rank(99), rank(100), bad, 0,
                  by_status)  # fmt: skip


@dataclass(frozen=True)
class Owner:
    """A DAV account of the bench: Basic with its email and a `dav` app password."""

    user_id: int
    login: str
    password: str
    items: int
    token: str = ""  # a sync token from before one of the cards changed

    @property
    def basic(self) -> dict[str, str]:
        return basic(self.login, self.password)

    @property
    def contacts(self) -> str:
        return f"/dav/users/{self.user_id}/contacts/"


@dataclass(frozen=True)
class Owners:
    big: Owner  # the address book the rows measure
    warm: Owner  # a small one: the warm-up before the RSS reading


def prepare(base_url: str, api: Api, callers: Callers, items: int) -> Owners | None:
    """On the main server: a `dav` app password for two callers, `items` cards imported for
    the first (one request) and a few for the second; then the first caller's sync token,
    and one of their cards changed through REST (while the login's access token is fresh).
    None when Homebase has no DAV."""
    status, _ = http("OPTIONS", base_url + "/dav/")
    if status >= 300 or not api.has("post", "/auth/tokens") or len(callers.ids) < 5:
        return None
    owners = []
    for uid, count, seed in ((callers.ids[-4], items, 4), (callers.ids[-5], WARM_ITEMS, 5)):
        bearer = callers.bearer[uid]
        status, body = http(
            "POST", base_url + "/auth/tokens", {"name": "bench dav", "scopes": ["dav"]}, bearer
        )
        if status != 201:
            raise RuntimeError(f"dav app password of user {uid} failed: {status} {body}")
        started = time.perf_counter()
        headers = bearer | {"Content-Type": "text/vcard"}
        status, answer = _send("POST", base_url + "/contacts/import", headers, vcards(count, seed))
        if status != 200:
            raise RuntimeError(f"import of {count:,} cards failed: {status} {str(answer)[:200]}")
        took = time.perf_counter() - started
        print(f"  imported {count:,} cards for the DAV rows in {took:.1f} s", flush=True)
        owners.append(Owner(uid, callers.email(uid), body["token"], count))
    big, warm = owners
    big = Owner(big.user_id, big.login, big.password, big.items, _sync_token(base_url, big))
    _change_one_contact(base_url, callers.bearer[big.user_id])
    return Owners(big, warm)


def keys_for(backend: str) -> tuple[str, ...]:
    """The rows taken on a backend: vdirsyncer's on SQLite only (its target is for SQLite)."""
    return KEYS if backend == "sqlite" else (SYNC_KEY, PROPFIND_KEY)


def empty_row(key: str, backend: str, items: int, note: str = NA_MISSING) -> Row:
    """One of the three rows without a number, and why."""
    make = {VDIRSYNCER_KEY: _vdirsyncer_row, SYNC_KEY: _sync_row, PROPFIND_KEY: _propfind_row}
    row = make[key](backend, items)
    row.note = note
    return row


# -- PROPFIND Depth 1: memory ---------------------------------------------------------------


def _propfind_row(backend: str, items: int) -> Row:
    label = f"PROPFIND Depth 1 ({items:,} cards), one at a time"
    return Row(PROPFIND_KEY, label, backend, baseline=None, connections=1)


def propfind_rss(backend: str, server: Server, owners: Owners) -> Row:
    """RSS of each worker before and after `PROPFINDS` PROPFIND Depth 1 over the big address book.

    Before the first reading both workers serve the same PROPFIND Depth 1 over the small
    address book and a Depth 0 on the big one, on fresh connections (so the first use of the
    DAV code, its imports and cached statements are not counted). Python keeps the memory it
    once took, so the second reading holds each worker's high-water mark of the PROPFINDs; the
    row's figure is the largest growth of one worker."""
    big, warm = owners.big, owners.warm
    row = _propfind_row(backend, big.items)
    for _ in range(WARM_ROUNDS):
        _propfind(server.url, warm.contacts, warm.basic, "1")
        _propfind(server.url, big.contacts, big.basic, "0")
    before = _rss_by_pid(server)
    seconds, statuses, size, members = [], [], 0, 0
    for _ in range(PROPFINDS):
        started = time.perf_counter()
        status, text = _propfind(server.url, big.contacts, big.basic, "1")
        seconds.append(time.perf_counter() - started)
        statuses.append(status)
        size, members = len(text.encode()), text.count(_RESPONSE)
    after = _rss_by_pid(server)
    growth = {pid: round(after[pid] - before[pid], 1) for pid in before if pid in after}
    row.result = timings_result(seconds, statuses)
    worst = max(growth.values(), default=None)
    row.extra.update(
        rss_growth_mb=worst,
        worker_rss_before_mb=list(before.values()),
        worker_rss_after_mb=list(after.values()),
        response_kb=round(size / 1024),
        responses=members,
        requests=PROPFINDS,
    )
    print(
        f"  PROPFIND Depth 1 over {big.items:,} cards [{backend}]: p50 "
        f"{row.result.p50_ms:.0f} ms, {size / 2**20:.1f} MB, RSS growth {worst} MB "
        f"(workers {list(before.values())} -> {list(after.values())} MB)",
        flush=True,
    )
    return row


def _propfind(base_url: str, path: str, auth: dict[str, str], depth: str) -> tuple[int, str]:
    headers = auth | {"Depth": depth, "Content-Type": "application/xml; charset=utf-8"}
    return _send("PROPFIND", base_url + path, headers, PROPFIND_BODY.encode())


def _rss_by_pid(server: Server) -> dict[int, float]:
    sizes = {}
    for worker in server.workers():
        try:
            sizes[worker.pid] = round(worker.memory_info().rss / 2**20, 1)
        except psutil.NoSuchProcess:
            continue
    return sizes


# -- vdirsyncer: first sync -------------------------------------------------------------------


def _vdirsyncer_row(backend: str, items: int) -> Row:
    label = f"vdirsyncer discover + first sync ({items:,} cards)"
    return Row(VDIRSYNCER_KEY, label, backend, baseline=None, connections=1)


def vdirsyncer_first_sync(backend: str, server: Server, owner: Owner, folder: Path) -> Row:
    """`vdirsyncer discover` then `vdirsyncer sync` into an empty folder, timed end to end;
    every card must arrive as a file."""
    row = _vdirsyncer_row(backend, owner.items)
    (folder / "contacts").mkdir(parents=True)
    config = folder / "config"
    url = server.url + owner.contacts
    config.write_text(vdirsyncer_config(folder, url, owner.login, owner.password))
    steps: dict[str, float] = {}
    started = time.perf_counter()
    for step in ("discover", "sync"):
        begun = time.perf_counter()
        try:
            done = subprocess.run(
                [VDIRSYNCER, "-c", str(config), step],
                input="y\n" * 4,
                capture_output=True,
                text=True,
                timeout=VDIRSYNCER_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            row.note = f"n/a (vdirsyncer {step}: over {VDIRSYNCER_TIMEOUT:g} s)"
            return row
        steps[f"{step}_s"] = round(time.perf_counter() - begun, 2)
        if done.returncode != 0:
            row.note = f"n/a (vdirsyncer {step} failed: {_last_error(done.stderr + done.stdout)})"
            print(f"  {row.note}\n{(done.stderr + done.stdout)[-2000:]}", flush=True)
            return row
    took = time.perf_counter() - started
    files = sum(1 for path in (folder / "contacts").iterdir() if path.suffix == ".vcf")
    missing = abs(owner.items - files)  # the errors column: cards that did not arrive
    ms = took * 1000
    by_status = {"missing": missing} if missing else {}
    row.result = Result(1, took, 1 / took, ms, ms, ms, ms, missing, 0, by_status)
    row.extra.update(steps, seconds_total=round(took, 2), files=files)
    print(
        f"  vdirsyncer first sync of {owner.items:,} cards [{backend}]: {took:.1f} s "
        f"({steps}), {files:,} files",
        flush=True,
    )
    return row


def _last_error(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower() and "-vdebug" not in line]
    return (errors or lines or ["no output"])[0][:120]


# -- sync-collection with one change ---------------------------------------------------------


def _sync_row(backend: str, items: int) -> Row:
    label = f"REPORT sync-collection, 1 change in {items:,}, 1 conn"
    return Row(SYNC_KEY, label, backend, baseline=None, connections=1)


def _sync_headers(owner: Owner) -> dict[str, str]:
    # RFC 6578 §3.2: the report is defined for Depth 0 (its own sync-level says how deep).
    return owner.basic | {"Depth": "0", "Content-Type": "application/xml; charset=utf-8"}


def _sync_token(base_url: str, owner: Owner) -> str:
    """The token of a first sync-collection (every card, with its ETag)."""
    body = sync_collection_body().encode()
    status, first = _send("REPORT", base_url + owner.contacts, _sync_headers(owner), body)
    token = sync_token(first)
    if status != 207 or token is None:
        raise RuntimeError(f"first sync-collection: {status} {first[:200]}")
    return token


def _change_one_contact(base_url: str, bearer: dict[str, str]) -> None:
    status, listed = http("GET", base_url + "/contacts?limit=1", headers=bearer)
    if status != 200 or not listed:
        raise RuntimeError(f"no contact to change: {status} {listed}")
    url = f"{base_url}/contacts/{listed[0]['id']}"
    request = urllib.request.Request(url, headers=bearer)
    with urllib.request.urlopen(request, timeout=30) as response:
        etag = response.headers["ETag"]
    status, body = http("PATCH", url, {"phone": "+44 20 7946 0000"}, bearer | {"If-Match": etag})
    if status != 200:
        raise RuntimeError(f"PATCH of a contact failed: {status} {body}")


def sync_collection(backend: str, base_url: str, owner: Owner) -> tuple[Row, list[Request]]:
    """The REPORT a phone sends on each sync: the token it kept, one card changed since
    (`prepare` took the token and changed the card). Checked once: one response."""
    row = _sync_row(backend, owner.items)
    body, headers = sync_collection_body(owner.token), _sync_headers(owner)
    status, answer = _send("REPORT", base_url + owner.contacts, headers, body.encode())
    if status != 207 or answer.count(_RESPONSE) != 1:
        raise RuntimeError(f"sync-collection with one change: {status} {answer[:300]}")
    return row, [Request("REPORT", owner.contacts, headers, body)]


def _send(method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
    """One request on a fresh connection; the status and the body as text (JSON decoded)."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status, raw = response.status, response.read()
            kind = response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        status, raw, kind = exc.code, exc.read(), ""
    text = raw.decode(errors="replace")
    return status, json.loads(text) if kind.startswith("application/json") else text

"""vCard / calendar feed rows: a 10,000-card import and its export (one request each, timed),
and a birthdays feed of 1,000 contacts polled with and without `If-None-Match`.

An import is one request of seconds, not a load: it is timed end to end, once, after a
warm-up import of the same file for another user (the re-import would only count unchanged
cards)."""

from __future__ import annotations

import random
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from bench.data import FIRST_NAMES, LAST_NAMES
from bench.report import Row
from bench.scenarios import Api, Callers
from bench.servers import http
from bench.wrk import Request, Result

IMPORT_CARDS = 10_000
FEED_CONTACTS = 1_000
CYRILLIC = ["Иван", "Мария", "Олена", "Пётр", "Наталья", "Дмитро", "Светлана", "Юрий"]


def vcards(count: int, seed: int) -> bytes:
    """`count` cards in the shapes phones and mail clients export: 3.0 and 4.0, folded
    notes, TYPE parameters, X-ABLabel groups, some year-less birthdays, a few photos."""
    rng = random.Random(seed)
    cards = []
    for i in range(count):
        first = rng.choice(FIRST_NAMES + CYRILLIC)
        last = rng.choice(LAST_NAMES)
        version = "4.0" if i % 3 == 0 else "3.0"
        bday = f"--{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if i % 7 == 0 else (
            f"{rng.randint(1950, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        )  # fmt: skip
        lines = [
            "BEGIN:VCARD", f"VERSION:{version}", f"UID:bench-{seed}-{i}",
            f"N:{last};{first};;;", f"FN:{first} {last}",
            f"item1.EMAIL;type=INTERNET;type=pref:{first.lower()}.{last.lower()}.{i}@example.com",
            "item1.X-ABLabel:_$!<Work>!$_",
            f"TEL;type=CELL:+7 900 {i % 1000:03d}-{i % 100:02d}-{(i * 7) % 100:02d}",
            f"BDAY:{bday}", f"ADR;TYPE=home:;;Street {i}\\, 1;City;;{10000 + i};Country",
            "NOTE:Imported by the benchmark; a note long enough to be folded by the export",
            " er that wrote it.",
        ]  # fmt: skip
        if i % 50 == 0:
            lines.append("PHOTO;ENCODING=b;TYPE=PNG:" + "iVBORw0KGgo" * 40)
        lines.append("END:VCARD")
        cards.append("\r\n".join(lines))
    return ("\r\n".join(cards) + "\r\n").encode()


def _timed(method: str, url: str, headers: dict[str, str], body: bytes | None) -> Result:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        exc.read()
        status = exc.code
    took = time.perf_counter() - started
    ms = took * 1000
    bad = 0 if status < 300 else 1
    by_status = {f"{status // 100}xx": 1} if bad else {}
    return Result(1, took, 1 / took, ms, ms, ms, ms, bad, 0, by_status)


def one_shot_rows(
    backend: str, base_url: str, api: Api, callers: Callers, cards: int = IMPORT_CARDS
) -> list[Row]:
    """Import `cards` cards for one user and export them, each timed once."""
    label = f"{cards:,} cards"
    if not api.has("post", "/contacts/import") or len(callers.ids) < 2:
        return [Row("hb.vcard_import", f"POST /contacts/import ({label})", backend),
                Row("hb.vcard_export", f"GET /contacts.vcf ({label})", backend)]  # fmt: skip
    warm, owner = callers.bearer[callers.ids[-1]], callers.bearer[callers.ids[-2]]
    body, vcard = vcards(cards, seed=1), {"Content-Type": "text/vcard"}
    _timed("POST", base_url + "/contacts/import", warm | vcard, vcards(min(cards, 500), seed=2))
    imported = _timed("POST", base_url + "/contacts/import", owner | vcard, body)
    exported = _timed("GET", base_url + "/contacts.vcf", owner, None)
    print(f"  import {label}: {imported.seconds:.2f} s; export: {exported.seconds:.2f} s")
    return [
        Row("hb.vcard_import", f"POST /contacts/import ({label}), one request", backend,
            result=imported, baseline=None, connections=1),
        Row("hb.vcard_export", f"GET /contacts.vcf ({label}), one request", backend,
            result=exported, baseline=None, connections=1),
    ]  # fmt: skip


def feed_scenarios(
    backend: str, base_url: str, api: Api, callers: Callers, contacts: int = FEED_CONTACTS
) -> list[tuple[Row, list[Request] | None]]:
    """A birthdays feed of `contacts` contacts, fetched in full and polled unchanged (304)."""
    full = Row("hb.birthdays_feed", f"GET birthdays feed ({contacts:,} contacts)", backend,
               baseline=None, connections=1)  # fmt: skip
    poll = Row("hb.birthdays_feed_304", "GET birthdays feed, If-None-Match (304)", backend,
               baseline=None, connections=1)  # fmt: skip
    if not api.has("post", "/feeds") or len(callers.ids) < 3:
        return [(full, None), (poll, None)]
    owner = callers.bearer[callers.ids[-3]]
    vcard = {"Content-Type": "text/vcard"}
    _timed("POST", base_url + "/contacts/import", owner | vcard, vcards(contacts, seed=3))
    _, feed = http("POST", base_url + "/feeds", {"kind": "birthdays"}, owner)
    path = urlsplit(feed["url"]).path
    request = urllib.request.Request(base_url + path)
    with urllib.request.urlopen(request, timeout=30) as response:
        etag = response.headers["ETag"]
    return [
        (full, [Request("GET", path)]),
        (poll, [Request("GET", path, {"If-None-Match": etag})]),
    ]

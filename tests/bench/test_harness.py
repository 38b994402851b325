"""The benchmark's pure parts: wrk's Lua, endpoint detection, the table and the targets,
the DAV rows' config and bodies."""

from __future__ import annotations

import configparser
import json
from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring

from bench import dav
from bench.report import NA_MISSING, Report, Row, targets
from bench.scenarios import Api
from bench.wrk import Request, Result, _parse, lua_script, lua_string


def result(rps: float, p99_ms: float = 10.0, non2xx: int = 0) -> Result:
    return Result(int(rps * 10), 10.0, rps, 1.0, 5.0, p99_ms, p99_ms, non2xx, 0)


def test_lua_string_escapes_quotes_backslashes_and_non_ascii() -> None:
    assert lua_string('say "hi"\\') == '"say \\"hi\\"\\\\"'
    assert lua_string("é\n") == '"\\195\\169\\10"'


def test_lua_script_holds_every_prepared_request() -> None:
    script = lua_script(
        [
            Request("GET", "/tasks/1", {"Authorization": "Bearer abc"}),
            Request("POST", "/tasks", {"Content-Type": "application/json"}, '{"title": "x"}'),
        ]
    )
    assert '{"GET", "/tasks/1", {["Authorization"] = "Bearer abc"}, nil},' in script
    assert (
        '{"POST", "/tasks", {["Content-Type"] = "application/json"}, "{\\"title\\": \\"x\\"}"},'
        in script
    )


def test_wrk_output_counts_non_2xx_and_socket_errors() -> None:
    raw = {"requests": 1000, "duration_us": 2_000_000, "1xx": 0, "3xx": 1, "4xx": 0, "5xx": 2,
           "connect": 1, "read": 2, "write": 0, "timeout": 4, "p50_us": 1500, "p90_us": 3000,
           "p99_us": 9000, "max_us": 20000}  # fmt: skip
    parsed = _parse(raw)
    assert parsed.rps == 500
    assert parsed.p99_ms == 9.0
    assert parsed.by_status == {"3xx": 1, "5xx": 2}
    assert parsed.errors == 3 + 7


def test_api_normalises_path_parameters() -> None:
    api = Api({"/tasks/{task_id}": {"get": {}, "put": {}}, "/health": {"get": {}}})
    assert api.has("get", "/tasks/{}")
    assert not api.has("delete", "/tasks/{}")
    assert api.only("get", "/contacts", [Request("GET", "/contacts")]) is None


def test_missing_endpoints_are_reported_never_numbered(tmp_path: Path) -> None:
    report = Report()
    report.add(Row("hello.get", "GET /", "-", result=result(10_000)))
    report.add(Row("ref.task_by_id", "reference GET /tasks/{id}", "sqlite", result=result(1_000)))
    report.add(Row("flask.user_by_id", "Flask GET /users/{id}", "sqlite", result=result(2_000)))
    report.add(Row("hb.task_by_id", "Bearer GET /tasks/{id}", "sqlite", note=NA_MISSING))
    report.add(Row("hb.me_bearer", "Bearer GET /users/me", "sqlite", result=result(3_000)))

    table = report.table()
    line = next(line for line in table.splitlines() if line.startswith("Bearer GET /tasks/{id}"))
    assert line.split() == ["Bearer", "GET", "/tasks/{id}", "sqlite", *NA_MISSING.split()]
    ratios = report.ratios(report.rows[-1])
    assert ratios == {"hello": 0.3, "ref": 3.0, "flask": 1.5}

    found = {t.name: t for t in targets(report)}
    assert found["Bearer GET /tasks/{id} vs reference (sqlite)"].status == "n/a"
    report.write_json(tmp_path / "results.json", list(found.values()))
    rows = json.loads((tmp_path / "results.json").read_text())["rows"]
    assert rows[3]["result"] == NA_MISSING
    assert "rps" not in rows[3]


def test_targets_print_pass_and_miss_with_their_margin() -> None:
    report = Report()
    report.add(Row("ref.task_by_id", "reference", "sqlite", result=result(1_000)))
    report.add(Row("hb.task_by_id", "Bearer GET /tasks/{id}", "sqlite", result=result(3_300)))
    report.add(Row("ref.task_by_id", "reference", "postgresql", result=result(1_000)))
    report.add(Row("hb.task_by_id", "Bearer GET /tasks/{id}", "postgresql", result=result(1_500)))
    found = {t.name: t for t in targets(report)}
    sqlite = found["Bearer GET /tasks/{id} vs reference (sqlite)"]
    assert (sqlite.status, sqlite.detail) == ("PASS", "3.30× (needs ≥ 3×, margin +10%)")
    pg = found["Bearer GET /tasks/{id} vs reference (postgresql)"]
    assert (pg.status, pg.detail) == ("MISS", "1.50× (needs ≥ 2×, margin -25%)")


def test_app_password_read_is_held_to_the_session_read() -> None:
    report = Report()
    for backend, app_rps in (("sqlite", 950.0), ("postgresql", 800.0)):
        report.add(Row("hb.task_by_id", "Bearer GET /tasks/{id}", backend, result=result(1_000)))
        report.add(
            Row("hb.task_by_id_app_password", "App-password", backend, result=result(app_rps))
        )
    found = {t.name: t for t in targets(report)}
    sqlite = found["App-password Bearer GET /tasks/{id} vs session Bearer (sqlite)"]
    assert (sqlite.status, sqlite.detail) == ("PASS", "0.95× (needs ≥ 0.9×, margin +6%)")
    assert found["App-password Bearer GET /tasks/{id} vs session Bearer (postgresql)"].status == (
        "MISS"
    )


def test_vdirsyncer_config_pairs_the_address_book_with_a_folder(tmp_path: Path) -> None:
    text = dav.vdirsyncer_config(tmp_path, "http://h:1/dav/users/7/contacts/", "a@b.c", 'hbp_"x')
    config = configparser.ConfigParser()
    config.read_string(text)
    values = {
        section: {key: json.loads(value) for key, value in config[section].items()}
        for section in config.sections()
    }
    assert values["pair contacts"] == {
        "a": "contacts_local", "b": "contacts_remote", "collections": None
    }  # fmt: skip
    assert values["storage contacts_remote"] == {
        "type": "carddav", "url": "http://h:1/dav/users/7/contacts/",
        "username": "a@b.c", "password": 'hbp_"x',
    }  # fmt: skip
    assert values["storage contacts_local"]["path"] == f"{tmp_path}/contacts/"
    assert values["general"]["status_path"] == f"{tmp_path}/status/"


def test_sync_collection_body_carries_the_token_back() -> None:
    first = dav.sync_collection_body()
    assert "<D:sync-token></D:sync-token>" in first
    answer = first.replace("<D:sync-token></D:sync-token>", "<D:sync-token>urn:x:9</D:sync-token>")
    assert dav.sync_token(answer) == "urn:x:9"
    assert "<D:sync-token>urn:x:9</D:sync-token>" in dav.sync_collection_body("urn:x:9")
    assert dav.sync_token("<D:multistatus/>") is None
    for body in (first, dav.PROPFIND_BODY):
        fromstring(body)  # well-formed


def test_timed_requests_make_a_result_with_nearest_rank_percentiles() -> None:
    timed = dav.timings_result([0.3, 0.1, 0.2, 0.4], [207, 207, 500, 207])
    assert (timed.requests, timed.p50_ms, timed.p99_ms, timed.max_ms) == (4, 200.0, 400.0, 400.0)
    assert timed.rps == pytest.approx(4.0)
    assert (timed.errors, timed.by_status) == (1, {"5xx": 1})


def test_dav_targets_hold_each_row_to_its_limit() -> None:
    report = Report()
    sync = Result(1, 41.0, 1 / 41, 41_000.0, 41_000.0, 41_000.0, 41_000.0, 0, 0)
    report.add(Row(dav.VDIRSYNCER_KEY, "vdirsyncer first sync", "sqlite", result=sync))
    report.add(Row(dav.SYNC_KEY, "sync-collection", "sqlite", result=result(200, p99_ms=25.0)))
    rss = Row(dav.PROPFIND_KEY, "PROPFIND", "postgresql", result=result(2), extra={})
    rss.extra["rss_growth_mb"] = 4.0
    report.add(rss)
    report.add(dav.empty_row(dav.PROPFIND_KEY, "sqlite", 10_000, "n/a (failed: boom)"))
    found = {t.name: (t.status, t.detail) for t in targets(report)}
    assert found["vdirsyncer first sync (sqlite)"] == (
        "PASS", "41.00 s (needs < 60 s, margin +32%)"
    )  # fmt: skip
    assert found["sync-collection (sqlite) p99"][0] == "MISS"
    assert found["PROPFIND (postgresql): RSS growth of a worker"][0] == "PASS"
    label = "PROPFIND Depth 1 (10,000 cards), one at a time (sqlite): RSS growth of a worker"
    assert found[label] == ("n/a", "n/a (failed: boom)")
    assert dav.keys_for("postgresql") == (dav.SYNC_KEY, dav.PROPFIND_KEY)

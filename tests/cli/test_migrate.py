"""`homebase migrate`: the real cause of a failure, honest downgrades, adoption, on both
backends (the `migrate` command reads HOMEBASE_DATABASE_URL like every command)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from homebase.cli import main
from homebase.db.migrate import head_revision
from homebase.db.session import async_url
from tests.support import make_settings

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "previous_release" / "homebase.db"


@pytest.fixture
def database(
    migration_database_url: str, cli_database: str, monkeypatch: pytest.MonkeyPatch
) -> str:
    monkeypatch.setenv("HOMEBASE_DATABASE_URL", migration_database_url)
    return migration_database_url


def _run_sql(url: str, *statements: str) -> list[tuple[object, ...]]:
    async def run() -> list[tuple[object, ...]]:
        engine = create_async_engine(async_url(url), poolclass=NullPool)
        try:
            async with engine.begin() as connection:
                rows: list[tuple[object, ...]] = []
                for statement in statements:
                    result = await connection.execute(text(statement))
                    rows = [tuple(row) for row in result] if result.returns_rows else []
                return rows
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _version(url: str) -> object:
    return _run_sql(url, "SELECT version_num FROM alembic_version")[0][0]


def test_a_failing_migration_prints_its_cause(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A foreign table in the way (not Homebase's shape, so not adopted).
    _run_sql(database, "CREATE TABLE task (id INTEGER PRIMARY KEY)")
    assert main(["migrate"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the migration failed: ")
    assert "already exists" in err and "unavailable" not in err
    assert len(err.strip().splitlines()) == 1
    # Nothing half-done: the tables created before the failure were rolled back.
    catalog = {
        True: "SELECT count(*) FROM sqlite_master WHERE name = 'user'",
        False: "SELECT count(*) FROM pg_tables WHERE tablename = 'user'",
    }
    assert _run_sql(database, catalog[database.startswith("sqlite")]) == [(0,)]


def test_downgrade_is_refused_without_the_flag(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    head = head_revision(make_settings(database))
    assert main(["migrate"]) == 0
    capsys.readouterr()
    assert main(["migrate", "0001"]) == 2
    err = capsys.readouterr().err
    assert f"the database is at revision {head}" in err and "--allow-downgrade" in err
    assert _version(database) == head

    assert main(["migrate", "0001", "--allow-downgrade"]) == 0
    assert capsys.readouterr().out.strip() == f"database migrated from {head} to 0001"
    assert _version(database) == "0001"
    assert main(["migrate"]) == 0
    assert _version(database) == head


def test_a_database_of_a_newer_release_is_refused(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    _run_sql(database, "UPDATE alembic_version SET version_num = '9999_from_the_future'")
    capsys.readouterr()
    assert main(["migrate"]) == 1
    err = capsys.readouterr().err
    assert "9999_from_the_future, which this release does not know" in err


def test_migrate_adopts_a_database_of_the_previous_release(
    cli_database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copyfile(FIXTURE, tmp_path / "cli.db")
    assert main(["migrate"]) == 0
    out = capsys.readouterr().out
    assert "adopted the database as revision 0004_task_keyset_indexes" in out
    assert _version(cli_database) == head_revision(make_settings(cli_database))

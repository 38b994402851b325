"""Settings: environment, the generated secret file, production refusals."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from homebase.core.config import Settings, load_or_create_secret
from homebase.db.session import async_url


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("HOMEBASE_"):
            monkeypatch.delenv(name)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == "sqlite:///./homebase.db"
    assert settings.access_token_ttl == timedelta(minutes=15)
    assert settings.refresh_token_ttl == timedelta(days=30)
    assert settings.default_locale == "en"
    assert settings.redis_url is None
    assert (settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism) == (
        19_456,
        2,
        1,
    )


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOMEBASE_ACCESS_TOKEN_TTL", "60")
    monkeypatch.setenv("HOMEBASE_CORS_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("HOMEBASE_DEFAULT_LOCALE", "uk")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.access_token_ttl == timedelta(seconds=60)
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert settings.default_locale == "uk"


def test_dotenv_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOMEBASE_ADMIN_EMAIL", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("HOMEBASE_ADMIN_EMAIL=root@example.com\n")
    settings = Settings(_env_file=env_file)  # type: ignore[call-arg]
    assert settings.admin_email == "root@example.com"


def test_secret_generated_once_beside_database_with_0600(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'homebase.db'}"
    first = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    second = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    assert first.secret == second.secret
    assert len(first.secret) >= 48
    path = tmp_path / "data" / ".homebase-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_concurrent_workers_agree_on_one_secret(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    with ThreadPoolExecutor(8) as pool:
        secrets = set(pool.map(lambda _: load_or_create_secret(path), range(32)))
    assert len(secrets) == 1
    assert not list(tmp_path.glob("*.tmp"))


def test_configured_secret_wins(tmp_path: Path) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=f"sqlite:///{tmp_path / 'x.db'}", secret_key="k" * 40
    )
    assert settings.secret == "k" * 40
    assert not (tmp_path / ".homebase-secret").exists()


@pytest.mark.parametrize("secret", [None, "changeme", "short-secret"])
def test_production_refuses_missing_or_placeholder_secret(secret: str | None) -> None:
    with pytest.raises(ValidationError, match="HOMEBASE_SECRET_KEY"):
        Settings(_env_file=None, env="production", secret_key=secret)  # type: ignore[call-arg]


def test_production_accepts_a_real_secret() -> None:
    settings = Settings(_env_file=None, env="production", secret_key="r" * 40)  # type: ignore[call-arg]
    assert settings.env == "production"


@pytest.mark.parametrize(
    ("plain", "expected"),
    [
        ("sqlite:///./homebase.db", "sqlite+aiosqlite:///./homebase.db"),
        ("postgresql://user@host/db", "postgresql+asyncpg://user@host/db"),
        ("postgres://user@host/db", "postgresql+asyncpg://user@host/db"),
        ("postgresql+psycopg://user@host/db", "postgresql+asyncpg://user@host/db"),
    ],
)
def test_plain_urls_get_an_async_driver(plain: str, expected: str) -> None:
    assert async_url(plain).render_as_string() == expected

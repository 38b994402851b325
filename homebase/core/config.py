"""Settings, read from `HOMEBASE_*` environment variables and a `.env` file."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from homebase.core import config_checks

SECRET_FILE_NAME = ".homebase-secret"  # noqa: S105 - a file name, not a secret


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def _seconds(value: object) -> object:
    """`HOMEBASE_LOCKOUT_DURATION=900` means seconds (ISO 8601 `PT15M` works as well)."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HOMEBASE_", env_file=".env", extra="ignore", frozen=True
    )

    env: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite:///./homebase.db"
    secret_key: SecretStr | None = None
    secret_file: Path | None = None
    previous_secret_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    redis_url: str | None = None
    # Connections to Redis per worker; a request that finds them all busy waits for one up to
    # `redis_pool_timeout` seconds (then 503) instead of failing at once.
    redis_max_connections: int = Field(default=200, ge=1)
    redis_pool_timeout: float = Field(default=5.0, gt=0)
    access_token_ttl: timedelta = timedelta(minutes=15)
    refresh_token_ttl: timedelta = timedelta(days=30)
    admin_email: str | None = None
    admin_password: SecretStr | None = None
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    default_locale: Literal["en", "ru", "uk"] = "en"

    # argon2id cost: OWASP's minimum (19 MiB, t=2, p=1) by default, about 22 ms per verify.
    argon2_memory_kib: int = Field(default=19_456, ge=8)
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_parallelism: int = Field(default=1, ge=1)
    # Threads per worker that hash passwords, at a lower priority (0: one per CPU core, and
    # under `homebase serve` the cores shared among its workers, at least one each).
    hash_threads: int = Field(default=0, ge=0)

    # Verified Basic credentials are remembered this long (0 disables the cache).
    basic_auth_cache_ttl: timedelta = timedelta(seconds=60)

    rate_limit_enabled: bool = True
    rate_limit_login_per_ip: str = "30/minute"
    rate_limit_login_per_account: str = "10/minute"
    rate_limit_register_per_ip: str = "20/hour"
    rate_limit_register_per_account: str = "5/hour"
    rate_limit_refresh_per_ip: str = "60/minute"
    # Keys in Redis start with this (one Redis can serve several deployments).
    rate_limit_key_prefix: str = "homebase"
    lockout_threshold: int = Field(default=10, ge=1)
    lockout_duration: timedelta = timedelta(minutes=15)
    # Each failure after a lock doubles the next lock, up to this.
    lockout_max_duration: timedelta = timedelta(hours=24)

    # Mail (SPEC §10). Without all three, features that send mail answer 503 mail_unavailable.
    # smtp:// upgrades with STARTTLS when offered, smtps:// is TLS from the start; both verify
    # the server certificate against the system's trust store (or `smtp_ca_file`).
    smtp_url: SecretStr | None = None
    smtp_password_file: Path | None = None
    smtp_ca_file: Path | None = None
    smtp_timeout: float = Field(default=20.0, gt=0)
    mail_from: str | None = None
    # The address users reach Homebase at (e.g. https://home.example.org): every link in a
    # mail starts with it, and so do other links given out (calendar feed URLs; those are
    # relative when it is unset).
    public_url: str | None = None
    # Seconds between two passes of the outbox worker over due mails (0: no worker here).
    mail_worker_interval: float = Field(default=5.0, ge=0)
    require_verified_email: bool = False
    email_verification_ttl: timedelta = timedelta(hours=48)
    password_reset_ttl: timedelta = timedelta(minutes=30)
    mfa_token_ttl: timedelta = timedelta(minutes=5)
    rate_limit_forgot_per_ip: str = "10/hour"
    rate_limit_forgot_per_address: str = "3/hour"
    rate_limit_verify_email_per_account: str = "5/hour"
    rate_limit_mfa_per_ip: str = "30/minute"

    db_pool_size: int = Field(default=10, ge=1)
    db_connect_timeout: float = Field(default=3.0, gt=0)
    # "pgbouncer": PostgreSQL is reached through PgBouncer in transaction pooling mode (no
    # cached or reused prepared statement names, every statement inside a transaction).
    db_pooler: Literal["none", "pgbouncer"] = "none"
    max_body_bytes: int = 1024 * 1024
    # vCard / iCalendar imports (`POST /contacts/import`, `/tasks/import`): a whole address
    # book is larger than a JSON body, and each import holds at most this many cards or tasks.
    max_import_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    max_import_items: int = Field(default=10_000, ge=1)
    log_level: str = "INFO"
    log_json: bool = True

    _split = field_validator(
        "cors_origins", "trusted_proxies", "previous_secret_keys", mode="before"
    )(_split_csv)
    _networks = field_validator("trusted_proxies")(config_checks.networks)
    _rates = field_validator(
        "rate_limit_login_per_ip",
        "rate_limit_login_per_account",
        "rate_limit_register_per_ip",
        "rate_limit_register_per_account",
        "rate_limit_refresh_per_ip",
    )(config_checks.rate)
    _log_level = field_validator("log_level")(config_checks.log_level)
    _database_url = field_validator("database_url")(config_checks.database_url)
    _redis_url = field_validator("redis_url")(config_checks.redis_url)
    _durations = field_validator(
        "access_token_ttl",
        "refresh_token_ttl",
        "basic_auth_cache_ttl",
        "lockout_duration",
        "lockout_max_duration",
        "email_verification_ttl",
        "password_reset_ttl",
        "mfa_token_ttl",
        mode="before",
    )(_seconds)

    @field_validator("mail_from", "public_url")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        if value is not None and any(char in value for char in "\r\n"):
            raise ValueError("must be a single line")
        return value.strip() if value else None

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            from homebase.core.smtp import SmtpConfig

            SmtpConfig.from_url(value.get_secret_value())  # a ValueError names what is wrong
        return value

    @field_validator("public_url")
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("HOMEBASE_PUBLIC_URL must start with https:// or http://")
        return value.rstrip("/") if value else None

    @model_validator(mode="after")
    def _refuse_weak_secret_in_production(self) -> Settings:
        if self.env != "production":
            return self
        if self.secret_key is not None:
            name, key = "HOMEBASE_SECRET_KEY", self.secret_key.get_secret_value()
        elif self.secret_file is not None:
            name, key = "HOMEBASE_SECRET_FILE", config_checks.read_secret_file(self.secret_file)
        else:
            raise ValueError(
                "HOMEBASE_SECRET_KEY (or HOMEBASE_SECRET_FILE) must be set when "
                "HOMEBASE_ENV=production"
            )
        problem = config_checks.secret_problem(key)
        if problem is not None:
            raise ValueError(f"{name} {problem} (HOMEBASE_ENV=production)")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        path = self.database_url.split(":///", 1)[1] if ":///" in self.database_url else ""
        if path in ("", ":memory:"):
            return None
        return Path(path)

    @cached_property
    def secret(self) -> str:
        """The signing secret: the configured one, or one kept in a 0600 file."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return load_or_create_secret(self.resolved_secret_file)

    @property
    def resolved_secret_file(self) -> Path:
        if self.secret_file is not None:
            return self.secret_file
        db_path = self.sqlite_path
        folder = db_path.parent if db_path is not None else Path.cwd()
        return folder / SECRET_FILE_NAME

    @property
    def previous_secrets(self) -> list[str]:
        return [key.get_secret_value() for key in self.previous_secret_keys]


def load_or_create_secret(path: Path) -> str:
    """Read the secret from `path`, creating it atomically (0600) if it does not exist yet.

    O_EXCL makes the first of several starting workers the only writer; the others read its key.
    """
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate = secrets.token_urlsafe(48)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(candidate)
    try:
        os.link(tmp, path)  # fails if another worker won the race
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    value = path.read_text().strip()
    if not value:
        raise FileNotFoundError(path)
    return value

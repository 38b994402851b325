"""Everything one running app holds: built once at start-up, reached through `app.state`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from homebase.core.config import Settings
from homebase.core.credential_cache import CredentialCache
from homebase.core.ratelimit import RateLimiter
from homebase.core.security import PasswordHasher, TokenCodec
from homebase.db.session import bind_for, create_engine, create_sessionmaker
from homebase.services.accounts import Accounts
from homebase.services.mail import Mailer


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    # Per-request sessions: GET/HEAD/OPTIONS read, every other method writes.
    read_sessions: async_sessionmaker[AsyncSession]
    write_sessions: async_sessionmaker[AsyncSession]
    # The hot read routes' Core connections (no ORM session), with the read sessions' options.
    read_engine: AsyncEngine
    hasher: PasswordHasher
    codec: TokenCodec
    limiter: RateLimiter
    credential_cache: CredentialCache
    mailer: Mailer
    # The account and credential rules, holding the collaborators above (services/accounts.py).
    accounts: Accounts

    @classmethod
    def build(cls, settings: Settings) -> AppState:
        engine = create_engine(settings)
        autocommit_reads = settings.db_pooler != "pgbouncer"
        read_sessions = create_sessionmaker(engine, "read", autocommit_reads=autocommit_reads)
        write_sessions = create_sessionmaker(engine, "write")
        hasher, codec, limiter = (
            PasswordHasher(settings),
            TokenCodec(settings),
            RateLimiter(settings),
        )
        cache = CredentialCache(settings.secret, settings.basic_auth_cache_ttl.total_seconds())
        mailer = Mailer.from_settings(settings, write_sessions)
        return cls(
            settings=settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            read_sessions=read_sessions,
            write_sessions=write_sessions,
            read_engine=bind_for(engine, "read", autocommit_reads=autocommit_reads),
            hasher=hasher,
            codec=codec,
            limiter=limiter,
            credential_cache=cache,
            accounts=Accounts(
                settings,
                reads=read_sessions,
                writes=write_sessions,
                hasher=hasher,
                codec=codec,
                limiter=limiter,
                credential_cache=cache,
                mailer=mailer,
            ),
            mailer=mailer,
        )

    async def close(self) -> None:
        await self.mailer.stop()
        self.hasher.close()
        await self.engine.dispose()
        await self.limiter.close()

"""Everything one running app holds: built once at start-up, reached through `app.state`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from homebase.core.config import Settings
from homebase.core.ratelimit import RateLimiter
from homebase.core.security import PasswordHasher, TokenCodec
from homebase.db.session import create_engine, create_sessionmaker


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    hasher: PasswordHasher
    codec: TokenCodec
    limiter: RateLimiter

    @classmethod
    def build(cls, settings: Settings) -> AppState:
        engine = create_engine(settings)
        return cls(
            settings=settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            hasher=PasswordHasher(settings),
            codec=TokenCodec(settings),
            limiter=RateLimiter(settings),
        )

    async def close(self) -> None:
        await self.engine.dispose()
        await self.limiter.close()

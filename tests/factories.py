"""Factories: users (with ready-made Basic and Bearer headers), written straight to the DB."""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass, field
from typing import Any

from homebase.app_state import AppState
from homebase.models import User
from homebase.services import auth as auth_service
from homebase.services.audit import ClientInfo

DEFAULT_PASSWORD = "correct horse battery"
_counter = itertools.count(1)


@dataclass
class UserHandle:
    user: User
    password: str
    access_token: str
    refresh_token: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def email(self) -> str:
        return self.user.email or ""

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    @property
    def basic(self) -> dict[str, str]:
        raw = f"{self.user.email or self.user.username}:{self.password}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


class Factory:
    def __init__(self, state: AppState) -> None:
        self.state = state
        self._hashes: dict[str, str] = {}

    def _hash(self, password: str) -> str:
        if password not in self._hashes:
            self._hashes[password] = self.state.hasher.hash_sync(password)
        return self._hashes[password]

    async def user(
        self,
        *,
        email: str | None = None,
        username: str | None = None,
        name: str | None = None,
        password: str = DEFAULT_PASSWORD,
        is_admin: bool = False,
        is_active: bool = True,
        phone: str | None = None,
    ) -> UserHandle:
        """A user, with a login session already open (so `bearer` works)."""
        number = next(_counter)
        email = email if email is not None else f"user{number}@example.com"
        async with self.state.sessionmaker() as session:
            user = User(
                name=name or (username or email.split("@")[0]),
                email=email.lower() if email else None,
                username=username.lower() if username else None,
                phone=phone,
                password_hash=self._hash(password),
                is_admin=is_admin,
                is_active=is_active,
            )
            session.add(user)
            await session.flush()
            pair = await auth_service.start_session(
                session,
                self.state.codec,
                user,
                ClientInfo(ip="198.51.100.1", user_agent="factory"),
                self.state.settings.refresh_token_ttl,
            )
            await session.commit()
        return UserHandle(user, password, pair.access_token, pair.refresh_token)

    async def admin(self, **kwargs: Any) -> UserHandle:
        return await self.user(is_admin=True, **kwargs)

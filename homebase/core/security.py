"""Password hashing and token encoding. Pure functions and small classes: no I/O, no HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

import jwt
from pwdlib import PasswordHash
from pwdlib.exceptions import UnknownHashError
from pwdlib.hashers.argon2 import Argon2Hasher

from homebase.core.config import Settings

ALGORITHM = "HS256"
ALLOWED_ALGORITHMS = [ALGORITHM]
LEEWAY_SECONDS = 10
ISSUER = "homebase"
VERIFIED_CACHE_SIZE = 10_000
HASH_THREAD_NICENESS = 10
T = TypeVar("T")
TokenType = Literal["access", "refresh"]


def _lower_priority() -> None:
    """Run this thread at a lower scheduling priority: on a busy host, the event loops that
    serve requests get the cores first and password hashing takes what is left."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_THREAD_NICENESS)


class PasswordHasher:
    """argon2id through pwdlib. Hashing is CPU work: the async methods run it in a pool of
    low-priority threads (argon2 releases the GIL), so the event loop keeps serving other
    requests while logins hash."""

    def __init__(self, settings: Settings) -> None:
        hasher = Argon2Hasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )
        self._hash = PasswordHash((hasher,))
        self._dummy_hash = self._hash.hash(secrets.token_urlsafe(16))
        self._threads = ThreadPoolExecutor(
            max_workers=settings.hash_threads or os.cpu_count() or 1,
            thread_name_prefix="argon2",
            initializer=_lower_priority,
        )

    def hash_sync(self, password: str) -> str:
        return self._hash.hash(password)

    def verify_sync(self, password: str, password_hash: str) -> tuple[bool, str | None]:
        try:
            return self._hash.verify_and_update(password, password_hash)
        except UnknownHashError:
            return False, None

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, function, *args)

    async def hash(self, password: str) -> str:
        return await self._run(self.hash_sync, password)

    async def verify(self, password: str, password_hash: str | None) -> tuple[bool, str | None]:
        """Verify; with no hash (unknown login) verify a dummy so the timing is the same."""
        if password_hash is None:
            await self._run(self.verify_sync, password, self._dummy_hash)
            return False, None
        return await self._run(self.verify_sync, password, password_hash)

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)


def _key_id(secret: str) -> str:
    return hashlib.sha256(b"homebase-kid:" + secret.encode()).hexdigest()[:12]


def _signing_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"homebase-jwt-v1", hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: int
    session_id: str
    jti: str
    expires_at: int


@dataclass(frozen=True, slots=True)
class SessionClaim:
    """A Bearer access token whose signature holds, for a route whose one statement also
    confirms the login session (`with_open_session`) while reading what the route serves:
    until then, nothing says the session is open or the user active."""

    user_id: int
    session_id: str

    def params(self, now: datetime) -> dict[str, Any]:
        """The bind values `with_open_session` needs."""
        return {"user_id": self.user_id, "session_id": self.session_id, "now": now}


@dataclass(slots=True)
class AppPasswordClaim:
    """A Bearer value of the app-password form, for a route whose one statement looks the
    token up (live, its owner) while reading what the route serves. `scope` is the one the
    route requires (set by its scope check; none grants nothing). `use` is set once the token
    is verified (an `app_passwords.LastUse`), for the request to write after its connection is
    back in the pool."""

    secret: str
    scope: str = ""
    use: Any = None


class TokenCodec:
    """Signs and reads access tokens. `kid` names the key, so old keys (given in
    `HOMEBASE_PREVIOUS_SECRET_KEYS`) keep verifying the tokens they signed until expiry."""

    def __init__(self, settings: Settings) -> None:
        self._kid = _key_id(settings.secret)
        self._key = _signing_key(settings.secret)
        self._keys = {self._kid: self._key}
        for old in settings.previous_secrets:
            self._keys.setdefault(_key_id(old), _signing_key(old))
        self.access_ttl = settings.access_token_ttl
        self._verified: dict[str, AccessClaims] = {}

    def encode_access(self, user_id: int, session_id: str, now: datetime) -> tuple[str, int]:
        expires_in = int(self.access_ttl.total_seconds())
        payload = {
            "iss": ISSUER,
            "sub": str(user_id),
            "sid": session_id,
            "typ": "access",
            "jti": uuid.uuid4().hex,
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=expires_in)).timestamp()),
        }
        token = jwt.encode(payload, self._key, algorithm=ALGORITHM, headers={"kid": self._kid})
        return token, expires_in

    def decode_access(self, token: str) -> AccessClaims | None:
        """The claims of a valid access token, or None for anything else.

        A client sends the same token for its whole life, so verified claims are remembered
        (by the exact token string) until the token expires: the signature check, a pure
        function of the token, is not redone on every request. Revocation is not cached here;
        it is checked against the session on every request.
        """
        cached = self._verified.get(token)
        if cached is not None:
            if cached.expires_at + LEEWAY_SECONDS > time.time():
                return cached
            del self._verified[token]
        claims = self._verify_access(token)
        if claims is not None:
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.pop(next(iter(self._verified)))
            self._verified[token] = claims
        return claims

    def _verify_access(self, token: str) -> AccessClaims | None:
        payload = self._decode(token)
        if payload is None or payload.get("typ") != "access":
            return None
        sub, sid, jti = payload.get("sub"), payload.get("sid"), payload.get("jti")
        if not (isinstance(sub, str) and sub.isdigit() and len(sub) < 19):
            return None
        if not (isinstance(sid, str) and isinstance(jti, str)):
            return None
        return AccessClaims(int(sub), sid, jti, int(payload["exp"]))

    def _decode(self, token: str) -> dict[str, Any] | None:
        try:
            header = jwt.get_unverified_header(token)
            key = self._keys.get(str(header.get("kid", "")))
            if key is None:
                return None
            payload: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=ALLOWED_ALGORITHMS,
                issuer=ISSUER,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "nbf", "sub", "jti", "typ"]},
            )
        except (jwt.PyJWTError, ValueError, TypeError):
            return None
        return payload


def new_refresh_token() -> str:
    """An opaque refresh token: 256 bits from the OS's CSPRNG."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_session_id() -> str:
    return secrets.token_hex(16)

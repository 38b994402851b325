"""The account manager: who may sign in, and who may change which credential.

Built once with the app (as fastapi-users' user manager), it holds its collaborators — the
session factories, the password hasher, the token codec, the rate limits and the account
lockout, the Basic credential cache — so a route resolves one dependency and delegates.

Every password is verified the same way (`_prove`): the user is read in a short session of its
own, the attempt is counted before argon2 runs (failure budget and lock, atomically), and no
database connection is held while it hashes. A request's own transaction therefore begins with
the route's first statement, never during authentication.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from homebase.core.app_passwords import looks_like_app_password
from homebase.core.config import Settings
from homebase.core.credential_cache import CredentialCache, credential_fingerprint
from homebase.core.errors import (
    AccountLocked,
    AdminRequired,
    EmailNotVerified,
    FieldError,
    Forbidden,
    InactiveUser,
    InvalidCredentials,
    MfaBasicRefused,
    NotFound,
    PasswordsMismatch,
    StateConflict,
)
from homebase.core.lockout import Lockout
from homebase.core.passwords import check_password
from homebase.core.ratelimit import RateLimiter
from homebase.core.security import AppPasswordClaim, PasswordHasher, SessionClaim, TokenCodec
from homebase.db.base import utcnow
from homebase.db.session import session_scope
from homebase.models import User
from homebase.repositories.users import check_open, open_session_user
from homebase.schemas.auth import TokenPair
from homebase.schemas.user import PasswordChange, UserCreate
from homebase.services import app_passwords, audit, email_verification, mfa, mfa_login, users
from homebase.services import auth as tokens
from homebase.services.app_passwords import TokenGrant
from homebase.services.audit import ClientInfo
from homebase.services.mail import Mailer


@dataclass(frozen=True, slots=True)
class BearerCredential:
    token: str


@dataclass(frozen=True, slots=True)
class BasicCredential:
    login: str
    password: str


Credential = BearerCredential | BasicCredential


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller, and how they proved it."""

    user: User
    session_id: str | None  # the login session behind a Bearer token; None for Basic
    # "session": a Bearer access token; "password": HTTP Basic with the account's password,
    # which proves the current password to the endpoints that ask for it; "app_password":
    # an app password, as a Bearer token or as the Basic password.
    method: Literal["session", "password", "app_password"] = "session"
    # The marker of an app password: its scopes. `AccountAuth` (api/deps.py) refuses it
    # wherever the account itself is managed.
    app_password: TokenGrant | None = None


@dataclass(frozen=True, slots=True)
class Caller:
    """The caller of a read-only route: who, and whether an admin (no ORM object)."""

    id: int
    is_admin: bool
    session_id: str | None
    # An app password's grant (its scopes), as on `Principal`; None for the account itself.
    app_password: TokenGrant | None = None


# What a hot read route knows of its caller before its own statement confirms it.
Claim = Caller | SessionClaim | AppPasswordClaim


class Accounts:
    def __init__(
        self,
        settings: Settings,
        *,
        reads: async_sessionmaker[AsyncSession],
        writes: async_sessionmaker[AsyncSession],
        hasher: PasswordHasher,
        codec: TokenCodec,
        limiter: RateLimiter,
        credential_cache: CredentialCache,
        mailer: Mailer,
    ) -> None:
        self.settings = settings
        self._reads = reads
        self._writes = writes
        self.hasher = hasher
        self.codec = codec
        self.limiter = limiter
        self.lockout = limiter.lockout
        self.credential_cache = credential_cache
        self.mailer = mailer

    # -- the credentials of every request ------------------------------------------------

    async def authenticate(
        self, session: AsyncSession, credential: Credential, client: ClientInfo
    ) -> Principal:
        """The caller behind a request's credential, attached to the request's `session`.

        An app password (SPEC §7) is a Bearer value or a Basic password of the `hbp_` form,
        recognised before the branches below: it never reaches argon2, the Basic failure
        budget or the account lock (guessing 258 unknown bits is hopeless, and a script
        keeps working while someone guesses the account's password)."""
        if isinstance(credential, BearerCredential):
            secret, login = credential.token, None
        else:
            secret, login = credential.password, credential.login
        if looks_like_app_password(secret):
            return await self._app_password(session, secret, login, client)
        if isinstance(credential, BearerCredential):
            async with session_scope(self._reads) as reader:
                user, session_id = await tokens.user_for_access_token(
                    reader, self.codec, credential.token
                )
            return Principal(await _attach(session, user), session_id, "session")
        user = await self._basic(credential.login, credential.password, client)
        self._check_basic(user)
        return Principal(await _attach(session, user), None, "password")

    async def claim(self, credential: Credential, client: ClientInfo) -> Claim:
        """The caller of a hot read route, as far as it is known without the database: a
        Bearer access token whose signature holds is a `SessionClaim`, a Bearer app password
        an `AppPasswordClaim`; the route's own connection confirms either (`confirm`, or the
        one statement that reads the row). Any other credential (Basic, or a Bearer token
        that is neither) goes through `authenticate`, in a session of its own, and is a
        `Caller` at once."""
        if isinstance(credential, BearerCredential):
            if looks_like_app_password(credential.token):
                return AppPasswordClaim(credential.token)
            claims = self.codec.decode_access(credential.token)
            if claims is not None:
                return SessionClaim(claims.user_id, claims.session_id)
        async with session_scope(self._reads) as session:
            principal = await self.authenticate(session, credential, client)
        user = principal.user
        return Caller(user.id, user.is_admin, principal.session_id, principal.app_password)

    async def confirm(self, reader: AsyncConnection, claim: Claim) -> Caller:
        """The `Caller` behind `claim`, in one Core statement on the route's connection: a
        login session is checked (revoked or ended: 401) in the statement that reads its
        user, as `user_for_access_token` does; an app password with its owner, then the
        route's scope. An app password's use is left on the claim, for `note_use` once the
        connection is back in the pool: a request never waits for a second pooled connection
        while it holds one (with every connection held by such requests, each would wait for
        the pool timeout)."""
        if isinstance(claim, Caller):
            return claim
        if isinstance(claim, AppPasswordClaim):
            owner, grant = await app_passwords.confirm_caller(reader, claim)
            return Caller(owner.id, owner.is_admin, None, grant)
        row = await open_session_user(reader, claim.user_id, claim.session_id, utcnow())
        check_open(None if row is None else row.is_active)
        assert row is not None  # checked: None is an InvalidToken
        return Caller(row.id, row.is_admin, claim.session_id)

    async def _app_password(
        self, session: AsyncSession, secret: str, login: str | None, client: ClientInfo
    ) -> Principal:
        """One read (the user, the token's row, its revocation and expiry); a write only for
        the first use, a new IP, or once a minute for `last_used_at`."""
        async with session_scope(self._reads) as reader:
            user, grant, last = await app_passwords.verify(reader, secret, basic_login=login)
        await self.note_use(last, client)
        return Principal(await _attach(session, user), None, "app_password", grant)

    async def note_use(self, last: app_passwords.LastUse, client: ClientInfo) -> None:
        """Write an app password's use when it is news (most uses write nothing)."""
        if not app_passwords.use_to_note(last, client):
            return
        async with session_scope(self._writes) as writer:
            await app_passwords.note_use(writer, last, client)

    def _check_basic(self, user: User) -> None:
        """After a right Basic password (verified now or cached): refuse what else the account
        requires. Basic sends only the password, so an account with MFA is refused (its app
        passwords still work); with `require_verified_email`, an unproven address is too."""
        if user.mfa_enabled:
            raise MfaBasicRefused()
        if (
            self.settings.require_verified_email
            and user.email is not None
            and not user.email_verified
        ):
            raise EmailNotVerified()

    async def _basic(self, login: str, password: str, client: ClientInfo) -> User:
        """HTTP Basic sends the password with every request: a pair verified in the last
        `basic_auth_cache_ttl` is trusted again without argon2, as long as the user is still
        active, unlocked, and has the very password hash, email and username it was verified
        against (any change drops it at once, in every worker)."""
        cache = self.credential_cache
        key = cache.key(login, password)
        entry = cache.get(key)
        if entry is not None:
            user = await self._read(entry.user_id)
            if user is not None and user.is_active and _fingerprint(user) == entry.fingerprint:
                await self.lockout.ensure_unlocked(Lockout.key(user.id, login))
                return user
            cache.drop(key)
        user = await self._prove(login, password, client, budget=True)
        cache.put(
            key, user.id, credential_fingerprint(user.password_hash, user.email, user.username)
        )
        return user

    # -- passwords ---------------------------------------------------------------------------

    async def _read(self, user_id: int) -> User | None:
        async with session_scope(self._reads) as reader:
            return await reader.get(User, user_id)

    async def _prove(
        self,
        login: str,
        password: str,
        client: ClientInfo,
        *,
        user: User | None = None,
        budget: bool = False,
        failure_key: str = "invalid_credentials",
        failure_event: str = "login.failed",
    ) -> User:
        """The user behind `login` + `password` (detached, to attach where it is used), or
        InvalidCredentials, in the same time whether or not the login exists. A locked account
        is refused (AccountLocked) even with the right password; an outdated hash is upgraded.

        With `budget`, the attempt also takes a slot of the failure budget first, handed
        back when the password proves right."""
        if user is None:
            async with session_scope(self._reads) as reader:
                user = await users.find_by_login(reader, login)
        if budget:
            await self.limiter.reserve_failure(client.ip, login)
        try:
            attempt = await self.lockout.begin(Lockout.key(user.id if user else None, login))
        except AccountLocked:
            if budget:  # refused unverified: not a guess
                await self.limiter.refund_failure(client.ip, login)
            raise
        valid, new_hash = await self.hasher.verify(password, user.password_hash if user else None)
        if user is None or not valid:
            await self._failed(failure_event, login, user, client, attempt.locked_for)
            raise InvalidCredentials(failure_key)
        await self.lockout.succeeded(attempt)
        if budget:
            await self.limiter.refund_failure(client.ip, login)
        if not user.is_active:
            async with session_scope(self._writes) as writer:
                await audit.record(writer, "login.inactive", client=client, user_id=user.id)
            raise InactiveUser()
        if new_hash is not None:
            await self._rehash(user, new_hash)
        return user

    async def _failed(
        self, event: str, login: str, user: User | None, client: ClientInfo, locked_for: int
    ) -> None:
        user_id = user.id if user else None
        async with session_scope(self._writes) as writer:
            await audit.record(writer, event, client=client, user_id=user_id, login=login)
            if locked_for:
                await audit.record(
                    writer,
                    "login.locked",
                    client=client,
                    user_id=user_id,
                    login=login,
                    detail=f"seconds={locked_for}",
                )

    async def _rehash(self, user: User, new_hash: str) -> None:
        async with session_scope(self._writes) as writer:
            await writer.execute(
                update(User)
                .where(User.id == user.id, User.password_hash == user.password_hash)
                .values(password_hash=new_hash)
            )
        set_committed_value(user, "password_hash", new_hash)

    # -- sign-up, sign-in, rotation ----------------------------------------------------------

    async def register(
        self, session: AsyncSession, data: UserCreate, client: ClientInfo, *, strict: bool = False
    ) -> User:
        """Anyone creates an account (rate-limited). `is_admin` is ignored, or with `strict`
        refused (403)."""
        if strict and data.is_admin:
            raise AdminRequired()
        await self.limiter.register(client.ip, data.email or data.username)
        return await users.create_user(session, self.hasher, data, client=client)

    async def create_user(
        self, session: AsyncSession, data: UserCreate, client: ClientInfo, actor: Principal | None
    ) -> User:
        """`POST /users`: an admin creates any account (not rate-limited, may set `is_admin`);
        anyone else registers."""
        if actor is None or not actor.user.is_admin:
            return await self.register(session, data, client, strict=True)
        return await users.create_user(
            session, self.hasher, data, as_admin=True, actor=actor.user, client=client
        )

    async def login(
        self,
        session: AsyncSession,
        login: str,
        password: str,
        client: ClientInfo,
        locale: str | None = None,
    ) -> TokenPair:
        """Verify a password (every attempt counts against the login budget) and start a
        login session; the request's transaction begins only after argon2 is done.

        With `require_verified_email` an unproven address is refused (a fresh link mailed in
        `locale`); an MFA user gets `mfa_required` and an `mfa_token` instead of tokens."""
        await self.limiter.login(client.ip, login)
        user = await self._prove(login, password, client)
        if self.settings.require_verified_email:
            await email_verification.ensure_verified_for_login(
                session,
                self.mailer,
                self.limiter,
                user,
                locale=locale or self.settings.default_locale,
                ttl=self.settings.email_verification_ttl,
                client=client,
            )
        await mfa_login.require_second_factor(session, user, self.settings.mfa_token_ttl, client)
        return await tokens.start_session(
            session, self.codec, user, client, self.settings.refresh_token_ttl
        )

    async def verify_mfa(
        self, session: AsyncSession, mfa_token: str, code: str, client: ClientInfo
    ) -> TokenPair:
        """The second login step: the `mfa_token` of the first and a TOTP or recovery code
        (rate-limited per IP, wrong codes locked like passwords)."""
        await self.limiter.mfa(client.ip)
        return await mfa_login.finish(
            session,
            self.codec,
            mfa_token,
            code,
            self.lockout,
            client,
            self.settings.refresh_token_ttl,
        )

    async def refresh(self, session: AsyncSession, token: str, client: ClientInfo) -> TokenPair:
        await self.limiter.refresh(client.ip)
        return await tokens.refresh(session, self.codec, token, client)

    # -- changing a password -----------------------------------------------------------------

    async def change_password(
        self,
        session: AsyncSession,
        principal: Principal,
        user_id: int,
        data: PasswordChange,
        client: ClientInfo,
    ) -> User:
        """Set a new password and end every session of that user.

        Your own password changes with proof of the current one: HTTP Basic credentials of
        this request, or `current_password` (checked like a login: budget, lock, audit). An
        admin sets anyone else's. Both argon2 runs happen before the writing transaction."""
        actor = principal.user
        if actor.id != user_id and not actor.is_admin:
            raise Forbidden()
        if data.new_password != data.new_password_repeat:
            raise PasswordsMismatch()
        target = actor if actor.id == user_id else await self._read(user_id)
        if target is None:
            raise NotFound("user_not_found")
        check_password(
            data.new_password,
            "new_password",
            email=target.email,
            username=target.username,
            name=target.name,
        )
        if actor.id == user_id and principal.method != "password":
            await self._prove_current(target, data.current_password, client)
        password_hash = await self.hasher.hash(data.new_password)
        return await users.set_password(session, actor, user_id, password_hash, client)

    async def _prove_current(self, user: User, password: str | None, client: ClientInfo) -> None:
        if not password:
            raise FieldError("current_password", "current_password_required")
        await self._prove_own(
            user, password, client, "wrong_current_password", "password.change_failed"
        )

    async def _prove_own(
        self, user: User, password: str, client: ClientInfo, failure_key: str, failure_event: str
    ) -> None:
        """The caller's own password, checked like a login (budget, lock, audit)."""
        await self._prove(
            user.email or user.username or "",
            password,
            client,
            user=user,
            budget=True,
            failure_key=failure_key,
            failure_event=failure_event,
        )

    # -- the second factor --------------------------------------------------------------------

    async def disable_mfa(
        self, session: AsyncSession, user: User, password: str, code: str, client: ClientInfo
    ) -> None:
        """Turn MFA off: the password (checked like a login: budget, lock, audit) and then a
        current or recovery code."""
        if not user.mfa_enabled:
            raise StateConflict("mfa_not_enabled")
        await self._prove_own(user, password, client, "invalid_credentials", "mfa.disable_failed")
        await mfa.disable(session, user, code, self.lockout, client)

    # -- the way out of a lock -------------------------------------------------------------

    async def unlock(
        self, session: AsyncSession, user_id: int, client: ClientInfo, *, actor: User | None
    ) -> bool:
        """End a user's lock and forget their failures (an admin, or the operator's CLI when
        `actor` is None). Audited; returns whether the account was locked."""
        if actor is not None and not actor.is_admin:
            raise AdminRequired()
        user = await users.get_user(session, user_id)
        logins = [login for login in (user.email, user.username) if login]
        was_locked = await self.lockout.unlock(Lockout.key(user.id, ""))
        for login in logins:  # a lock taken on the login before the account existed
            was_locked = await self.lockout.unlock(Lockout.key(None, login)) or was_locked
        await self.limiter.forget_account(*logins)
        await audit.record(
            session,
            "admin.user_unlocked",
            client=client,
            user_id=user.id,
            actor_id=actor.id if actor is not None else None,
            detail=f"was_locked={str(was_locked).lower()}",
        )
        return was_locked


async def _attach(session: AsyncSession, user: User) -> User:
    """A user read in another session, as an object of the request's session, without a
    query (and so without beginning the request's transaction)."""
    return await session.merge(user, load=False)


def _fingerprint(user: User) -> str:
    return credential_fingerprint(user.password_hash, user.email, user.username)

"""TOTP second factor: enrolment, confirmation with recovery codes, checks, disabling.

A code is accepted once: a TOTP code only for a time step newer than the last accepted one,
a recovery code only while unused, each decided by one conditional UPDATE, so two workers
racing with the same code cannot both win. Wrong codes count towards a lock of the account's
second factor, exactly like wrong passwords (`core/lockout.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import delete, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from homebase.core import recovery_codes, totp
from homebase.core.errors import InvalidMfaCode, StateConflict
from homebase.core.lockout import Attempt, Lockout
from homebase.db.base import utcnow
from homebase.models import RecoveryCode, TotpCredential, User
from homebase.services import audit
from homebase.services.audit import ClientInfo

CodeKind = Literal["totp", "recovery"]


@dataclass(frozen=True, slots=True)
class Enrolment:
    secret: str
    otpauth_uri: str
    qr_code: str


def lock_key(user_id: int) -> str:
    return f"mfa:user:{user_id}"


async def enrol(session: AsyncSession, user: User, client: ClientInfo) -> Enrolment:
    """Start (or restart) enrolment: a fresh secret, not active until confirmed."""
    credential = await session.get(TotpCredential, user.id)
    if credential is not None and credential.confirmed_at is not None:
        raise StateConflict("mfa_already_enabled")
    secret = totp.new_secret()
    if credential is None:
        session.add(TotpCredential(user_id=user.id, secret=secret, created_at=utcnow()))
    else:
        credential.secret, credential.created_at, credential.last_step = secret, utcnow(), None
    await session.flush()
    await audit.record(session, "mfa.enrolment_started", client=client, user_id=user.id)
    account = user.email or user.username or str(user.id)
    uri = totp.provisioning_uri(secret, account)
    return Enrolment(secret=secret, otpauth_uri=uri, qr_code=totp.qr_svg_data_uri(uri))


async def confirm(
    session: AsyncSession, user: User, code: str, lockout: Lockout, client: ClientInfo
) -> list[str]:
    """Turn MFA on with a first code; answer ten fresh recovery codes (shown this once)."""
    credential = await session.get(TotpCredential, user.id)
    if credential is None or credential.confirmed_at is not None:
        raise StateConflict("mfa_not_pending")
    attempt = await lockout.begin(lock_key(user.id))
    if not await _accept_totp(session, credential, code):
        await _failed(session, user.id, attempt, client)
        raise InvalidMfaCode()
    await lockout.succeeded(attempt)
    credential.confirmed_at = utcnow()
    user.mfa_enabled = True
    codes = recovery_codes.generate()
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.add_all(
        RecoveryCode(user_id=user.id, code_hash=recovery_codes.hash_code(code), created_at=utcnow())
        for code in codes
    )
    await audit.record(session, "mfa.enabled", client=client, user_id=user.id)
    return codes


async def check(
    session: AsyncSession, user_id: int, code: str, lockout: Lockout, client: ClientInfo
) -> CodeKind:
    """Accept a TOTP or recovery code of a user with MFA on, once; InvalidMfaCode otherwise."""
    # Counted before the code is checked (atomically): concurrent guesses cannot all pass.
    attempt = await lockout.begin(lock_key(user_id))
    credential = await session.get(TotpCredential, user_id)
    if credential is not None and credential.confirmed_at is not None:
        if await _accept_totp(session, credential, code):
            await lockout.succeeded(attempt)
            await audit.record(session, "mfa.used", client=client, user_id=user_id)
            return "totp"
        code_hash = recovery_codes.hash_code(code)
        if code_hash is not None and await _spend_recovery_code(session, user_id, code_hash):
            await lockout.succeeded(attempt)
            await audit.record(session, "mfa.recovery_code_used", client=client, user_id=user_id)
            return "recovery"
    await _failed(session, user_id, attempt, client)
    raise InvalidMfaCode()


async def disable(
    session: AsyncSession, user: User, code: str, lockout: Lockout, client: ClientInfo
) -> None:
    """Turn MFA off with a current code (or a recovery code); the caller has proven the
    password first (`Accounts.disable_mfa`)."""
    if not user.mfa_enabled:
        raise StateConflict("mfa_not_enabled")
    await check(session, user.id, code, lockout, client)
    await remove(session, user)
    await audit.record(session, "mfa.disabled", client=client, user_id=user.id)


async def remove(session: AsyncSession, user: User) -> None:
    """Drop the secret and the recovery codes (disabling, or an administrator's reset)."""
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    await session.execute(delete(TotpCredential).where(TotpCredential.user_id == user.id))
    user.mfa_enabled = False


async def _accept_totp(session: AsyncSession, credential: TotpCredential, code: str) -> bool:
    step = totp.matching_step(credential.secret, code)
    if step is None:
        return False
    result = await session.execute(
        update(TotpCredential)
        .where(
            TotpCredential.user_id == credential.user_id,
            or_(TotpCredential.last_step.is_(None), TotpCredential.last_step < step),
        )
        .values(last_step=step)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def _spend_recovery_code(session: AsyncSession, user_id: int, code_hash: str) -> bool:
    result = await session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == code_hash,
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def _failed(
    session: AsyncSession, user_id: int, attempt: Attempt, client: ClientInfo
) -> None:
    await audit.record(session, "mfa.failed", client=client, user_id=user_id)
    locked_for = attempt.locked_for
    if locked_for:
        await audit.record(
            session, "mfa.locked", client=client, user_id=user_id, detail=f"seconds={locked_for}"
        )

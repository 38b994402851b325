"""Email verification, password reset and the TOTP second factor (SPEC §10)."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Response, status

from homebase.api.deps import AccountsDep, AccountUser, ClientDep, LocaleDep, SessionDep, StateDep
from homebase.api.responses import errors
from homebase.core.i18n import translate
from homebase.schemas.auth import TokenPair
from homebase.schemas.recovery import (
    Accepted,
    CodeBody,
    DisableMfa,
    ForgotPassword,
    MfaVerify,
    RecoveryCodes,
    ResetPassword,
    TokenBody,
    TotpEnrolment,
)
from homebase.schemas.user import UserPublic
from homebase.services import email_verification, mfa, password_reset

router = APIRouter(tags=["recovery"])


def _accepted(locale: str, key: str) -> Accepted:
    return Accepted(message=translate(key, locale))


@router.post(
    "/auth/verify-email/request",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses=errors(401, 403, 409),
)
async def request_email_verification(
    locale: LocaleDep, user: AccountUser, session: SessionDep, state: StateDep, client: ClientDep
) -> Accepted:
    """Mail the caller a link that proves their email address (503 when mail is off)."""
    await state.limiter.verify_email(user.id)
    await email_verification.request_verification(
        session,
        state.mailer,
        user,
        locale=locale,
        ttl=state.settings.email_verification_ttl,
        client=client,
    )
    return _accepted(locale, "verification_mail_queued")


@router.post("/auth/verify-email", response_model=UserPublic, responses=errors(400))
async def verify_email(data: TokenBody, session: SessionDep, client: ClientDep) -> UserPublic:
    """Prove an email address with the token from the mail (no login needed)."""
    user = await email_verification.verify(session, data.token, client)
    return UserPublic.model_validate(user)


@router.post(
    "/auth/password/forgot",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses=errors(429),
)
async def forgot_password(
    locale: LocaleDep,
    data: ForgotPassword,
    background: BackgroundTasks,
    state: StateDep,
    client: ClientDep,
) -> Accepted:
    """Mail a reset link when the address has an account; the answer is the same either way."""
    state.mailer.ensure_configured()
    await state.limiter.forgot_password(client.ip, data.email)
    # After the answer: its content and timing cannot depend on whether the account exists.
    background.add_task(
        password_reset.request_reset,
        state.write_sessions,
        state.mailer,
        data.email,
        locale=locale,
        ttl=state.settings.password_reset_ttl,
        client=client,
    )
    return _accepted(locale, "reset_mail_queued")


@router.post("/auth/password/reset", response_model=Accepted, responses=errors(400))
async def reset_password(
    locale: LocaleDep, data: ResetPassword, session: SessionDep, state: StateDep, client: ClientDep
) -> Accepted:
    """Set a new password with the token from the mail; every session and app password ends."""
    await password_reset.reset(session, state.hasher, data.token, data.new_password, client)
    return _accepted(locale, "password_reset_done")


@router.post("/auth/mfa/totp", response_model=TotpEnrolment, responses=errors(401, 403, 409))
async def enrol_totp(user: AccountUser, session: SessionDep, client: ClientDep) -> TotpEnrolment:
    """Start TOTP enrolment: a secret, its `otpauth://` URI and a QR code of it."""
    enrolment = await mfa.enrol(session, user, client)
    return TotpEnrolment(
        secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri, qr_code=enrolment.qr_code
    )


@router.post(
    "/auth/mfa/totp/confirm", response_model=RecoveryCodes, responses=errors(400, 401, 403, 409)
)
async def confirm_totp(
    data: CodeBody, user: AccountUser, session: SessionDep, state: StateDep, client: ClientDep
) -> RecoveryCodes:
    """Turn MFA on with a first code; returns ten recovery codes, shown this once."""
    codes = await mfa.confirm(session, user, data.code, state.limiter.lockout, client)
    return RecoveryCodes(recovery_codes=codes)


@router.delete(
    "/auth/mfa/totp", status_code=status.HTTP_204_NO_CONTENT, responses=errors(400, 401, 403, 409)
)
async def disable_totp(
    data: DisableMfa,
    user: AccountUser,
    session: SessionDep,
    accounts: AccountsDep,
    client: ClientDep,
) -> Response:
    """Turn MFA off, with the password and a current code (or a recovery code)."""
    await accounts.disable_mfa(session, user, data.password, data.code, client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/auth/mfa/verify", response_model=TokenPair, responses=errors(401, 429))
async def verify_mfa(
    data: MfaVerify, session: SessionDep, accounts: AccountsDep, client: ClientDep
) -> TokenPair:
    """Second login step: the `mfa_token` of the first step and a TOTP or recovery code."""
    return await accounts.verify_mfa(session, data.mfa_token, data.code, client)

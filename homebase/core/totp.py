"""TOTP (RFC 6238) secrets, enrolment URIs, QR images and code checks. No I/O.

A check answers the time step (counter) the code belongs to, not a bare yes: the caller
stores the last step it accepted and refuses any step not newer, so a code works once, in
every worker, even within its 30 seconds.
"""

from __future__ import annotations

import base64
import secrets
import time

import pyotp
import segno
from pyotp.utils import strings_equal

ISSUER = "Homebase"
SECRET_BYTES = 20  # 160 bits, the HMAC-SHA1 key size RFC 4226 recommends
DIGITS = 6
PERIOD = 30
# One step either side: a phone clock 30 s off, or a code typed just as it changed.
VALID_WINDOW = 1


def new_secret() -> str:
    """A fresh base32 secret of 160 bits from the OS's CSPRNG (32 characters, no padding)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def provisioning_uri(secret: str, email: str) -> str:
    """The `otpauth://totp/Homebase:<email>?secret=…&issuer=Homebase` an authenticator reads."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD).provisioning_uri(
        name=email, issuer_name=ISSUER
    )


def qr_svg_data_uri(uri: str) -> str:
    """The URI as a QR code: an SVG `data:` URI an `<img src>` shows as it is."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=4))


def normalize_code(code: str) -> str | None:
    """Six digits (spaces allowed, as apps show `123 456`), or None for anything else."""
    digits = code.replace(" ", "")
    if len(digits) == DIGITS and digits.isascii() and digits.isdigit():
        return digits
    return None


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step `code` is valid for (within the window), or None."""
    digits = normalize_code(code)
    if digits is None:
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD)
    current = totp.timecode(time.time() if now is None else now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if strings_equal(digits, totp.generate_otp(step)):
            return step
    return None


def code_at(secret: str, when: float) -> str:
    """The code an authenticator shows at `when` (tests and the CLI use it)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD).at(when)

"""App passwords (personal access tokens): the secret's format and the scope rules.

A secret is `hbp_` + 51 base64url characters (306 random bits). Its first 12 characters are
kept and shown as `prefix` so a user can tell their tokens apart; the 43 characters after the
prefix are still 258 bits that nobody but the holder knows. The `hbp_` marker lets secret
scanners recognise a leaked token, and lets HTTP Basic tell a token from a password.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from typing import Literal, TypeVar, get_args

TOKEN_MARKER = "hbp_"  # noqa: S105 - the public marker, not a secret
PREFIX_LENGTH = 12
SECRET_BYTES = 38  # token_urlsafe(38) gives 51 characters
# Generous upper bound: anything longer is not one of ours and is not even hashed.
_TOKEN_RE = re.compile(r"hbp_[A-Za-z0-9_-]{43,100}")

Scope = Literal[
    "tasks:read", "tasks:write", "contacts:read", "contacts:write", "account:read", "dav"
]
SCOPES: tuple[str, ...] = get_args(Scope)
S = TypeVar("S", bound=str)


def new_app_password() -> tuple[str, str]:
    """A fresh secret from the OS's CSPRNG, and the prefix that may be shown later."""
    token = TOKEN_MARKER + secrets.token_urlsafe(SECRET_BYTES)
    return token, token[:PREFIX_LENGTH]


def looks_like_app_password(value: str) -> bool:
    return value.startswith(TOKEN_MARKER) and _TOKEN_RE.fullmatch(value) is not None


def grants(scopes: Iterable[str], needed: str) -> bool:
    """Whether `scopes` include `needed`; a `:write` scope includes its `:read`."""
    held = set(scopes)
    if needed in held:
        return True
    resource, _, action = needed.partition(":")
    return action == "read" and f"{resource}:write" in held


def normalise_scopes(scopes: Iterable[S]) -> list[S]:
    """Scopes sorted and without repeats, as they are stored and shown."""
    return sorted(set(scopes))


def join_scopes(scopes: Iterable[str]) -> str:
    return " ".join(normalise_scopes(scopes))


def split_scopes(value: str) -> frozenset[str]:
    return frozenset(value.split())

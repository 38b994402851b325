"""Single-use recovery codes: generated here, shown once, stored as SHA-256 hashes.

A code carries 80 bits (16 characters of Crockford's base32): too many to guess or to
brute-force from a stolen hash, so a plain SHA-256 (and not argon2) is enough, and a code is
found by its hash in one indexed query.
"""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford: no i, l, o, u
LENGTH = 16
GROUP = 4
COUNT = 10
# What people mistype for what they saw.
_READ_AS = str.maketrans({"i": "1", "l": "1", "o": "0", "-": None, " ": None})


def generate(count: int = COUNT) -> list[str]:
    """`count` fresh codes like `7k2m-q9xd-40ht-bc3s`."""
    return [_format("".join(secrets.choice(ALPHABET) for _ in range(LENGTH))) for _ in range(count)]


def _format(raw: str) -> str:
    return "-".join(raw[index : index + GROUP] for index in range(0, LENGTH, GROUP))


def normalize(code: str) -> str | None:
    """The canonical form of a typed code (case, dashes and spaces ignored), or None."""
    raw = code.strip().lower().translate(_READ_AS)
    if len(raw) != LENGTH or any(char not in ALPHABET for char in raw):
        return None
    return raw


def hash_code(code: str) -> str | None:
    """The stored form of a code, or None when it is not shaped like one."""
    raw = normalize(code)
    if raw is None:
        return None
    return hashlib.sha256(b"homebase-recovery:" + raw.encode("ascii")).hexdigest()

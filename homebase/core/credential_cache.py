"""A verified-credential cache for HTTP Basic, in the manner of Apache's mod_authn_socache.

Without it every Basic request pays a full argon2 verify (~22 ms of CPU). An entry maps a keyed
hash of `login:password` to the user it proved, with a short TTL. It holds no password: the key
is an HMAC under the server's secret. Each entry also remembers a fingerprint of the credentials
it was verified against — the password hash, the email and the username — and a hit counts only
while the user's current row still has that fingerprint: a password change (new salt, new hash)
or a change of either login identifier drops it at once in every worker, with no cross-process
messaging.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import OrderedDict
from dataclasses import dataclass


def credential_fingerprint(password_hash: str, email: str | None, username: str | None) -> str:
    """What a cached pair was verified against; any change to one of them ends the pair."""
    material = "\x00".join((password_hash, email or "", username or ""))
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class CachedCredential:
    user_id: int
    fingerprint: str
    expires_at: float


class CredentialCache:
    def __init__(self, secret: str, ttl_seconds: float, max_entries: int = 10_000) -> None:
        self._key = hmac.new(secret.encode(), b"homebase-basic-cache", hashlib.sha256).digest()
        self._ttl = ttl_seconds
        self._max = max_entries
        self._entries: OrderedDict[str, CachedCredential] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self._ttl > 0

    def key(self, login: str, password: str) -> str:
        material = login.strip().lower().encode() + b"\x00" + password.encode("utf-8", "replace")
        return hmac.new(self._key, material, hashlib.sha256).hexdigest()

    def get(self, key: str) -> CachedCredential | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at <= time.monotonic():
            self._entries.pop(key, None)
            return None
        return entry

    def put(self, key: str, user_id: int, fingerprint: str) -> None:
        if not self.enabled:
            return
        self._entries[key] = CachedCredential(user_id, fingerprint, time.monotonic() + self._ttl)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def drop(self, key: str) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

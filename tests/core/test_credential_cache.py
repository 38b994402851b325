"""The verified-credential cache for Basic auth."""

from __future__ import annotations

import pytest

from homebase.core import credential_cache
from homebase.core.credential_cache import CredentialCache, credential_fingerprint


def test_key_is_keyed_and_case_insensitive_in_the_login_only() -> None:
    cache = CredentialCache("secret-one", 60)
    other = CredentialCache("secret-two", 60)
    key = cache.key("Ada@Example.com", "pw-12345678")
    assert key == cache.key("ada@example.com", "pw-12345678")
    assert key != cache.key("ada@example.com", "PW-12345678")
    assert key != other.key("ada@example.com", "pw-12345678")
    assert "pw-12345678" not in key


def test_put_get_and_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(credential_cache.time, "monotonic", lambda: now[0])
    cache = CredentialCache("s", 60)
    cache.put("k", 7, credential_fingerprint("$argon2id$hash", "a@example.com", None))
    entry = cache.get("k")
    assert entry is not None and entry.user_id == 7
    assert entry.fingerprint == credential_fingerprint("$argon2id$hash", "a@example.com", None)
    assert entry.fingerprint != credential_fingerprint("$argon2id$hash", "b@example.com", None)
    now[0] += 61
    assert cache.get("k") is None
    assert len(cache) == 0


def test_bounded_size_evicts_oldest() -> None:
    cache = CredentialCache("s", 60, max_entries=2)
    cache.put("a", 1, "h")
    cache.put("b", 2, "h")
    cache.put("c", 3, "h")
    assert cache.get("a") is None
    assert cache.get("b") is not None and cache.get("c") is not None


def test_disabled_with_zero_ttl() -> None:
    cache = CredentialCache("s", 0)
    cache.put("a", 1, "h")
    assert not cache.enabled and cache.get("a") is None

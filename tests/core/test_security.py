"""Tokens: algorithm allowlist, time claims with leeway, types, key ids and rotation."""

from __future__ import annotations

import base64
import json
import math
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from homebase.core.security import (
    LEEWAY_SECONDS,
    TokenCodec,
    hash_token,
    new_refresh_token,
)
from tests.support import make_settings

OLD_SECRET = "old-secret-" + "o" * 32
NEW_SECRET = "new-secret-" + "n" * 32


def codec(secret: str = NEW_SECRET, previous: list[str] | None = None) -> TokenCodec:
    return TokenCodec(
        make_settings("sqlite://", secret_key=secret, previous_secret_keys=previous or [])
    )


def issue(token_codec: TokenCodec, now: datetime | None = None) -> str:
    token, _ = token_codec.encode_access(7, "s" * 32, now or datetime.now(UTC))
    return token


def resign(token: str, token_codec: TokenCodec, **changes: Any) -> str:
    """The same token with changed claims (or header fields `alg`/`kid`), signed anew."""
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    claims.update({k: v for k, v in changes.items() if k not in ("alg", "kid")})
    kid = changes.get("kid", header["kid"])
    key = token_codec._keys[header["kid"]]
    return jwt.encode(claims, key, algorithm=changes.get("alg", "HS256"), headers={"kid": kid})


def test_a_token_names_its_key_and_type() -> None:
    token = issue(codec())
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "HS256" and header["kid"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["typ"] == "access"
    assert {"sub", "exp", "iat", "nbf", "jti", "sid"} <= set(claims)
    assert codec().decode_access(token) is not None


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("alg", ["HS384", "HS512"])
def test_algorithms_outside_the_allowlist_are_refused(alg: str) -> None:
    # Signed with the right key, but with an algorithm the service never uses.
    token_codec = codec()
    assert token_codec.decode_access(resign(issue(token_codec), token_codec, alg=alg)) is None


def test_alg_none_is_refused() -> None:
    token_codec = codec()
    header, payload, _ = issue(token_codec).split(".")
    parsed = json.loads(base64.urlsafe_b64decode(header + "=="))
    unsigned = base64.urlsafe_b64encode(json.dumps({**parsed, "alg": "none"}).encode())
    forged = unsigned.rstrip(b"=").decode() + "." + payload + "."
    assert token_codec.decode_access(forged) is None


def test_expiry_has_a_small_leeway() -> None:
    token_codec = codec()
    now = int(time.time())
    just_expired = resign(issue(token_codec), token_codec, exp=now - LEEWAY_SECONDS // 2)
    long_expired = resign(issue(token_codec), token_codec, exp=now - LEEWAY_SECONDS - 5)
    assert token_codec.decode_access(just_expired) is not None
    assert token_codec.decode_access(long_expired) is None


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_tokens_from_the_future_are_refused_beyond_the_leeway(claim: str) -> None:
    token_codec = codec()
    now = int(time.time())
    slightly = resign(issue(token_codec), token_codec, **{claim: now + LEEWAY_SECONDS // 2})
    far = resign(issue(token_codec), token_codec, **{claim: now + LEEWAY_SECONDS + 60})
    assert token_codec.decode_access(slightly) is not None
    assert token_codec.decode_access(far) is None


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf", "sub", "jti", "typ"])
def test_required_claims(claim: str) -> None:
    token_codec = codec()
    token = issue(token_codec)
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    del claims[claim]
    key = token_codec._keys[header["kid"]]
    assert (
        token_codec.decode_access(jwt.encode(claims, key, headers={"kid": header["kid"]})) is None
    )


def test_an_access_token_of_another_type_is_refused() -> None:
    token_codec = codec()
    assert token_codec.decode_access(resign(issue(token_codec), token_codec, typ="refresh")) is None


def test_issued_tokens_expire_after_the_ttl() -> None:
    token_codec = codec()
    issued_at = datetime.now(UTC) - token_codec.access_ttl - timedelta(seconds=LEEWAY_SECONDS + 1)
    assert token_codec.decode_access(issue(token_codec, issued_at)) is None


def test_key_rotation() -> None:
    old_token = issue(codec(OLD_SECRET))
    # After rotation, a token signed with the old secret verifies while that secret is listed
    # in HOMEBASE_PREVIOUS_SECRET_KEYS...
    rotated = codec(NEW_SECRET, previous=[OLD_SECRET])
    assert rotated.decode_access(old_token) is not None
    # ...new tokens are signed with the new key (another kid)...
    new_token = issue(rotated)
    assert (
        jwt.get_unverified_header(new_token)["kid"] != jwt.get_unverified_header(old_token)["kid"]
    )
    assert rotated.decode_access(new_token) is not None
    # ...and once the old secret is removed, its tokens are refused.
    assert codec(NEW_SECRET).decode_access(old_token) is None
    assert codec(NEW_SECRET).decode_access(new_token) is not None


def test_a_token_with_a_borrowed_kid_is_refused() -> None:
    # The kid of the old key on a token signed with some other key.
    old_kid = jwt.get_unverified_header(issue(codec(OLD_SECRET)))["kid"]
    claims = jwt.decode(issue(codec()), options={"verify_signature": False})
    forged = jwt.encode(claims, "attacker-key-" + "a" * 32, headers={"kid": old_kid})
    assert codec(NEW_SECRET, previous=[OLD_SECRET]).decode_access(forged) is None


def test_refresh_tokens_have_at_least_128_bits_of_randomness() -> None:
    tokens = [new_refresh_token() for _ in range(200)]
    assert len(set(tokens)) == len(tokens)
    raw = base64.urlsafe_b64decode(tokens[0] + "=" * (-len(tokens[0]) % 4))
    assert len(raw) * 8 >= 128
    # Rough check that the bytes are spread out, not a counter: per-position entropy.
    joined = "".join(tokens)
    counts = Counter(joined)
    entropy = -sum(n / len(joined) * math.log2(n / len(joined)) for n in counts.values())
    assert entropy > 5.5  # base64url carries at most 6 bits per character


def test_refresh_tokens_are_stored_as_hashes() -> None:
    token = new_refresh_token()
    digest = hash_token(token)
    assert len(digest) == 64 and token not in digest
    assert hash_token(token) == digest

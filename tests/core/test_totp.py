"""TOTP helpers: secret size, enrolment URI, QR image, the window, time steps."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, unquote, urlsplit

from homebase.core import totp

NOW = 1_800_000_000.0


def test_secret_has_160_bits_and_is_fresh() -> None:
    secrets = {totp.new_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        assert len(base64.b32decode(secret)) * 8 >= 160


def test_provisioning_uri() -> None:
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "ann@example.com")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == "/Homebase:ann@example.com"
    query = parse_qs(parts.query)
    assert query["issuer"] == ["Homebase"]
    assert query["secret"] == ["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"]


def test_qr_code_is_an_svg_data_uri() -> None:
    image = totp.qr_svg_data_uri("otpauth://totp/Homebase:a%40b.c?secret=AAAA&issuer=Homebase")
    assert image.startswith("data:image/svg+xml")


def test_matching_step_within_the_window_only() -> None:
    secret = totp.new_secret()
    step = int(NOW // 30)
    assert totp.matching_step(secret, totp.code_at(secret, NOW), NOW) == step
    assert totp.matching_step(secret, totp.code_at(secret, NOW - 30), NOW) == step - 1
    assert totp.matching_step(secret, totp.code_at(secret, NOW + 30), NOW) == step + 1
    assert totp.matching_step(secret, totp.code_at(secret, NOW - 90), NOW) is None
    spaced = totp.code_at(secret, NOW)
    assert totp.matching_step(secret, f"{spaced[:3]} {spaced[3:]}", NOW) == step


def test_malformed_codes_are_none() -> None:
    secret = totp.new_secret()
    for code in ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "12345\n", "-12345"]:
        assert totp.matching_step(secret, code, NOW) is None

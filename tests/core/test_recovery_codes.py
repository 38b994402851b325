"""Recovery codes: ten fresh 80-bit codes, forgiving input, stable hashes."""

from __future__ import annotations

import re

from homebase.core import recovery_codes


def test_ten_distinct_codes_of_80_bits() -> None:
    codes = recovery_codes.generate()
    assert len(codes) == 10 == len(set(codes))
    for code in codes:
        assert re.fullmatch(r"[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}", code)


def test_typing_variations_hash_alike() -> None:
    code = "7k2m-q9xd-40ht-bc3s"
    expected = recovery_codes.hash_code(code)
    assert expected is not None
    for typed in [
        "7K2M-Q9XD-40HT-BC3S",
        "7k2mq9xd40htbc3s",
        " 7k2m q9xd 40ht bc3s ",
        "7k2m-q9xd-4oht-bc3s",
    ]:
        assert recovery_codes.hash_code(typed) == expected
    assert recovery_codes.hash_code("7k2m-q9xd-40ht-bc3t") != expected


def test_malformed_codes_have_no_hash() -> None:
    for typed in [
        "",
        "123456",
        "7k2m-q9xd-40ht-bc3",
        "7k2m-q9xd-40ht-bc3s-0",
        "7k2m-q9xd-40ht-bc3u",
    ]:
        assert recovery_codes.hash_code(typed) is None

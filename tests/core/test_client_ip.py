"""The client's address behind trusted proxies: the right-most untrusted one."""

from __future__ import annotations

import pytest

from homebase.core.client_ip import client_ip, parse_networks

TRUSTED = parse_networks(["10.0.0.0/8", "2001:db8::/32", "192.0.2.1"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # No proxy in between, or an untrusted one: the header is ignored.
        ("198.51.100.1", [], "198.51.100.1"),
        ("198.51.100.1", ["203.0.113.9"], "198.51.100.1"),
        # One trusted proxy: the address it saw.
        ("10.0.0.2", ["203.0.113.9"], "203.0.113.9"),
        # Whatever the client put to the left is not believed.
        ("10.0.0.2", ["1.2.3.4, 203.0.113.9"], "203.0.113.9"),
        ("10.0.0.2", ["1.2.3.4", "203.0.113.9"], "203.0.113.9"),
        # A chain of trusted proxies is walked through.
        ("10.0.0.2", ["203.0.113.9, 192.0.2.1, 10.9.9.9"], "203.0.113.9"),
        # All trusted: the left-most is the best we know.
        ("10.0.0.2", ["10.1.1.1, 10.2.2.2"], "10.1.1.1"),
        # Trusted proxy without a header: the proxy itself.
        ("10.0.0.2", [], "10.0.0.2"),
        # Garbage stops the walk at the last address vouched for.
        ("10.0.0.2", ["203.0.113.9, not-an-ip"], "10.0.0.2"),
        ("10.0.0.2", ["not-an-ip, 203.0.113.9"], "203.0.113.9"),
        ("10.0.0.2", ["x" * 5000], "10.0.0.2"),
        # Ports and IPv6 forms.
        ("10.0.0.2", ["203.0.113.9:4711"], "203.0.113.9"),
        ("10.0.0.2", ["[2001:db9::5]:443"], "2001:db9::5"),
        ("2001:db8::1", ["2001:db9::5"], "2001:db9::5"),
        (None, ["203.0.113.9"], None),
    ],
)
def test_client_ip(peer: str | None, forwarded: list[str], expected: str | None) -> None:
    assert client_ip(peer, forwarded, TRUSTED) == expected


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert client_ip("10.0.0.2", ["203.0.113.9"], ()) == "10.0.0.2"


def test_bad_proxy_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="not-a-network"):
        parse_networks(["not-a-network"])

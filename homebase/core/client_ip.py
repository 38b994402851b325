"""The client's address, honouring `X-Forwarded-For` only from trusted proxies."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """`HOMEBASE_TRUSTED_PROXIES` entries (addresses or CIDRs) as networks; ValueError if bad."""
    return tuple(ip_network(value.strip(), strict=False) for value in values if value.strip())


def _address(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "192.0.2.1:443"
        value = value.partition(":")[0]
    try:
        return ip_address(value)
    except ValueError:
        return None


def _trusted(address: Address, networks: Sequence[Network]) -> bool:
    return any(address in network for network in networks)


def client_ip(
    peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[Network]
) -> str | None:
    """The right-most address of the chain peer <- X-Forwarded-For that is not a trusted proxy.

    The header is read only when the peer itself is trusted; each trusted hop vouches for the
    one before it. A malformed entry stops the walk: the last address vouched for is used.
    """
    if peer is None or not trusted:
        return peer
    current = _address(peer)
    if current is None or not _trusted(current, trusted):
        return peer
    hops = [hop for header in forwarded_for for hop in header.split(",")]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        current = address
        if not _trusted(address, trusted):
            break
    return str(current)

"""Small, fast IPv4 helpers (addresses are kept as dotted strings, networks as ipaddress objects)."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

IPv4Network = ipaddress.IPv4Network
# a lowercase RFC 1123 subdomain: what Kubernetes accepts as an object name, and a host name
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


@lru_cache(maxsize=200_000)
def ip_int(ip: str) -> int:
    """Dotted quad -> int. Raises ValueError on anything that is not an IPv4 address."""
    parts = ip.split(".")
    if len(parts) != 4:
        raise ValueError(f"{ip!r} is not an IPv4 address")
    n = 0
    for part in parts:
        if not part.isdigit() or len(part) > 3 or (len(part) > 1 and part[0] == "0"):
            raise ValueError(f"{ip!r} is not an IPv4 address")
        v = int(part)
        if v > 255:
            raise ValueError(f"{ip!r} is not an IPv4 address")
        n = (n << 8) | v
    return n


def int_ip(n: int) -> str:
    return f"{(n >> 24) & 255}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def is_ip(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        ip_int(value)
    except ValueError:
        return False
    return True


def network(value: str, strict: bool = True) -> IPv4Network:
    """Parse a CIDR; raises ValueError with a readable message."""
    try:
        return ipaddress.IPv4Network(value, strict=strict)
    except (ValueError, TypeError) as exc:
        raise ValueError(str(exc)) from None


def in_net(ip: str, net: IPv4Network) -> bool:
    n = ip_int(ip)
    return (n & int(net.netmask)) == int(net.network_address)


def nth(net: IPv4Network, i: int) -> str:
    return int_ip(int(net.network_address) + i)


def is_loopback(ip: str) -> bool:
    return ip.startswith("127.")


def overlaps(a: IPv4Network, b: IPv4Network) -> bool:
    return a.overlaps(b)

"""Port lists as scenarios write them (``"80,443,53/udp"``, ranges ``7000-7002``) - used by Pods' and containers'
``quizapp.io/listen`` annotation or label, and by Docker's ``--expose`` and ``-p``."""

from __future__ import annotations
from quizapp.words import say

LISTEN_KEY = "quizapp.io/listen"


class PortSpecError(ValueError):
    """A port or port list that cannot be read; the message says which and why."""


def parse_port_list(text: str, what: str) -> set[tuple[int, str]]:
    """``"80,443,53/udp"`` -> {(80,'tcp'), (443,'tcp'), (53,'udp')} (ranges ``7000-7002`` allowed)."""
    result: set[tuple[int, str]] = set()
    for item in str(text).split(","):
        item = item.strip()
        if not item:
            continue
        for port, proto in _port_items(item, what):
            result.add((port, proto))
    return result


def port_number(s: str, what: str) -> int:
    """One port number, 1-65535."""
    if not s.isdigit():
        raise PortSpecError(say('invalid {what}: {s} is not a port number', what=what, s=repr(s)))
    n = int(s)
    if not 0 < n <= 65535:
        raise PortSpecError(say('invalid {what}: {n} is outside 1-65535', what=what, n=n))
    return n


def port_range(s: str, what: str) -> list[int]:
    """``80`` or ``8000-8010`` -> the ports."""
    lo, dash, hi = s.partition("-")
    a = port_number(lo, what)
    if not dash:
        return [a]
    b = port_number(hi, what)
    if b < a:
        raise PortSpecError(say('invalid {what} range: {s}', what=what, s=s))
    return list(range(a, b + 1))


def _port_items(item: str, what: str) -> list[tuple[int, str]]:
    port, slash, proto = item.partition("/")
    proto = (proto or "tcp").lower()
    if proto not in ("tcp", "udp", "sctp"):
        raise PortSpecError(say('invalid proto: {proto} (tcp, udp or sctp)', proto=proto))
    return [(p, proto) for p in port_range(port, what)]

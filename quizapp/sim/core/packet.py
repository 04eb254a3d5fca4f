"""What a trace carries from hop to hop: the packet, where it started, and how it ends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .netutil import ip_int
from .result import EndpointRef

if TYPE_CHECKING:
    from ..docker.model import DockerContainer, DockerHost
    from ..kubernetes.model import Node, Pod


class Done(Exception):
    def __init__(self, reason: str | None = None, endpoint: EndpointRef | None = None, seen: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.endpoint = endpoint
        self.seen = seen


@dataclass
class Packet:
    src: str
    dst: str
    dport: int
    proto: str  # tcp | udp
    mark: bool = False  # KUBE-MARK-MASQ / CNI-HOSTPORT-SETMARK 0x4000

    @property
    def dst_text(self) -> str:
        return f"{self.dst}:{self.dport}"


@dataclass
class Origin:
    kind: str  # external | node | pod | container | host
    ref: str
    ip: str | None = None
    node: Node | None = None
    pod: Pod | None = None
    host: DockerHost | None = None
    container: DockerContainer | None = None


def in_subnet(ip: str, net: Any) -> bool:
    """Whether ``ip`` lies in ``net`` (False when there is no network)."""
    if net is None:
        return False
    return (ip_int(ip) & int(net.netmask)) == int(net.network_address)

"""A neutral description of the namespaces, links, routes, rules and listeners that run a scenario on a real
kernel (built by :func:`quizapp.sim.rules.topology`; ``tests/kernel`` builds it for real).

One namespace per node, Docker host, Pod, container namespace and external client, plus a ``lan`` namespace
acting as the LAN switch and the router towards the outside world (its default route is a blackhole: "nothing
answers").
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from .netutil import int_ip
from .result import DEFAULT_EXTERNAL_IP


@dataclass
class Interface:
    """A network interface inside one namespace. ``kind``: veth, bridge or vxlan (``lo`` is implied)."""

    name: str
    kind: str
    addresses: list[str] = field(default_factory=list)  # CIDR notation, e.g. 10.244.1.1/24
    peer: tuple[str, str] | None = None  # veth: (namespace, interface) of the other end
    master: str | None = None  # the bridge this interface is a port of
    hairpin: bool = False  # bridge port hairpin mode
    mac: str | None = None
    mtu: int | None = None
    vxlan: dict | None = None  # {"id", "dstport", "local", "dev", "learning"}


@dataclass
class Route:
    dst: str  # "default" or a CIDR
    via: str | None = None
    dev: str | None = None
    onlink: bool = False
    type: str = "unicast"  # or "blackhole"


@dataclass
class Neighbour:
    ip: str
    mac: str
    dev: str


@dataclass
class FdbEntry:
    mac: str
    dev: str
    dst: str


@dataclass
class Listener:
    """A process listening on every address of its namespace; ``kind``/``name`` as the simulator names the
    endpoint (``pod`` ``shop/api-a``, ``container`` ``web``)."""

    port: int
    proto: str  # tcp | udp
    kind: str
    name: str


@dataclass
class Proxy:
    """docker-proxy: listens on ``host_ip:host_port`` in the host namespace, connects to the container."""

    host_ip: str
    host_port: int
    proto: str
    target_ip: str
    target_port: int


@dataclass
class Namespace:
    name: str  # logical: lan, external/203.0.113.10, node/n1, pod/default/web-1, host/h1, container/web
    role: str  # lan | external | node | pod | host | container
    # in creation order, as on a real machine (eth0 first): the order is visible to the kernel, e.g.
    # MASQUERADE of a packet leaving through lo takes the address of the first device that has one
    interfaces: list[Interface] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    neighbours: list[Neighbour] = field(default_factory=list)
    fdb: list[FdbEntry] = field(default_factory=list)
    sysctls: dict[str, str] = field(default_factory=dict)
    iptables: str | None = None  # iptables-restore text
    nftables: str | None = None  # nft -f ruleset (kube-proxy in nftables mode)
    listeners: list[Listener] = field(default_factory=list)
    proxies: list[Proxy] = field(default_factory=list)

    def iface(self, name: str) -> Interface:
        return next(i for i in self.interfaces if i.name == name)


@dataclass
class Topology:
    namespaces: list[Namespace]
    aliases: dict[str, str]  # trace source (pod/ns/x, container/x, external:IP...) -> namespace name
    lan: str  # the LAN subnet
    router: str  # the router's LAN address

    def namespace(self, name: str) -> Namespace:
        return next(n for n in self.namespaces if n.name == name)

    def namespace_of(self, src: str) -> str:
        """The namespace a trace source (``--from``) runs in."""
        if src == "external":
            src = f"external:{DEFAULT_EXTERNAL_IP}"
        if src.startswith("pod/") and src.count("/") == 1:
            src = f"pod/default/{src[4:]}"
        return self.aliases[src]


def lan_subnet(ips: list[str]) -> ipaddress.IPv4Network:
    prefix = 24
    while prefix >= 8:
        net = ipaddress.IPv4Network(f"{ips[0]}/{prefix}", strict=False)
        if all(ipaddress.IPv4Address(ip) in net for ip in ips):
            return net
        prefix -= 1
    raise ValueError("the nodes and hosts of this scenario are not on one /8 LAN")


def free_host(net: ipaddress.IPv4Network, used: set[str]) -> str:
    for cand in (1, net.num_addresses - 2, *range(2, net.num_addresses - 2)):
        ip = int_ip(int(net.network_address) + cand)
        if ip not in used:
            return ip
    raise ValueError(f"no free address left in {net} for the router")


class Lan:
    """The ``lan`` namespace: a bridge every machine's eth0 is plugged into, the router's address on it, and
    the external clients, each behind the router on its own /24."""

    def __init__(self, machines: list[str]):
        self.net = lan_subnet(machines)
        self.router = free_host(self.net, set(machines))
        self.prefixlen = self.net.prefixlen
        self.ns = Namespace("lan", "lan", sysctls={"net.ipv4.ip_forward": "1"})
        self.ns.interfaces.append(Interface("lan0", "bridge", [f"{self.router}/{self.prefixlen}"]))
        self.ns.routes.append(Route("default", type="blackhole"))  # the Internet: nothing answers
        self._ports = 0

    def plug(self, ns: Namespace, ip: str) -> None:
        """Give ``ns`` an eth0 with ``ip`` on the LAN."""
        port = f"l{self._ports}"
        self._ports += 1
        ns.interfaces.append(Interface("eth0", "veth", [f"{ip}/{self.prefixlen}"], peer=("lan", port)))
        self.ns.interfaces.append(Interface(port, "veth", peer=(ns.name, "eth0"), master="lan0"))

    def external_clients(self, external_ips: list[str] | tuple[str, ...], spaces: list[Namespace],
                         aliases: dict[str, str]) -> None:
        lan = self.net
        lan_ns = self.ns
        ext_nets: dict[str, str] = {}
        for i, ip in enumerate(external_ips):
            net = ipaddress.IPv4Network(f"{ip}/24", strict=False)
            if ipaddress.IPv4Address(ip) in lan:
                raise ValueError(f"external client {ip} lies inside the LAN {lan}")
            gw = ext_nets.get(str(net))
            if gw is None:
                gw = free_host(net, set(external_ips))
                ext_nets[str(net)] = gw
                lan_ns.interfaces.append(Interface(f"x{len(ext_nets) - 1}", "bridge", [f"{gw}/24"]))
            br = f"x{list(ext_nets).index(str(net))}"
            ns = Namespace(f"external/{ip}", "external")
            ns.interfaces.append(Interface("eth0", "veth", [f"{ip}/24"], peer=("lan", f"e{i}")))
            lan_ns.interfaces.append(Interface(f"e{i}", "veth", peer=(ns.name, "eth0"), master=br))
            ns.routes.append(Route(str(lan), via=gw))  # no default route: only the LAN is reachable
            spaces.append(ns)
            aliases[f"external:{ip}"] = ns.name

"""The objects of a Docker host as the simulator sees them, built by :mod:`quizapp.sim.docker.commands`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..core.errors import Warnings
from ..core.netutil import IPv4Network
from .daemon import DaemonSettings
from .userchain import new_chain


@dataclass(eq=False)
class DockerNetwork:
    name: str
    driver: str  # bridge | host | null
    subnet: IPv4Network | None
    gateway: str | None
    bridge: str  # docker0, br-<id>
    user_defined: bool
    internal: bool = False
    ip_range: IPv4Network | None = None
    explicit_subnet: bool = False
    icc: bool = True  # -o com.docker.network.bridge.enable_icc (daemon "icc" for the default bridge)
    masquerade: bool = True  # -o com.docker.network.bridge.enable_ip_masquerade
    host_binding: str = "0.0.0.0"  # -o com.docker.network.bridge.host_binding_ipv4: -p without an address
    gateway_mode: str = "nat"  # -o com.docker.network.bridge.gateway_mode_ipv4 (nat, nat-unprotected, routed, isolated)
    trusted: list[str] = field(default_factory=list)  # -o com.docker.network.bridge.trusted_host_interfaces
    vlan_mode: str = ""  # macvlan_mode / ipvlan_mode (see .vlan)
    vlan_flag: str = "bridge"  # ipvlan_flag
    vlan_dummy: bool = False  # no -o parent: a dummy link of the network's own (containers reach only each other)
    vlan_parent_id: str = ""  # dm-<short network id>, as the drivers name a network in their messages
    used: set[int] = field(default_factory=set)
    by_ip: dict[str, "DockerContainer"] = field(default_factory=dict)
    dns: dict[str, list["DockerContainer"]] = field(default_factory=dict)  # name/alias -> containers, in order


def bridges(host: "DockerHost") -> list[DockerNetwork]:
    """The host's bridge networks (their gateways are the host's addresses; a macvlan network's is the LAN's)."""
    return [n for n in host.networks.values() if n.driver == "bridge" and n.subnet is not None]


def sets_gateway(net: DockerNetwork) -> bool:
    """Whether an endpoint on ``net`` sets a gateway (libnetwork joinInfo.gw): bridge networks do; macvlan and
    ipvlan L2 only with a real parent (moby's drivers make a network with a dummy parent internal); ipvlan L3
    sets a static ``default dev eth0`` route instead (ipvlan_joinleave.go)."""
    if net.driver == "bridge":
        return True
    return (net.driver in ("macvlan", "ipvlan") and not net.vlan_dummy and net.vlan_mode not in ("l3", "l3s")
            and net.gateway is not None)  # Docker 29 configures none without --gateway (moby#50929)


def container_id(host: str, name: str, index: int) -> str:
    """A container's id. Docker draws 32 random bytes; the simulator derives them (sha256 of
    ``<host>/<name>/<command index>``) so that a scenario's short ids (the first 12 hex digits) are stable."""
    return hashlib.sha256(f"{host}/{name}/{index}".encode()).hexdigest()


def register_dns(net: DockerNetwork, c: "DockerContainer", att: "Attachment") -> None:
    """Add ``c``'s names on ``net`` (user-defined networks only): a name shared by several containers (an alias)
    answers with all of them."""
    if not net.user_defined:
        return
    for name in c.dns_names(att):
        owners = net.dns.setdefault(name, [])
        if c not in owners:
            owners.append(c)


def nat_returns(net: DockerNetwork, hairpin: bool) -> bool:
    """Whether nat DOCKER starts with ``-i <bridge> -j RETURN`` for ``net`` (libnetwork's "SKIP DNAT" rule, only
    with masquerading on and the userland proxy on; none for --internal networks): its containers reaching a
    published port then go through docker-proxy instead of DNAT."""
    return not net.internal and net.masquerade and not hairpin


@dataclass(eq=False)
class PortMapping:
    host_ip: str  # 0.0.0.0 for all addresses
    host_port: int
    container_port: int
    proto: str  # tcp | udp
    random: bool = False
    routed: bool = False  # on a routed-mode gateway network: no DNAT, no docker-proxy, no host port (.routed)


@dataclass(eq=False)
class Attachment:
    network: DockerNetwork
    ip: str
    aliases: list[str]
    requested_ip: str | None = None  # --ip: kept when the container starts again
    gw_priority: int = 0  # --gw-priority / --network name=N,gw-priority=P (Docker 28+; .gwpriority)


@dataclass(eq=False)
class DockerContainer:
    host: "DockerHost"
    name: str
    mode: str  # bridge | host | none | container
    attachments: list[Attachment]
    shares: "DockerContainer | None"  # the container whose namespace this one joined (mode container)
    publish: list[PortMapping]
    expose: set[tuple[int, str]]
    labels: dict[str, str]
    listens: set[tuple[int, str]]
    command_index: int
    image: str = ""
    extra_hosts: dict[str, str] = field(default_factory=dict)  # --add-host: /etc/hosts entries
    running: bool = True
    links: list["DockerContainer"] = field(default_factory=list)  # --link targets (default bridge)
    id: str = ""  # 64 hex digits, deterministic (see container_id)
    hostname: str = ""  # -h/--hostname; Docker's default is the short id
    dns_servers: list[str] = field(default_factory=list)  # --dns
    dns_search: list[str] = field(default_factory=list)  # --dns-search
    dns_options: list[str] = field(default_factory=list)  # --dns-option
    domainname: str = ""  # --domainname
    unpublished: bool = False  # -p/-P given while a macvlan/ipvlan endpoint was the gateway: nothing published
    stopped_endpoints: list[tuple["DockerNetwork", str | None, list[str], int]] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"container/{self.name}"

    @property
    def short_id(self) -> str:
        return self.id[:12]

    def dns_names(self, att: "Attachment") -> list[str]:
        """The names the embedded DNS answers for this endpoint on a user-defined network: the container's name,
        its --network-alias names, then the aliases the daemon adds itself (moby daemon/container_operations.go
        updateNetworkConfig): the short id and the hostname when it differs from the name."""
        names: list[str] = []
        for n in [self.name, *att.aliases, self.short_id, self.hostname or self.short_id]:
            if n and n.lower() not in names:
                names.append(n.lower())
        return names

    def link_ports(self) -> set[tuple[int, str]]:
        """The exposed ports a legacy link opens when icc is off: --expose and every -p container port."""
        return set(self.expose) | {(m.container_port, m.proto) for m in self.publish}

    @property
    def gateway_attachment(self) -> Attachment | None:
        """The gateway endpoint (moby's ``Endpoint.Less``, 20.10's ``epHeap.Less``: the higher gw-priority first
        (Docker 28+, :mod:`.gwpriority`), non-internal networks before internal ones, then endpoints whose driver
        set a gateway before those without (a macvlan/ipvlan network with a dummy parent, ipvlan L3), then by
        network name): it carries the port mappings and the default route. None when every network is
        --internal (an --internal endpoint has no gateway, so it is never chosen, whatever its priority):
        published ports are then not set up at all (seen on Docker 20.10)."""
        outside = [a for a in self.attachments if not a.network.internal]
        return min(outside, key=lambda a: (-a.gw_priority, not sets_gateway(a.network), a.network.name)) if outside else None

    def route_attachment(self) -> Attachment | None:
        """The attachment of the default route: the gateway endpoint; on Docker < 25 an --internal network's
        gateway when there is no other."""
        gw = self.gateway_attachment
        if gw is None and self.attachments and self.host.settings.internal_default_route:
            return min(self.attachments, key=lambda a: a.network.name)
        return gw

    @property
    def ns_owner(self) -> "DockerContainer":
        c = self
        while c.shares is not None:
            c = c.shares
        return c


@dataclass(eq=False)
class DockerHost:
    name: str
    ip: str
    doc: int
    settings: DaemonSettings = field(default_factory=DaemonSettings)  # engineVersion and daemon.json
    networks: dict[str, DockerNetwork] = field(default_factory=dict)
    containers: dict[str, DockerContainer] = field(default_factory=dict)
    # (proto, host_port) -> mappings (one per host address bound)
    mappings: dict[tuple[str, int], list[tuple[PortMapping, DockerContainer]]] = field(default_factory=dict)
    # (port, proto) -> container, for --network host containers
    host_listeners: dict[tuple[int, str], DockerContainer] = field(default_factory=dict)
    # namespace owner -> containers sharing it
    ns_members: dict[int, list[DockerContainer]] = field(default_factory=dict)
    warnings: Warnings = field(default_factory=Warnings)  # English texts; .said: the messages
    user_chain: list = field(default_factory=new_chain)  # filter DOCKER-USER (iptables lines), dockerd's RETURN last
    lan_routes: bool = False  # spec.lanRoutesToBridges: the LAN's router routes the bridge subnets to this host

    @property
    def ref(self) -> str:
        return f"host/{self.name}"

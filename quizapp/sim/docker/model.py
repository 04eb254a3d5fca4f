"""The objects of a Docker host as the simulator sees them, built by :mod:`quizapp.sim.docker.commands`."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.netutil import IPv4Network


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
    used: set[int] = field(default_factory=set)
    by_ip: dict[str, "DockerContainer"] = field(default_factory=dict)
    dns: dict[str, "DockerContainer"] = field(default_factory=dict)  # name/alias -> container


@dataclass(eq=False)
class PortMapping:
    host_ip: str  # 0.0.0.0 for all addresses
    host_port: int
    container_port: int
    proto: str  # tcp | udp
    random: bool = False


@dataclass(eq=False)
class Attachment:
    network: DockerNetwork
    ip: str
    aliases: list[str]


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

    @property
    def ref(self) -> str:
        return f"container/{self.name}"

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
    networks: dict[str, DockerNetwork] = field(default_factory=dict)
    containers: dict[str, DockerContainer] = field(default_factory=dict)
    # (proto, host_port) -> mappings (one per host address bound)
    mappings: dict[tuple[str, int], list[tuple[PortMapping, DockerContainer]]] = field(default_factory=dict)
    # (port, proto) -> container, for --network host containers
    host_listeners: dict[tuple[int, str], DockerContainer] = field(default_factory=dict)
    # namespace owner -> containers sharing it
    ns_members: dict[int, list[DockerContainer]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"host/{self.name}"

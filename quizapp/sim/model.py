"""The simulator's objects, built from scenario documents by :mod:`quizapp.sim.loader`.

Everything here is plain data plus the indexes the tracer needs (see :class:`Scenario`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .netutil import IPv4Network, ip_int


# ----------------------------------------------------------------------------------------------- k8s

@dataclass
class Cluster:
    """Cluster-wide settings (``kind: Cluster``, all optional; kubeadm + flannel defaults)."""

    name: str = "cluster"
    cluster_cidr: IPv4Network = None  # type: ignore[assignment]
    service_cidr: IPv4Network = None  # type: ignore[assignment]
    hairpin_mode: bool = True
    backend: str = "vxlan"  # vxlan | host-gw
    domain: str = "cluster.local"
    node_port_range: tuple[int, int] = (30000, 32767)
    ip_masq: bool = True  # flannel --ip-masq


@dataclass(eq=False)
class Node:
    name: str
    ip: str
    pod_cidr: IPv4Network
    labels: dict[str, str]
    schedulable: bool
    doc: int
    bridge_ip: str = ""  # cni0: first address of podCIDR
    vtep_ip: str = ""  # flannel.1: network address of podCIDR
    pods: list["Pod"] = field(default_factory=list)
    # (port, proto) -> pod, for hostNetwork pods (they listen on every node address)
    host_listeners: dict[tuple[int, str], "Pod"] = field(default_factory=dict)
    # (port, proto) -> list of (pod, containerPort, hostIP) from CNI portmap
    host_ports: dict[tuple[int, str], list[tuple["Pod", int, str]]] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return f"node/{self.name}"


@dataclass(eq=False)
class ContainerPort:
    container_port: int
    protocol: str  # TCP | UDP | SCTP
    name: str | None = None
    host_port: int | None = None
    host_ip: str | None = None


@dataclass(eq=False)
class Container:
    name: str
    ports: list[ContainerPort]


@dataclass(eq=False)
class Pod:
    namespace: str
    name: str
    node: Node | None
    ip: str | None
    host_network: bool
    labels: dict[str, str]
    annotations: dict[str, str]
    containers: list[Container]
    ready: bool
    dns_policy: str
    doc: int
    owner: str | None = None  # Deployment name when expanded from one
    listens: set[tuple[int, str]] = field(default_factory=set)  # (port, proto lower)
    named_ports: dict[tuple[str, str], int] = field(default_factory=dict)  # (name, PROTO) -> port

    @property
    def ref(self) -> str:
        return f"pod/{self.name}" if self.namespace == "default" else f"pod/{self.namespace}/{self.name}"


@dataclass(eq=False)
class ServicePort:
    name: str | None
    port: int
    protocol: str  # TCP | UDP | SCTP
    target_port: int | str
    node_port: int | None = None
    endpoints: list["Endpoint"] = field(default_factory=list)  # sorted as kube-proxy sorts them


@dataclass(eq=False)
class Endpoint:
    ip: str
    port: int
    ready: bool
    node_name: str | None
    pod: Pod | None = None

    @property
    def key(self) -> str:
        return f"{self.ip}:{self.port}"


@dataclass(eq=False)
class Service:
    namespace: str
    name: str
    type: str  # ClusterIP | NodePort | LoadBalancer | ExternalName
    cluster_ip: str | None  # None for headless and ExternalName
    headless: bool
    ports: list[ServicePort]
    selector: dict[str, str] | None
    external_traffic_policy: str  # Cluster | Local
    internal_traffic_policy: str  # Cluster | Local
    session_affinity: str  # None | ClientIP
    affinity_timeout: int
    external_name: str | None
    lb_ips: list[str]
    publish_not_ready: bool
    doc: int

    @property
    def ref(self) -> str:
        return f"service/{self.namespace}/{self.name}"

    def port_label(self, sp: ServicePort) -> str:
        """``ns/name:portname`` as kube-proxy names a service port."""
        base = f"{self.namespace}/{self.name}"
        return f"{base}:{sp.name}" if sp.name else base


# -------------------------------------------------------------------------------------------- docker

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


# ----------------------------------------------------------------------------------------- scenario

@dataclass(eq=False)
class Scenario:
    """A loaded scenario and the indexes that make a trace cost O(endpoints of one service).

    ``documents`` holds the parsed documents (dicts), owned by the scenario and never mutated by it
    (``load_scenario_documents`` copies its input), so variant generators can copy, edit and reload them
    with :func:`quizapp.sim.load_scenario_documents`.
    """

    source: str
    documents: list[Any]
    cluster: Cluster
    nodes: dict[str, Node] = field(default_factory=dict)
    pods: dict[tuple[str, str], Pod] = field(default_factory=dict)
    services: dict[tuple[str, str], Service] = field(default_factory=dict)
    hosts: dict[str, DockerHost] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    has_kubernetes: bool = False
    # indexes
    node_by_ip: dict[str, Node] = field(default_factory=dict)
    node_by_subnet: dict[tuple[int, int], Node] = field(default_factory=dict)
    subnet_prefixes: set[int] = field(default_factory=set)
    pod_by_ip: dict[str, Pod] = field(default_factory=dict)  # non-hostNetwork pods
    host_by_ip: dict[str, DockerHost] = field(default_factory=dict)
    vip_index: dict[tuple[str, int, str], tuple[Service, ServicePort]] = field(default_factory=dict)
    ext_index: dict[tuple[str, int, str], tuple[Service, ServicePort]] = field(default_factory=dict)
    lb_ips: set[str] = field(default_factory=set)
    nodeport_index: dict[tuple[int, str], tuple[Service, ServicePort]] = field(default_factory=dict)
    dns: dict[str, Service] = field(default_factory=dict)  # fqdn -> service
    sorted_nodes: list[Node] = field(default_factory=list)
    containers: dict[str, list[DockerContainer]] = field(default_factory=dict)  # name -> containers

    def node_for_pod_ip(self, ip: str) -> Node | None:
        """The node whose podCIDR contains ``ip`` (O(number of distinct prefix lengths))."""
        try:
            n = ip_int(ip)
        except ValueError:
            return None
        for prefix in self.subnet_prefixes:
            node = self.node_by_subnet.get((prefix, n >> (32 - prefix)))
            if node is not None:
                return node
        return None

    def in_cluster_cidr(self, ip: str) -> bool:
        net = self.cluster.cluster_cidr
        return (ip_int(ip) & int(net.netmask)) == int(net.network_address)

    def in_service_cidr(self, ip: str) -> bool:
        net = self.cluster.service_cidr
        return (ip_int(ip) & int(net.netmask)) == int(net.network_address)

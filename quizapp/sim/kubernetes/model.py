"""The objects of a Kubernetes cluster as the simulator sees them, built by :mod:`quizapp.sim.kubernetes.loader`.

Plain data; the indexes over them are in :class:`quizapp.sim.core.model.Scenario`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.netutil import IPv4Network


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
    network_policy: str = "ignored"  # enforced | ignored: does the network plugin implement NetworkPolicy?
    load_balancer: str = "metallb"  # metallb | cloud: what happens when no node passes the health check
    service_route_via: str | None = None  # the LAN routes the service CIDR to this node (static route / BGP)


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
    extra_ips: list[str] = field(default_factory=list)  # further InternalIPs and ExternalIPs, on eth0
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
    dns_config: Any = None  # resolver.DNSConfig from spec.dnsConfig
    hostname: str | None = None  # spec.hostname / spec.subdomain: the Pod's record under a headless Service
    subdomain: str | None = None

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
    serving: bool = True  # EndpointSlice conditions (kube-proxy falls back to serving-terminating endpoints)
    terminating: bool = False

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
    lb_source_ranges: list = field(default_factory=list)  # spec.loadBalancerSourceRanges (IPv4Network)
    external_ips: list = field(default_factory=list)  # spec.externalIPs
    health_check_node_port: int | None = None  # served by kube-proxy on every node (LoadBalancer, policy Local)

    @property
    def ref(self) -> str:
        return f"service/{self.namespace}/{self.name}"

    def port_label(self, sp: ServicePort) -> str:
        """``ns/name:portname`` as kube-proxy names a service port."""
        base = f"{self.namespace}/{self.name}"
        return f"{base}:{sp.name}" if sp.name else base


def usable_endpoints(eps: list[Endpoint]) -> list[Endpoint]:
    """The endpoints kube-proxy sends new connections to (pkg/proxy/topology.go): the ready ones; when none is
    ready, the serving-terminating ones (graceful draining, GA in 1.28). Apply it to the whole list for the
    Cluster policy and to one node's endpoints for the Local policies."""
    ready = [e for e in eps if e.ready]
    return ready if ready else [e for e in eps if e.serving and e.terminating]

"""The loaded scenario: what the Kubernetes and Docker builders produced, and the indexes the tracer needs.

The objects themselves live with their kind: :mod:`quizapp.sim.kubernetes.model` (Cluster, Node, Pod, Service,
...) and :mod:`quizapp.sim.docker.model` (DockerHost, DockerNetwork, DockerContainer, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import Warnings
from .netutil import ip_int

if TYPE_CHECKING:  # the core imports neither half at run time
    from ..docker.model import DockerContainer, DockerHost
    from ..kubernetes.model import Cluster, Node, Pod, Service, ServicePort


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
    warnings: Warnings = field(default_factory=Warnings)  # English texts; .said: the messages
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
    namespace_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    policies: Any = None  # kubernetes.netpol.PolicySet when the network plugin enforces NetworkPolicy
    proxy: Any = None  # kubernetes.proxyconfig.ProxyConfig: kube-proxy's configuration
    health_ports: dict[int, Any] = field(default_factory=dict)  # healthCheckNodePort -> Service
    l7: Any = None  # kubernetes.l7_build.L7Index: ingress controllers, Gateways, the names leading to them

    @property
    def cluster_dns_ip(self) -> str:
        """kube-dns's Cluster IP: the 10th address of the service CIDR (kubeadm's clusterDNS)."""
        net = self.cluster.service_cidr
        n = int(net.network_address) + 10
        return f"{(n >> 24) & 255}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"

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

    def warning(self, message: Any) -> None:
        """Record a warning (a :class:`~quizapp.words.Said`, or plain text): ``warnings`` keeps its English text."""
        self.warnings.append(message)

"""Building the Kubernetes half of a scenario from its documents, kind by kind, in dependency order.

Kinds: ``Node``, ``Pod``, ``Service``, ``Deployment``, ``EndpointSlice``, ``Namespace``, ``NetworkPolicy``,
``KubeProxyConfiguration``, ``Ingress``, ``IngressClass``, ``Gateway``, ``GatewayClass``, ``HTTPRoute``
(real manifests; :mod:`.l7_build`) and ``Cluster``
(``apiVersion: quizapp.io/v1``, see :mod:`quizapp.sim.kubernetes.cluster`). Deterministic stand-ins for what a
real cluster decides at random (documented in docs/simulator.md): Node podCIDRs, Pod IPs, ClusterIPs,
nodePorts, Deployment Pod names and scheduling.
"""

from __future__ import annotations

from ..core.context import BuildState, Ctx
from .cluster import build_cluster
from .policies import build_policies, build_proxy_config
from .proxyconfig import API_VERSION
from .endpoints import EndpointBuilder
from .l7_build import L7_KINDS, REFUSED_KINDS, build_l7
from .nodes import NodeBuilder
from .pods import PodBuilder
from .services import ServiceBuilder
from quizapp.words import say

KINDS = {
    "Node": {"v1"}, "Pod": {"v1"}, "Service": {"v1"}, "Deployment": {"apps/v1"},
    "EndpointSlice": {"discovery.k8s.io/v1"}, "Cluster": {"quizapp.io/v1"}, "Namespace": {"v1"},
    "NetworkPolicy": {"networking.k8s.io/v1"}, "KubeProxyConfiguration": {API_VERSION},
    **L7_KINDS, **REFUSED_KINDS,
}


def build_kubernetes(state: BuildState, by_kind: dict[str, list[tuple[Ctx, dict]]]) -> None:
    """Cluster settings, then Nodes, Pods and Deployments, Services, endpoints."""
    build_cluster(state.scn, by_kind.get("Cluster", []))
    build_proxy_config(state.scn, by_kind.get("KubeProxyConfiguration", []))
    nodes = NodeBuilder(state)
    for ctx, obj in by_kind.get("Node", []):
        nodes.add(ctx, obj)
    nodes.index()
    via = state.scn.cluster.service_route_via
    if via is not None and via not in state.scn.nodes:
        for ctx, _obj in by_kind.get("Cluster", [])[:1]:
            ctx.err("spec.serviceRouteVia", say('no Node named {via} in the scenario', via=repr(via)))
    pods = PodBuilder(state)
    for ctx, obj in by_kind.get("Pod", []):
        pods.add_pod(ctx, obj)
    for ctx, obj in by_kind.get("Deployment", []):
        pods.add_deployment(ctx, obj)
    pods.place()
    services = ServiceBuilder(state)
    for ctx, obj in by_kind.get("Service", []):
        services.add(ctx, obj)
    services.allocate()
    endpoints = EndpointBuilder(state.scn, pods.label_index)
    endpoints.select()
    for ctx, obj in by_kind.get("EndpointSlice", []):
        endpoints.add_slice(ctx, obj)
    endpoints.sort()
    build_policies(state.scn, by_kind.get("Namespace", []), by_kind.get("NetworkPolicy", []))
    build_l7(state, by_kind)

"""Kubernetes scenarios built for real (kube-proxy iptables mode, CNI bridge, flannel VXLAN / host-gw,
portmap hostPort, hostNetwork); every case compares the simulator's trace with real TCP/UDP connections."""

from __future__ import annotations

import pytest

from .check import compare
from .conftest import build_lab, load

pytestmark = pytest.mark.kernel

N1, N2, N3 = "192.168.1.11", "192.168.1.12", "192.168.1.13"


@pytest.fixture(scope="module")
def vxlan(request, kernel_ok):
    scn = load("k8s.yaml")
    return scn, build_lab(request, scn, "qzk")


@pytest.fixture(scope="module")
def no_hairpin(request, kernel_ok):
    scn = load("k8s.yaml", hairpinMode=False)
    return scn, build_lab(request, scn, "qzh")


@pytest.fixture(scope="module")
def host_gw(request, kernel_ok):
    scn = load("k8s.yaml", backend="host-gw")
    return scn, build_lab(request, scn, "qzg")


VXLAN_CASES = [
    # NodePort, externalTrafficPolicy Cluster: load-balanced, SNAT to cni0 (local) or flannel.1 (remote)
    ("nodeport-cluster", "external", f"{N1}:30080"),
    ("nodeport-cluster-node-without-pods", "external", f"{N3}:30080"),
    ("nodeport-cluster-from-pod-on-other-node", "pod/client-2", f"{N1}:30080"),
    # externalTrafficPolicy Local: local endpoint, client IP kept; no local endpoint: DROP
    ("nodeport-local-n1", "external", f"{N1}:30081"),
    ("nodeport-local-n2", "external", f"{N2}:30081"),
    ("nodeport-local-no-local-endpoint", "external", f"{N3}:30081"),
    ("nodeport-local-from-pod-short-circuit", "pod/client", f"{N1}:30081"),
    ("nodeport-local-from-the-node-itself", "node/n3", f"{N3}:30081"),
    ("nodeport-local-from-pod-to-node-without-endpoint", "pod/client", f"{N3}:30081"),
    ("nodeport-from-the-node-itself", "node/n1", f"{N1}:30080"),
    ("nodeport-on-localhost", "node/n3", "127.0.0.1:30080"),
    ("nodeport-local-on-localhost", "node/n2", "127.0.0.1:30081"),
    # ClusterIP from a Pod, from a node, from a hostNetwork Pod; outside: no route
    ("clusterip-from-pod", "pod/client", "10.96.0.50:80"),
    ("clusterip-from-node", "node/n3", "10.96.0.50:80"),
    ("clusterip-from-hostnetwork-pod", "pod/exporter", "10.96.0.50:80"),
    ("clusterip-from-outside", "external", "10.96.0.50:80"),
    ("clusterip-port-without-service", "node/n1", "10.96.0.99:80"),
    # no endpoints: REJECT; not a nodePort: RST
    ("no-endpoints-clusterip", "pod/client", "10.96.0.52:80"),
    ("no-endpoints-clusterip-from-node", "node/n2", "10.96.0.52:80"),
    ("no-endpoints-nodeport", "external", f"{N1}:30082"),
    ("not-a-nodeport", "external", f"{N1}:31999"),
    # hairpin: a Pod reaching itself through its own Service
    ("hairpin-on", "pod/solo", "10.96.0.53:80"),
    # hostPort (portmap) on the Pod's node and on another node
    ("hostport-own-node", "external", f"{N1}:8443"),
    ("hostport-other-node", "external", f"{N2}:8443"),
    ("hostport-from-pod-on-same-node", "pod/client", f"{N1}:8443"),
    ("hostport-hairpin-from-its-own-pod", "pod/ingress", f"{N1}:8443"),
    ("hostport-on-localhost", "node/n1", "127.0.0.1:8443"),
    # hostNetwork
    ("hostnetwork-from-outside", "external", f"{N2}:9100"),
    ("hostnetwork-from-pod-on-other-node", "pod/client", f"{N2}:9100"),
    ("service-with-hostnetwork-endpoint-from-pod", "pod/client", "10.96.0.56:9100"),
    ("service-with-hostnetwork-endpoint-from-its-node", "node/n2", "10.96.0.56:9100"),
    ("service-with-hostnetwork-endpoint-from-other-node", "node/n1", "10.96.0.56:9100"),
    # the endpoint is on the client Pod's own node: DNAT to a local address, delivered without POSTROUTING,
    # so the server sees the Pod's address (no masquerade)
    ("service-with-hostnetwork-endpoint-from-pod-on-its-node", "pod/client-2", "10.96.0.56:9100"),
    # the pod network: same node, across nodes over VXLAN (no NAT), node to a remote Pod
    ("pod-to-pod-same-node", "pod/client", "10.244.1.5:8080"),
    ("pod-to-pod-vxlan", "pod/client", "10.244.2.5:9090"),
    ("pod-to-pod-vxlan-reverse", "pod/client-2", "10.244.1.5:8080"),
    ("pod-to-pod-port-not-listening", "pod/client-2", "10.244.1.5:81"),
    ("node-to-remote-pod", "node/n1", "10.244.2.5:9090"),
    ("pod-from-outside", "external", "10.244.1.5:8080"),
    ("pod-ip-nobody-has", "pod/client", "10.244.3.5:80"),
    # UDP: a UDP Service, a UDP port nobody listens on
    ("udp-clusterip", "pod/client", "10.96.0.54:53/udp"),
    ("udp-pod-across-nodes", "pod/client", "10.244.2.6:53/udp"),
    ("udp-port-not-listening", "pod/client", "10.244.2.6:54/udp"),
    ("udp-to-tcp-only-service-port", "pod/client", "10.244.2.5:9090/udp"),
    ("udp-nodeport", "external", f"{N1}:30053/udp"),
    # internalTrafficPolicy Local: only the client node's endpoints; none -> DROP
    ("itp-local-from-pod-n1", "pod/client", "10.96.0.58:80"),
    ("itp-local-from-pod-n2", "pod/client-2", "10.96.0.58:80"),
    ("itp-local-from-node", "node/n1", "10.96.0.58:80"),
    ("itp-local-no-local-endpoint", "node/n3", "10.96.0.58:80"),
    ("hostport-from-pod-on-other-node", "pod/client-2", f"{N1}:8443"),
    # spec.externalIPs (n3's address): from outside through n3, from a Pod and a node intercepted on their own node
    ("externalip-from-outside", "external", f"{N3}:8088"),
    ("externalip-from-pod", "pod/client", f"{N3}:8088"),
    ("externalip-from-other-node", "node/n2", f"{N3}:8088"),
    ("externalip-other-port-not-intercepted", "external", f"{N3}:8089"),
    # healthCheckNodePort: kube-proxy answers on every node (200 with a local endpoint, 503 without)
    ("health-check-node-port-with-local-endpoint", "external", f"{N1}:32100"),
    ("health-check-node-port-without", "external", f"{N3}:32100"),
    # a node with a second address (ExternalIP): NodePorts answer on every local address
    ("nodeport-on-the-external-ip-of-a-node", "external", "198.51.100.13:30080"),
    ("node-second-address-not-a-nodeport", "external", "198.51.100.13:31999"),
]


@pytest.mark.parametrize("src,dst", [c[1:] for c in VXLAN_CASES], ids=[c[0] for c in VXLAN_CASES])
def test_vxlan_cluster(vxlan, src, dst):
    scn, lab = vxlan
    compare(lab, scn, src, dst)


NO_HAIRPIN_CASES = [
    ("hairpin-off", "pod/solo", "10.96.0.53:80"),
    ("hairpin-off-other-pod-unaffected", "pod/client", "10.96.0.53:80"),
]


@pytest.mark.parametrize("src,dst", [c[1:] for c in NO_HAIRPIN_CASES], ids=[c[0] for c in NO_HAIRPIN_CASES])
def test_without_hairpin_mode(no_hairpin, src, dst):
    scn, lab = no_hairpin
    compare(lab, scn, src, dst)


HOST_GW_CASES = [
    ("host-gw-pod-to-pod", "pod/client", "10.244.2.5:9090"),
    ("host-gw-node-to-remote-pod", "node/n1", "10.244.2.5:9090"),
    ("host-gw-nodeport-cluster", "external", f"{N3}:30080"),
    ("host-gw-clusterip-from-node", "node/n3", "10.96.0.50:80"),
]


@pytest.mark.parametrize("src,dst", [c[1:] for c in HOST_GW_CASES], ids=[c[0] for c in HOST_GW_CASES])
def test_flannel_host_gw(host_gw, src, dst):
    scn, lab = host_gw
    compare(lab, scn, src, dst)


def test_session_affinity_client_ip(vxlan):
    """sessionAffinity ClientIP: -m recent pins every later connection of a client to its first endpoint."""
    from quizapp.sim import trace_series

    scn, lab = vxlan
    src, dst = "pod/client", "10.96.0.57:80"
    sims = trace_series(scn, src, dst, 6, seed=0)
    assert len({s.endpoint.name for s in sims}) == 1
    first = compare(lab, scn, src, dst)  # the first connection: load-balanced, checked like any other
    pinned = {k.identity for k in first}
    assert len(pinned) == 1, f"the kernel did not pin {src} to one endpoint: {pinned}"


@pytest.fixture(scope="module")
def routed_services(request, kernel_ok):
    scn = load("k8s.yaml", serviceRouteVia="n3")
    return scn, build_lab(request, scn, "qzr")


ROUTED_CASES = [
    # the LAN routes the service CIDR to n3 (a static route, or ClusterIPs advertised by BGP)
    ("outside-client-reaches-cluster-ip", "external", "10.96.0.50:80", None),
    ("outside-client-no-endpoints-reject", "external", "10.96.0.52:80", "refused"),
    ("outside-client-itp-local-drop", "external", "10.96.0.58:80", "timeout"),
]


@pytest.mark.parametrize("src,dst,want", [c[1:] for c in ROUTED_CASES], ids=[c[0] for c in ROUTED_CASES])
def test_service_cidr_routed_from_outside(routed_services, src, dst, want):
    scn, lab = routed_services
    outcomes = compare(lab, scn, src, dst)
    assert outcomes[0].reason == want

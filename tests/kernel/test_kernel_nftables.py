"""kube-proxy's nftables mode built for real: the ``ip kube-proxy`` table of
:mod:`quizapp.sim.kubernetes.nft_rules` loaded with ``nft -f`` in each node's namespace (next to the CNI
portmap and flannel iptables rules); every case compares the simulator with real connections."""

from __future__ import annotations

import pytest

from quizapp.sim import load_scenario_documents

from .check import compare
from .conftest import build_lab, load

pytestmark = pytest.mark.kernel

N1, N2, N3 = "192.168.1.11", "192.168.1.12", "192.168.1.13"

PROXY = {"apiVersion": "kubeproxy.config.k8s.io/v1alpha1", "kind": "KubeProxyConfiguration", "mode": "nftables",
         "clusterCIDR": "10.244.0.0/16"}


def nftables_scenario():
    """k8s.yaml with kube-proxy in nftables mode (its session-affinity Service left out: not modelled there)."""
    docs = [d for d in load("k8s.yaml").documents
            if not (d.get("kind") == "Service" and (d.get("spec") or {}).get("sessionAffinity") == "ClientIP")]
    return load_scenario_documents(docs + [PROXY], source="k8s.yaml (nftables mode)")


@pytest.fixture(scope="module")
def nft_lab(request, kernel_ok):
    scn = nftables_scenario()
    return scn, build_lab(request, scn, "qzf")


CASES = [
    ("nodeport-cluster", "external", f"{N1}:30080"),
    ("nodeport-cluster-node-without-pods", "external", f"{N3}:30080"),
    ("nodeport-local-n1", "external", f"{N1}:30081"),
    ("nodeport-local-no-local-endpoint-drop", "external", f"{N3}:30081"),
    ("nodeport-local-from-pod-short-circuit", "pod/client", f"{N1}:30081"),
    ("nodeport-local-from-the-node-itself", "node/n3", f"{N3}:30081"),
    ("nodeport-from-the-node-itself", "node/n1", f"{N1}:30080"),
    # differences from iptables mode: no NodePorts on localhost, only on the primary address by default
    ("nodeport-on-localhost-never", "node/n3", "127.0.0.1:30080"),
    ("nodeport-on-cni0-address-not-primary", "pod/client", "10.244.1.1:30080"),
    ("nodeport-on-second-address-not-primary", "external", "198.51.100.13:30080"),
    ("clusterip-from-pod", "pod/client", "10.96.0.50:80"),
    ("clusterip-from-node", "node/n3", "10.96.0.50:80"),
    ("clusterip-from-hostnetwork-pod", "pod/exporter", "10.96.0.50:80"),
    # a Cluster IP on a port it does not serve is rejected; an unallocated one dropped
    ("clusterip-other-port-rejected", "pod/client", "10.96.0.50:81"),
    ("clusterip-other-port-from-node-rejected", "node/n1", "10.96.0.50:81"),
    ("unallocated-service-ip-dropped", "pod/client", "10.96.0.99:80"),
    ("no-endpoints-clusterip-reject", "pod/client", "10.96.0.52:80"),
    ("no-endpoints-nodeport-reject", "external", f"{N1}:30082"),
    ("hairpin", "pod/solo", "10.96.0.53:80"),
    ("udp-clusterip", "pod/client", "10.96.0.54:53/udp"),
    ("udp-nodeport", "external", f"{N1}:30053/udp"),
    ("itp-local-from-pod-n1", "pod/client", "10.96.0.58:80"),
    ("itp-local-no-local-endpoint-drop", "node/n3", "10.96.0.58:80"),
    ("externalip-from-outside", "external", f"{N3}:8088"),
    ("externalip-from-pod", "pod/client", f"{N3}:8088"),
    ("hostport-still-portmap", "external", f"{N1}:8443"),
    ("service-with-hostnetwork-endpoint-from-pod-on-its-node", "pod/client-2", "10.96.0.56:9100"),
]


@pytest.mark.parametrize("src,dst", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_nftables_mode(nft_lab, src, dst):
    scn, lab = nft_lab
    compare(lab, scn, src, dst)


@pytest.fixture(scope="module")
def nft_source_ranges(request, kernel_ok):
    scn = load_scenario_documents(load("lb.yaml").documents + [PROXY], source="lb.yaml (nftables mode)")
    return scn, build_lab(request, scn, "qzt", external_ips=("203.0.113.10", "198.18.0.5"))


LB = "198.51.100.7:80"
SOURCE_RANGE_CASES = [
    # firewall-ips -> firewall-<hash>: ip saddr != { ranges } drop, in filter-prerouting-pre-dnat /
    # filter-output-pre-dnat (before DNAT); in-cluster clients are filtered too
    ("lb-source-range-outside-client-in-range", "external", LB, None, "203.0.113.10"),
    ("lb-source-range-outside-client-not-in-range", "external:198.18.0.5", LB, "timeout", None),
    ("lb-source-range-pod-in-range", "pod/client", LB, None, "10.244.1.9"),
    ("lb-source-range-pod-not-in-range", "pod/client-2", LB, "timeout", None),
    ("lb-source-range-node-in-range", "node/n2", LB, None, "10.244.2.0"),
    ("lb-source-range-node-not-in-range", "node/n1", LB, "timeout", None),
]


@pytest.mark.parametrize("src,dst,want,seen", [c[1:] for c in SOURCE_RANGE_CASES], ids=[c[0] for c in SOURCE_RANGE_CASES])
def test_nftables_load_balancer_source_ranges(nft_source_ranges, src, dst, want, seen):
    scn, lab = nft_source_ranges
    outcomes = compare(lab, scn, src, dst)
    assert outcomes[0].reason == want
    if want is None:
        assert outcomes[0].peer == seen

"""kube-proxy's configuration file and EndpointSlice conditions built for real: nodePortAddresses,
iptables.localhostNodePorts false, masqueradeAll, and the fallback to serving-terminating endpoints."""

from __future__ import annotations

import pytest

from .check import compare
from .conftest import build_lab, load

pytestmark = pytest.mark.kernel

N1, N2 = "192.168.1.11", "192.168.1.12"


@pytest.fixture(scope="module")
def configured(request, kernel_ok):
    scn = load("kubeproxy.yaml")
    return scn, build_lab(request, scn, "qzp")


CASES = [
    # (id, from, to, expected outcome, expected source seen)
    ("terminating-serving-fallback-cluster-ip", "pod/client", "10.96.0.60:80", None, "10.244.1.1"),
    ("terminating-serving-fallback-nodeport-other-node", "external", f"{N2}:30060", None, "10.244.2.0"),
    ("ready-endpoint-wins-over-terminating", "pod/client", "10.96.0.61:80", None, "10.244.1.0"),
    ("local-policy-falls-back-per-node", "external", f"{N1}:30061", None, "203.0.113.10"),
    ("local-policy-ready-on-its-node", "external", f"{N2}:30061", None, "203.0.113.10"),
    ("not-serving-is-no-endpoint", "pod/client", "10.96.0.62:80", "refused", None),
    ("localhost-nodeports-off", "node/n1", "127.0.0.1:30060", "refused", None),
    ("nodeport-addresses-exclude-cni0", "pod/client", "10.244.1.1:30060", "refused", None),
    ("nodeport-addresses-include-node-ip", "node/n2", f"{N1}:30060", None, "10.244.1.1"),
    ("nodeport-addresses-exclude-second-address", "external", "198.51.100.12:30060", "refused", None),
    ("nodeport-addresses-include-internal-ip", "external", f"{N2}:30060", None, "10.244.2.0"),
]


@pytest.mark.parametrize("src,dst,want,seen", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_kube_proxy_configuration(configured, src, dst, want, seen):
    scn, lab = configured
    outcomes = compare(lab, scn, src, dst)
    assert outcomes[0].reason == want
    if want is None:
        assert outcomes[0].peer == seen


@pytest.fixture(scope="module")
def source_ranges(request, kernel_ok):
    scn = load("lb.yaml")
    return scn, build_lab(request, scn, "qzs", external_ips=("203.0.113.10", "198.18.0.5"))


LB = "198.51.100.7:80"
SOURCE_RANGE_CASES = [
    # loadBalancerSourceRanges [203.0.113.0/24, 10.244.1.0/24, 192.168.1.12/32]: KUBE-FW-* DNATs the allowed
    # sources; the others reach filter KUBE-PROXY-FIREWALL un-DNAT-ed and are dropped, in-cluster clients included
    ("outside-client-in-range", "external", LB, None, "203.0.113.10"),
    ("outside-client-not-in-range", "external:198.18.0.5", LB, "timeout", None),
    ("pod-in-range", "pod/client", LB, None, "10.244.1.9"),
    ("pod-not-in-range", "pod/client-2", LB, "timeout", None),
    ("node-in-range", "node/n2", LB, None, "10.244.2.0"),
    ("node-not-in-range", "node/n1", LB, "timeout", None),
]


@pytest.mark.parametrize("src,dst,want,seen", [c[1:] for c in SOURCE_RANGE_CASES], ids=[c[0] for c in SOURCE_RANGE_CASES])
def test_load_balancer_source_ranges(source_ranges, src, dst, want, seen):
    scn, lab = source_ranges
    outcomes = compare(lab, scn, src, dst)
    assert outcomes[0].reason == want
    if want is None:
        assert outcomes[0].peer == seen

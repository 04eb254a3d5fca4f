"""NetworkPolicy built for real: the policy chains of :mod:`quizapp.sim.kubernetes.netpol_rules` loaded next to
kube-proxy's rules in each node's namespace; every case compares the simulator with real connections."""

from __future__ import annotations

import pytest

from .check import compare
from .conftest import build_lab, load

pytestmark = pytest.mark.kernel

N1, N2 = "192.168.1.11", "192.168.1.12"
WEB, DB, CLIENT, OPEN, STATS = "10.244.1.5", "10.244.2.5", "10.244.1.6", "10.244.1.7", "10.244.2.8"


@pytest.fixture(scope="module")
def enforced(request, kernel_ok):
    scn = load("netpol.yaml")
    return scn, build_lab(request, scn, "qzn", ("203.0.113.10", "203.0.113.200"))


CASES = [
    # (id, from, to, expected outcome) - the expectation pins the scenario; compare() pins sim == kernel
    ("pod-selector-same-node-named-port", "pod/shop/client", f"{WEB}:8080", None),
    ("pod-selector-through-cluster-ip", "pod/shop/client", "10.96.0.50:80", None),
    ("pod-selector-is-namespace-local", "pod/tools/debug", f"{WEB}:8080", "timeout"),
    ("namespace-and-pod-selector-together", "pod/tools/debug", f"{DB}:5432", None),
    ("not-a-listed-peer", "pod/shop/client", f"{DB}:5432", "timeout"),
    ("pod-selector-across-nodes", "pod/shop/web", f"{DB}:5432", None),
    ("namespace-without-the-label", "pod/open", f"{DB}:5432", "timeout"),
    ("ipblock-nodeport-local-endpoint-sees-client", "external:203.0.113.10", f"{N1}:30080", None),
    ("ipblock-except", "external:203.0.113.200", f"{N1}:30080", "timeout"),
    ("ipblock-after-masquerade-on-other-node", "external:203.0.113.10", f"{N2}:30080", "timeout"),
    ("egress-and-ingress-both-allow", "pod/shop/batch", f"{DB}:5432", None),
    ("egress-ipblock-to-hostnetwork-pod", "pod/shop/batch", f"{N1}:9100", None),
    ("egress-port-not-allowed", "pod/shop/batch", f"{N1}:22", "timeout"),
    ("egress-denied-to-unselected-pod", "pod/shop/batch", f"{OPEN}:8080", "timeout"),
    ("default-deny-ingress", "pod/open", f"{CLIENT}:9000", "timeout"),
    ("own-node-always-allowed", "node/n1", f"{CLIENT}:9000", None),
    ("other-node-is-not", "node/n2", f"{CLIENT}:9000", "timeout"),
    ("hostnetwork-pod-is-its-node", "pod/agent", f"{CLIENT}:9000", None),
    ("udp-port-range-all-namespaces-reply-allowed", "pod/open", f"{STATS}:5353/udp", None),
    ("udp-outside-the-range", "pod/open", f"{STATS}:7000/udp", "timeout"),
    ("unselected-pod-is-open", "pod/shop/client", f"{OPEN}:8080", None),
]


@pytest.mark.parametrize("src,dst,want", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_network_policy(enforced, src, dst, want):
    scn, lab = enforced
    outcomes = compare(lab, scn, src, dst)
    assert outcomes[0].reason == want, f"{src} -> {dst}: {outcomes[0].reason}, expected {want or 'delivered'}"

"""kube-proxy's nftables mode: the ruleset's names as kube-proxy writes them, and where the trace differs from
iptables mode (kernel-proven in tests/kernel/test_kernel_nftables.py)."""

from __future__ import annotations

import pytest

from quizapp.sim import ScenarioError, load_scenario_documents, trace
from quizapp.sim.kubernetes.nft_rules import nft_base, nft_node_rules
from tests.kernel.conftest import load
from tests.kernel.test_kernel_nftables import PROXY, nftables_scenario


def test_chain_names_use_kube_proxys_hash():
    class P:  # kube-proxy's own unit test: ns1/svc1 port p80 -> service-ULMVA6XW-ns1/svc1/tcp/p80
        name, protocol = "p80", "TCP"

    class S:
        namespace, name = "ns1", "svc1"

    assert nft_base(S, P) == "ULMVA6XW-ns1/svc1/tcp/p80"


@pytest.fixture(scope="module")
def both():
    return load("k8s.yaml"), nftables_scenario()


@pytest.mark.parametrize("src,dst,iptables,nftables", [
    ("pod/client", "10.96.0.50:81", "timeout", "refused"),  # another port of a Cluster IP: rejected
    ("pod/client", "10.96.0.99:80", "timeout", "timeout"),  # unallocated: dropped
    ("node/n3", "127.0.0.1:30080", None, "refused"),  # no localhost NodePorts
    ("pod/client", "10.244.1.1:30080", None, "refused"),  # NodePorts on the primary address only
    ("external", "198.51.100.13:30080", None, "refused"),
    ("external", "192.168.1.13:30080", None, None),
])
def test_where_nftables_mode_differs(both, src, dst, iptables, nftables):
    ipt, nft = both
    assert trace(ipt, src, dst).reason == iptables
    assert trace(nft, src, dst).reason == nftables


def test_hops_name_the_maps_and_chains(both):
    _, nft = both
    r = trace(nft, "pod/client", "10.96.0.50:80")
    text = " ".join(h["what"] for h in r.hops)
    assert "vmap @service-ips" in text and "numgen random mod 2" in text and "dnat to" in text
    assert r.hops[1]["where"] == "node/n1 nftables ip kube-proxy nat-prerouting"
    rules = nft_node_rules(nft, nft.nodes["n1"])
    assert rules.startswith('add table ip kube-proxy { comment "rules for kube-proxy" ; }')
    assert "add element ip kube-proxy nodeport-ips { 192.168.1.11 }" in rules
    assert "10.244.1.1 }" not in rules  # cni0's address is no NodePort address in this mode


def test_session_affinity_is_refused_in_nftables_mode():
    docs = load("k8s.yaml").documents + [PROXY]
    with pytest.raises(ScenarioError) as info:
        load_scenario_documents(docs)
    assert any(p.path == "spec.sessionAffinity" and "nftables" in p.message for p in info.value.problems)

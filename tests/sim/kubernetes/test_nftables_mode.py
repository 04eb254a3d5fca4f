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


def test_load_balancer_source_ranges_in_nftables_mode():
    """firewall-ips / firewall-<hash> as kube-proxy writes them (kernel-proven: 6 cases in test_kernel_nftables)."""
    scn = load_scenario_documents(load("lb.yaml").documents + [PROXY], source="lb.yaml (nftables mode)")
    rules = nft_node_rules(scn, scn.nodes["n2"])
    assert "ip saddr != { 203.0.113.0/24, 10.244.1.0/24, 192.168.1.12/32, 198.51.100.7 } drop" in rules  # n2 allowed
    assert "198.51.100.7 } drop" not in nft_node_rules(scn, scn.nodes["n1"])  # n1's address is in no range
    assert "add element ip kube-proxy firewall-ips { 198.51.100.7 . tcp . 80" in rules
    ok = trace(scn, "external", "198.51.100.7:80")
    assert ok.delivered and ok.source_ip_seen == "203.0.113.10"
    assert any("filter-prerouting-pre-dnat" in h["where"] and "is in" in h["what"] for h in ok.hops)
    denied = trace(scn, "pod/client-2", "198.51.100.7:80")
    assert denied.reason == "timeout" and "drop" in denied.hops[-1]["what"] and "firewall-" in denied.hops[-1]["what"]
    assert trace(scn, "node/n1", "198.51.100.7:80").hops[-1]["where"].endswith("filter-output-pre-dnat")


def test_the_kernel_tier_routes_a_single_node_load_balancer():
    from quizapp.sim.kubernetes.topology import load_balancer_routes

    scn = load("lb.yaml")
    assert {ip: n.name for ip, n in load_balancer_routes(scn).items()} == {"198.51.100.7": "n1"}

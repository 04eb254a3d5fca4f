"""kube-proxy's IPVS mode, checked against the documented behaviour only (kubernetes pkg/proxy/ipvs/proxier.go and
README.md, the kernel's ip_vs_core.c): this machine's kernel has no IPVS, so there is no kernel tier for it."""

from __future__ import annotations

import copy

import pytest

from quizapp.sim import ScenarioError, load_scenario_documents, trace, trace_series
from quizapp.sim.kubernetes.ipvs import bound_addresses, ipvsadm_list
from tests.kernel.conftest import SCENARIOS, load

N1, N3 = "192.168.1.11", "192.168.1.13"
IPVS = {"apiVersion": "kubeproxy.config.k8s.io/v1alpha1", "kind": "KubeProxyConfiguration", "mode": "ipvs",
        "clusterCIDR": "10.244.0.0/16"}


def ipvs_scenario(**ipvs):
    proxy = copy.deepcopy(IPVS)
    if ipvs:
        proxy["ipvs"] = ipvs
    return load_scenario_documents(load("k8s.yaml").documents + [proxy], source="k8s.yaml (ipvs mode)")


@pytest.fixture(scope="module")
def both():
    return load("k8s.yaml"), ipvs_scenario()


def hops(r) -> str:
    return " | ".join(f"{h['where']}: {h['what']}" for h in r.hops)


@pytest.mark.parametrize("src,dst,iptables,ipvs", [
    # the Cluster IP is an address of every node (kube-ipvs0): another port is refused, not dropped
    ("pod/client", "10.96.0.50:81", "timeout", "refused"),
    ("node/n1", "10.96.0.50:81", "timeout", "refused"),
    ("pod/client", "10.96.0.99:80", "timeout", "timeout"),  # unallocated: on no kube-ipvs0, default route
    # no localhost NodePorts (virtual servers are never made for loopback addresses)
    ("node/n3", "127.0.0.1:30080", None, "refused"),
    # NodePorts on every other local address, cni0's included
    ("pod/client", "10.244.1.1:30080", None, None),
    ("external", "198.51.100.13:30080", None, None),
    # internalTrafficPolicy Local with no local endpoint: a virtual server without real servers -> ICMP unreachable
    ("node/n3", "10.96.0.58:80", "timeout", "refused"),
    # externalTrafficPolicy Local, no local endpoint: every endpoint stays a real server, the packet is not
    # masqueraded, the Pod answers the outside client directly and the client drops the answer
    ("external", f"{N3}:30081", "timeout", "timeout"),
    # no endpoint: REJECT in iptables mode, a virtual server without real servers (ICMP unreachable) in IPVS mode
    ("pod/client", "10.96.0.52:80", "refused", "refused"),
])
def test_where_ipvs_mode_differs(both, src, dst, iptables, ipvs):
    ipt, vs = both
    assert trace(ipt, src, dst).reason == iptables
    assert trace(vs, src, dst).reason == ipvs


def test_cluster_ip_hops_name_the_virtual_and_real_servers(both):
    _, scn = both
    r = trace(scn, "pod/client", "10.96.0.50:80")
    text = hops(r)
    assert "node/n1 kube-ipvs0: 10.96.0.50 is bound to the dummy interface kube-ipvs0" in text
    assert "ipvsadm -Ln: TCP  10.96.0.50:80 rr (default/web:http cluster IP)" in text
    assert "-> 10.244.1.5:8080 Masq 1, -> 10.244.2.5:9090 Masq 1" in text
    assert r.delivered and r.source_ip_seen == "10.244.1.9"  # a Pod source is not masqueraded
    assert {c.name for c in r.candidates} == {"web-1", "web-2"}
    assert not any("KUBE-SVC" in h["what"] for h in r.hops)


def test_unused_port_is_rejected_by_kube_ipvs_filter(both):
    r = trace(both[1], "pod/client", "10.96.0.50:81")
    assert r.reason == "refused"
    assert "KUBE-IPVS-FILTER" in hops(r) and "KUBE-IPVS-IPS dst -j REJECT" in hops(r)


def test_node_sends_from_the_virtual_address_and_is_masqueraded(both):
    r = trace(both[1], "node/n3", "10.96.0.50:80", seed=1)
    assert "opens tcp 10.96.0.50:80 from 10.96.0.50" in hops(r)
    assert "KUBE-CLUSTER-IP dst,dst ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ" in hops(r)
    assert "[SNAT 10.96.0.50 -> 10.244.3.0]" in " ".join(f"{h['what']} [SNAT {h['change']['before']} -> {h['change']['after']}]"
                                                       for h in r.hops if h.get("change", {}).get("type") == "SNAT")
    assert r.delivered and r.source_ip_seen == "10.244.3.0"  # both endpoints are on other nodes: flannel.1 of n3


def test_without_cluster_cidr_the_node_is_still_masqueraded_by_src_dst_match():
    docs = load("k8s.yaml").documents + [{k: v for k, v in IPVS.items() if k != "clusterCIDR"}]
    scn = load_scenario_documents(docs, source="ipvs without clusterCIDR")
    r = trace(scn, "node/n3", "10.96.0.50:80")
    assert "KUBE-CLUSTER-IP src,dst -j KUBE-MARK-MASQ" in hops(r)
    assert r.delivered and r.source_ip_seen != "10.96.0.50"
    r = trace(scn, "pod/client", "10.96.0.50:80")  # no detector: Pod traffic is not marked
    assert r.delivered and r.source_ip_seen == "10.244.1.9"


def test_nodeport_local_policy_prefers_local_real_servers_and_keeps_the_client(both):
    ipt, scn = both
    r = trace(scn, "external", f"{N1}:30081")
    assert r.delivered and r.endpoint.name == "web-1" and r.source_ip_seen == "203.0.113.10"
    assert "KUBE-NODE-PORT-LOCAL-TCP dst -j RETURN" in hops(r)
    # a Pod of the node: iptables mode short-circuits it to every endpoint, IPVS keeps the local real server
    assert {c.name for c in trace(ipt, "pod/client", f"{N1}:30081").candidates} == {"web-1", "web-2"}
    assert [c.name for c in trace(scn, "pod/client", f"{N1}:30081").candidates] == ["web-1"]


def test_nodeport_local_policy_without_local_endpoint(both):
    _, scn = both
    r = trace(scn, "external", f"{N3}:30081")
    assert r.reason == "timeout" and "PR 97081" in hops(r) and "drops it" in hops(r)
    # from the node itself the answer comes back through it: delivered
    r = trace(scn, "node/n3", f"{N3}:30081")
    assert r.delivered and r.source_ip_seen == N3


def test_nodeport_cluster_policy_is_masqueraded(both):
    r = trace(both[1], "external", f"{N3}:30080")
    assert "KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ" in hops(r)
    assert r.delivered and r.source_ip_seen == "10.244.3.0"  # flannel.1 of n3


def test_round_robin_goes_round_in_a_series(both):
    _, scn = both
    names = [r.endpoint.name for r in trace_series(scn, "pod/client", "10.96.0.50:80", 4, seed=3)]
    assert names[0] != names[1] and names[0] == names[2] and names[1] == names[3]


@pytest.mark.parametrize("sched", ["sh", "mh"])
def test_source_hashing_keeps_a_client(sched):
    scn = ipvs_scenario(scheduler=sched)
    names = {r.endpoint.name for r in trace_series(scn, "pod/client", "10.96.0.50:80", 4, seed=3)}
    assert len(names) == 1
    assert f"TCP  10.96.0.50:80 {sched}" in hops(trace(scn, "pod/client", "10.96.0.50:80"))


def test_session_affinity_is_persistence(both):
    _, scn = both
    sims = trace_series(scn, "pod/client", "10.96.0.57:80", 5, seed=0)
    assert len({s.endpoint.name for s in sims}) == 1
    assert "TCP  10.96.0.57:80 rr persistent 10800" in hops(sims[0])
    assert "the connection template pins 10.244.1.9" in hops(sims[1])


def test_hostnetwork_endpoint_on_the_same_node_keeps_the_pod_address(both):
    r = trace(both[1], "pod/client-2", "10.96.0.56:9100")
    assert r.delivered and r.source_ip_seen == "10.244.2.9"


def test_hairpin_is_masqueraded_by_kube_loop_back(both):
    r = trace(both[1], "pod/solo", "10.96.0.53:80")
    assert "KUBE-LOOP-BACK dst,dst,src -j MASQUERADE" in hops(r)
    assert r.delivered and r.source_ip_seen == "10.244.1.1"


def test_ipvsadm_list_of_a_node(both):
    _, scn = both
    n1, n3 = scn.nodes["n1"], scn.nodes["n3"]
    text = ipvsadm_list(scn, n1)
    assert "TCP  10.96.0.50:80 rr\n  -> 10.244.1.5:8080" in text
    assert "TCP  10.96.0.57:80 rr persistent 10800" in text
    # NodePort virtual servers on every non-loopback address (eth0, cni0, flannel.1), never 127.0.0.1
    for addr in (N1, "10.244.1.1", "10.244.1.0"):
        assert f"TCP  {addr}:30080 rr" in text
    assert "127.0.0.1:30080" not in text
    assert "TCP  198.51.100.13:30080 rr" in ipvsadm_list(scn, n3)
    # Local policy: n1 lists its own endpoint only; n3 (no endpoint) lists every endpoint
    local_n1 = text.split(f"TCP  {N1}:30081 rr\n")[1].split("\nTCP")[0]
    assert local_n1.strip().startswith("-> 10.244.1.5:8080") and "10.244.2.5" not in local_n1
    local_n3 = ipvsadm_list(scn, n3).split(f"TCP  {N3}:30081 rr\n")[1].split("\nTCP")[0]
    assert "10.244.1.5:8080" in local_n3 and "10.244.2.5:9090" in local_n3
    assert "10.96.0.50" in bound_addresses(scn) and N3 not in bound_addresses(scn)  # externalIP = n3's address


def test_node_port_addresses_restrict_the_virtual_servers():
    docs = load("k8s.yaml").documents + [{**IPVS, "nodePortAddresses": ["192.168.1.0/24"]}]
    scn = load_scenario_documents(docs, source="ipvs nodePortAddresses")
    assert trace(scn, "external", "198.51.100.13:30080").reason == "refused"
    assert trace(scn, "external", f"{N3}:30080").delivered


LB_DOCS = """
apiVersion: v1
kind: Node
metadata: {name: n1}
status: {addresses: [{type: InternalIP, address: 192.168.1.11}]}
---
apiVersion: v1
kind: Node
metadata: {name: n2}
status: {addresses: [{type: InternalIP, address: 192.168.1.12}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, labels: {app: web}}
spec: {nodeName: n1, containers: [{name: c, image: web, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec: {nodeName: n2, containers: [{name: c, image: curl}]}
---
apiVersion: v1
kind: Service
metadata: {name: web-lb}
spec:
  type: LoadBalancer
  selector: {app: web}
  externalTrafficPolicy: ${policy}
  loadBalancerSourceRanges: [${ranges}]
  ports: [{port: 80, targetPort: 8080}]
status: {loadBalancer: {ingress: [{ip: 198.51.100.7}]}}
---
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: ipvs
clusterCIDR: 10.244.0.0/16
"""


def lb(policy="Cluster", ranges="203.0.113.0/24"):
    from quizapp.sim import load_scenario

    return load_scenario(LB_DOCS.replace("${policy}", policy).replace("${ranges}", ranges), source="ipvs lb")


def test_load_balancer_source_ranges():
    scn = lb()
    r = trace(scn, "external", "198.51.100.7:80")
    assert r.delivered and "KUBE-LOAD-BALANCER-SOURCE-CIDR dst,dst,src -j RETURN" in hops(r)
    assert "KUBE-LOAD-BALANCER: -j KUBE-MARK-MASQ" in hops(r)
    r = trace(scn, "external:198.18.0.5", "198.51.100.7:80")
    assert r.reason == "timeout" and "KUBE-SOURCE-RANGES-FIREWALL: -j DROP" in hops(r)
    r = trace(scn, "pod/client", "198.51.100.7:80")  # in-cluster clients are filtered too
    assert r.reason == "timeout"
    r = trace(scn, "node/n2", "198.51.100.7:80")  # the node's own connection: KUBE-IPVS-OUT-FILTER
    assert r.reason == "timeout" and "KUBE-IPVS-OUT-FILTER" in hops(r)
    allowed = lb(ranges="203.0.113.0/24, 192.168.1.0/24, 10.244.0.0/16")
    assert trace(allowed, "node/n2", "198.51.100.7:80").delivered
    assert trace(allowed, "pod/client", "198.51.100.7:80").delivered


def test_load_balancer_local_policy_keeps_the_client():
    r = trace(lb("Local"), "external", "198.51.100.7:80")
    assert r.delivered and r.source_ip_seen == "203.0.113.10"
    assert "KUBE-LOAD-BALANCER-LOCAL dst,dst -j RETURN" in hops(r)


def test_strict_arp_is_recorded_and_other_ipvs_fields_refused():
    assert ipvs_scenario(strictARP=True).proxy.strict_arp is True
    assert ipvs_scenario().proxy.strict_arp is False
    from quizapp.sim import load_scenario

    base = (SCENARIOS / "k8s.yaml").read_text(encoding="utf-8")
    for field, value, words in (("excludeCIDRs", "[10.0.0.0/8]", "not modelled: ipvs.excludeCIDRs"),
                                ("tcpTimeout", "900s", "not modelled: ipvs.tcpTimeout"),
                                ("scheduler", "lc", "not modelled: scheduler lc"),
                                ("scheduler", "fancy", "no IPVS scheduler of that name")):
        text = (base + "\n---\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs\n"
                f"ipvs:\n  {field}: {value}\n")
        with pytest.raises(ScenarioError) as exc:
            load_scenario(text, source="k8s.yaml+ipvs")
        message = str(exc.value)
        line = text.splitlines().index(f"  {field}: {value}") + 1
        assert f"ipvs.{field}" in message and words in message and "document 24" in message and f"k8s.yaml+ipvs:{line}:" in message


def test_the_kernel_topology_refuses_ipvs_mode(both):
    from quizapp.sim.rules import topology

    with pytest.raises(ValueError, match="ip_vs"):
        topology(both[1])


def test_health_check_node_port_answers_on_a_kube_ipvs0_address_too(both):
    """KUBE-IPVS-FILTER returns for KUBE-HEALTH-CHECK-NODE-PORT before its REJECT: kube-proxy's health check server
    listens on every address, kube-ipvs0's included."""
    r = trace(both[1], "node/n1", "10.96.0.50:32100")
    assert r.delivered and r.endpoint.kind == "node" and '200 OK: {"localEndpoints": 1}' in r.hops[-1]["what"]
    assert "KUBE-HEALTH-CHECK-NODE-PORT dst -j RETURN" in hops(r)
    assert trace(both[1], "node/n1", "10.96.0.50:32101").reason == "refused"

"""Kubernetes traces: every case of networking-facts.md, asserted on delivered/reason/endpoint/source."""

from __future__ import annotations

import copy
from collections import Counter

import pytest

from quizapp.sim import load_scenario_documents, trace, trace_series

from ..helpers import NODE_N1, changes, load, seed_for, wheres


@pytest.fixture(scope="module")
def full():
    return load("k8s-full.yaml")


@pytest.fixture(scope="module")
def basic():
    return load("k8s-basic.yaml")


# -- NodePort, externalTrafficPolicy Cluster -------------------------------------------------------

def test_nodeport_cluster_same_node_snat_to_cni0(full):
    seed = seed_for(full, "external", "192.168.1.11:30080", "shop/api-a")
    r = trace(full, "external", "192.168.1.11:30080", seed=seed)
    assert r.delivered and r.reason is None
    assert r.endpoint.to_dict() == {"kind": "pod", "name": "shop/api-a", "ip": "10.244.1.10", "port": 8080}
    assert r.source_ip_seen == "10.244.1.1"  # cni0 on n1
    assert changes(r, "DNAT") == [{"type": "DNAT", "before": "192.168.1.11:30080", "after": "10.244.1.10:8080"}]
    assert changes(r, "SNAT") == [{"type": "SNAT", "before": "203.0.113.10", "after": "10.244.1.1"}]
    assert "node/n1 iptables nat PREROUTING" in wheres(r)
    assert any("KUBE-NODEPORTS" in h["what"] and "KUBE-EXT-" in h["what"] for h in r.hops)
    assert any("KUBE-MARK-MASQ" in h["what"] for h in r.hops)
    assert {c.name for c in r.candidates} == {"shop/api-a", "shop/api-b"}


def test_nodeport_cluster_other_node_snat_to_flannel_and_vxlan(full):
    seed = seed_for(full, "external", "192.168.1.11:30080", "shop/api-b")
    r = trace(full, "external", "192.168.1.11:30080", seed=seed)
    assert r.delivered
    assert (r.endpoint.ip, r.endpoint.port) == ("10.244.2.10", 9090)  # the named port resolves per Pod
    assert r.source_ip_seen == "10.244.1.0"  # flannel.1 of the receiving node
    assert changes(r, "encap") == [{"type": "encap", "outer": "192.168.1.11->192.168.1.12 udp/8472"}]
    w = wheres(r)
    assert w.index("node/n1 flannel.1") < w.index("node/n2 flannel.1") < w.index("node/n2 cni0")


def test_nodeport_on_a_node_without_pods_still_works_with_cluster_policy(full):
    r = trace(full, "external:198.18.0.5", "192.168.1.10:30080")
    assert r.delivered
    assert r.source_ip_seen == "10.244.0.0"  # cp's flannel.1: every endpoint is on another node


# -- NodePort, externalTrafficPolicy Local ---------------------------------------------------------

def test_nodeport_local_keeps_client_ip(full):
    r = trace(full, "external:198.18.0.5", "192.168.1.12:30081")
    assert r.delivered
    assert r.endpoint.name == "shop/api-b"
    assert r.source_ip_seen == "198.18.0.5"
    assert [c.name for c in r.candidates] == ["shop/api-b"]
    assert changes(r, "SNAT") == []


def test_nodeport_local_without_local_endpoint_drops(full):
    r = trace(full, "external", "192.168.1.10:30081")
    assert not r.delivered
    assert r.reason == "timeout"
    assert r.endpoint is None and r.source_ip_seen is None
    assert "DROP" in r.hops[-1]["what"] and r.hops[-1]["where"] == "node/cp iptables filter"


def test_nodeport_local_from_a_pod_on_that_node_is_short_circuited(full):
    # Pod traffic to its own node's Local-policy nodePort goes to all endpoints, without masquerade
    seed = seed_for(full, "pod/shop/shell", "192.168.1.11:30081", "shop/api-b")
    r = trace(full, "pod/shop/shell", "192.168.1.11:30081", seed=seed)
    assert r.delivered and r.source_ip_seen == "10.244.1.20"
    assert {c.name for c in r.candidates} == {"shop/api-a", "shop/api-b"}
    assert any("short-circuit pod traffic" in h["what"] for h in r.hops)


def test_nodeport_local_from_a_pod_to_another_node_arrives_masqueraded(full):
    # flannel masquerades Pod -> node-IP traffic; cp sees node n2's address, has no local endpoint: DROP
    r = trace(full, "pod/debug", "192.168.1.10:30081")
    assert r.reason == "timeout"
    assert changes(r, "SNAT") == [{"type": "SNAT", "before": "10.244.2.20", "after": "192.168.1.12"}]


def test_nodeport_local_from_the_node_itself_masquerades(full):
    r = trace(full, "node/cp", "192.168.1.10:30081")
    assert r.delivered
    assert r.source_ip_seen == "10.244.0.0"


def test_port_that_is_no_nodeport_is_refused(full):
    r = trace(full, "external", "192.168.1.11:31999")
    assert (r.delivered, r.reason) == (False, "refused")
    assert "RST" in r.hops[-1]["what"]


def test_nodeport_without_endpoints_is_rejected(full):
    port = full.services[("default", "quiet")].ports[0].node_port
    r = trace(full, "external", f"192.168.1.11:{port}")
    assert r.reason == "refused"
    assert "REJECT" in r.hops[-1]["what"]


def test_node_name_as_destination(full):
    r = trace(full, "external", "n2:30081")
    assert r.delivered and r.endpoint.name == "shop/api-b"


# -- ClusterIP ------------------------------------------------------------------------------------

def test_cluster_ip_from_pod_keeps_pod_ip(full):
    for target in ("shop/api-a", "shop/api-b"):
        seed = seed_for(full, "pod/shop/shell", "10.96.0.20:80", target)
        r = trace(full, "pod/shop/shell", "10.96.0.20:80", seed=seed)
        assert r.delivered and r.endpoint.name == target
        assert r.source_ip_seen == "10.244.1.20"
        assert changes(r, "SNAT") == []


def test_cluster_ip_from_node_is_masqueraded(full):
    r = trace(full, "node/n1", "10.96.0.20:80", seed=seed_for(full, "node/n1", "10.96.0.20:80", "shop/api-a"))
    assert r.source_ip_seen == "10.244.1.1"
    assert "node/n1 iptables nat OUTPUT" in wheres(r)
    r = trace(full, "node/n1", "10.96.0.20:80", seed=seed_for(full, "node/n1", "10.96.0.20:80", "shop/api-b"))
    assert r.source_ip_seen == "10.244.1.0"


def test_cluster_ip_from_outside_is_unreachable(full):
    r = trace(full, "external", "10.96.0.20:80")
    assert (r.delivered, r.reason, r.endpoint) == (False, "unreachable", None)


def test_pod_ip_from_outside_is_unreachable(full):
    assert trace(full, "external", "10.244.1.10:8080").reason == "unreachable"


def test_service_without_endpoints_refused_udp_too(full):
    r = trace(full, "pod/debug", "dns:53/udp")
    assert r.reason == "refused"
    assert "REJECT" in r.hops[-1]["what"]


def test_cluster_ip_wrong_port_times_out(full):
    r = trace(full, "pod/debug", "10.96.0.20:81")
    assert r.reason == "timeout"


def test_cluster_ip_tcp_service_over_udp_is_not_matched(full):
    assert trace(full, "pod/debug", "10.96.0.20:80/udp").reason == "timeout"


# -- hairpin --------------------------------------------------------------------------------------

def test_hairpin_pod_reaches_itself_through_its_service(full):
    seed = seed_for(full, "pod/shop/api-a", "api:80", "shop/api-a")
    r = trace(full, "pod/shop/api-a", "api:80", seed=seed)
    assert r.delivered
    assert r.source_ip_seen == "10.244.1.1"  # the bridge address
    assert any("hairpin" in h["what"] and "KUBE-MARK-MASQ" in h["what"] for h in r.hops)


def test_hairpin_mode_off_drops_the_frame(full):
    docs = copy.deepcopy(full.documents)
    docs[0]["spec"]["hairpinMode"] = False
    scn = load_scenario_documents(docs, source="hairpin-off")
    seed = seed_for(full, "pod/shop/api-a", "api:80", "shop/api-a")
    r = trace(scn, "pod/shop/api-a", "api:80", seed=seed)
    assert (r.delivered, r.reason) == (False, "timeout")
    assert "hairpinMode is off" in r.hops[-1]["what"]
    # the other endpoint is unaffected
    other = trace(scn, "pod/shop/api-a", "api:80", seed=seed_for(scn, "pod/shop/api-a", "api:80", "shop/api-b"))
    assert other.delivered and other.source_ip_seen == "10.244.1.10"


# -- hostPort, hostNetwork ------------------------------------------------------------------------

def test_hostport_on_own_node(full):
    r = trace(full, "external", "192.168.1.11:8443")
    assert r.delivered
    assert r.endpoint.to_dict() == {"kind": "pod", "name": "ingress", "ip": "10.244.1.2", "port": 443}
    assert r.source_ip_seen == "203.0.113.10"
    assert any("CNI-HOSTPORT-DNAT" in h["what"] for h in r.hops)


def test_hostport_on_other_node_is_refused(full):
    r = trace(full, "external", "192.168.1.12:8443")
    assert r.reason == "refused"


def test_hostport_from_node_localhost_is_masqueraded(full):
    r = trace(full, "node/n1", "localhost:8443")
    assert r.delivered and r.source_ip_seen == "10.244.1.1"


def test_host_network_pod_listens_on_node_ip(full):
    r = trace(full, "external", "192.168.1.12:9100")
    assert r.delivered
    assert r.endpoint.to_dict() == {"kind": "pod", "name": "exporter", "ip": "192.168.1.12", "port": 9100}
    assert full.pods[("default", "exporter")].ip == "192.168.1.12"
    assert trace(full, "external", "192.168.1.11:9100").reason == "refused"


def test_pod_to_host_network_pod_on_other_node_leaves_as_node_ip(full):
    r = trace(full, "pod/shop/shell", "192.168.1.12:9100")
    assert r.delivered and r.source_ip_seen == "192.168.1.11"  # flannel ipMasq


# -- pod network ----------------------------------------------------------------------------------

def test_cross_node_pod_to_pod_no_nat_with_vxlan_hops(full):
    r = trace(full, "pod/shop/shell", "10.244.2.10:9090")
    assert r.delivered and r.source_ip_seen == "10.244.1.20"
    assert changes(r, "encap") == [{"type": "encap", "outer": "192.168.1.11->192.168.1.12 udp/8472"}]
    assert changes(r, "SNAT") == [] and changes(r, "DNAT") == []
    assert wheres(r) == ["pod/shop/shell eth0", "node/n1 flannel.1", "node/n2 eth0", "node/n2 flannel.1",
                         "node/n2 cni0", "pod/shop/api-b eth0"]


def test_same_node_pod_to_pod_bridged(full):
    r = trace(full, "pod/shop/shell", "10.244.1.10:8080")
    assert r.delivered and r.source_ip_seen == "10.244.1.20"
    assert "node/n1 cni0" in wheres(r)


def test_containers_of_a_pod_share_ip_and_localhost(full):
    r = trace(full, "pod/shop/api-a", "localhost:9100")
    assert r.delivered and r.endpoint.ip == "127.0.0.1" and r.source_ip_seen == "127.0.0.1"
    r = trace(full, "pod/shop/api-a", "10.244.1.10:8080")
    assert r.delivered and r.source_ip_seen == "10.244.1.10"


def test_undeclared_port_is_refused_and_annotation_overrides(full):
    assert trace(full, "pod/shop/shell", "10.244.1.10:80").reason == "refused"
    assert trace(full, "pod/shop/shell", "10.244.1.3:7000").delivered
    assert trace(full, "pod/shop/shell", "10.244.1.3:5353/udp").delivered
    r = trace(full, "pod/shop/shell", "10.244.1.3:5354/udp")
    assert r.reason == "refused" and "ICMP port unreachable" in r.hops[-1]["what"]


def test_host_gw_backend_routes_without_encapsulation(full):
    docs = copy.deepcopy(full.documents)
    docs[0]["spec"]["backend"] = "host-gw"
    scn = load_scenario_documents(docs)
    r = trace(scn, "pod/shop/shell", "10.244.2.10:9090")
    assert r.delivered and changes(r, "encap") == [] and r.source_ip_seen == "10.244.1.20"
    seed = seed_for(scn, "external", "192.168.1.11:30080", "shop/api-b")
    assert trace(scn, "external", "192.168.1.11:30080", seed=seed).source_ip_seen == "192.168.1.11"


# -- DNS ------------------------------------------------------------------------------------------

def resolver_text(r) -> str:
    """Every hop of the client's resolver (resolv.conf, then one hop per query), joined."""
    return " | ".join(h["what"] for h in r.hops if h["where"].endswith(" resolver"))


@pytest.mark.parametrize("name", ["api", "api.shop", "api.shop.svc", "api.shop.svc.cluster.local", "api.shop.svc.cluster.local."])
def test_dns_forms_from_a_pod_in_the_namespace(full, name):
    r = trace(full, "pod/shop/shell", f"{name}:80")
    assert r.delivered
    assert "A 10.96.0.20" in resolver_text(r)


def test_dns_short_name_only_in_own_namespace(full):
    assert trace(full, "pod/debug", "api:80").reason == "nxdomain"
    assert trace(full, "pod/debug", "api.shop:80").delivered


def test_no_cluster_dns_on_nodes_or_outside(full):
    assert trace(full, "node/n1", "api.shop:80").reason == "nxdomain"
    assert trace(full, "external", "api.shop.svc.cluster.local:80").reason == "nxdomain"


def test_host_network_pod_dns_policy(full):
    assert trace(full, "pod/exporter", "api.shop:80").reason == "nxdomain"
    docs = copy.deepcopy(full.documents)
    for d in docs:
        if d.get("kind") == "Pod" and d["metadata"]["name"] == "exporter":
            d["spec"]["dnsPolicy"] = "ClusterFirstWithHostNet"
    scn = load_scenario_documents(docs)
    assert trace(scn, "pod/exporter", "api.shop:80").delivered


def test_headless_service_returns_pod_ips(full):
    seen = set()
    for seed in range(20):
        r = trace(full, "pod/shop/shell", "api-headless:9090", seed=seed)
        assert "10.244.1.10, 10.244.2.10" in resolver_text(r)
        assert {(c.name, c.ip, c.port) for c in r.candidates} == {("shop/api-a", "10.244.1.10", 9090), ("shop/api-b", "10.244.2.10", 9090)}
        assert not any("KUBE-SVC" in h["what"] for h in r.hops)  # kube-proxy ignores headless Services
        seen.add((r.endpoint.name if r.endpoint else None, r.reason))
    # the client connects straight to a Pod IP on the port it asked for: api-b listens on 9090, api-a does not
    assert seen == {("shop/api-b", None), (None, "refused")}


def test_external_name_outside_the_scenario_is_resolved_not_nxdomain(full):
    """CoreDNS answers the CNAME and resolves the target upstream (plugin/pkg/upstream): a real cluster gets an
    address, so the simulator must not say NXDOMAIN; the address is outside the model, so the trace stops with
    a message that says so."""
    from quizapp.sim import TraceError

    with pytest.raises(TraceError) as exc:
        trace(full, "pod/shop/shell", "payments:443")
    text = str(exc.value)
    assert "payments.shop.svc.cluster.local is ExternalName Service shop/payments" in text
    assert "CNAME payments.example.com" in text and "outside the scenario" in text and "not traced further" in text
    assert "NXDOMAIN" not in text
    assert full.services[("shop", "payments")].cluster_ip is None


@pytest.mark.parametrize("target,why", [
    ("gone.shop.svc.cluster.local", "CoreDNS is authoritative for cluster.local"),
    ("db.example.invalid", "RFC 6761"),
])
def test_external_name_to_a_name_that_cannot_resolve_is_nxdomain(full, target, why):
    docs = copy.deepcopy(full.documents)
    for d in docs:
        if d.get("kind") == "Service" and d["metadata"]["name"] == "payments":
            d["spec"]["externalName"] = target
    scn = load_scenario_documents(docs, source="k8s-full.yaml (externalName changed)")
    r = trace(scn, "pod/shop/shell", "payments:443")
    assert r.reason == "nxdomain"
    assert f"CNAME {target}" in resolver_text(r) and why in resolver_text(r)
    # an NXDOMAIN answer (with its CNAME) sends the resolver on to the next search domain, as for any name
    assert "query payments.svc.cluster.local" in resolver_text(r)
    assert "every query got NXDOMAIN" in resolver_text(r)


def test_external_name_to_a_known_host_then_docker_publish(full):
    r = trace(full, "pod/shop/shell", "db:5432")
    assert r.delivered
    assert r.endpoint.to_dict() == {"kind": "container", "name": "postgres", "ip": "172.17.0.2", "port": 5432}
    assert r.source_ip_seen == "192.168.1.11"  # flannel masquerades the Pod to its node IP
    assert not any("KUBE-" in h["what"] for h in r.hops)


# -- endpoints ------------------------------------------------------------------------------------

def test_named_target_port_resolves_per_pod_and_skips_pods_without_it(full):
    eps = full.services[("shop", "api")].ports[0].endpoints
    assert [e.key for e in eps] == ["10.244.1.10:8080", "10.244.2.10:9090"]
    metrics = full.services[("shop", "api-metrics")].ports[0].endpoints
    assert [e.key for e in metrics] == ["10.244.1.10:9100"]
    r = trace(full, "pod/debug", "api-metrics.shop:9100", seed=7)
    assert r.delivered and r.endpoint.name == "shop/api-a" and len(r.candidates) == 1


def test_unready_pod_is_no_endpoint_but_reachable_by_ip(full):
    eps = {e.ip for e in full.services[("shop", "api")].ports[0].endpoints}
    assert "10.244.2.11" not in eps
    assert trace(full, "pod/debug", "10.244.2.11:8080").delivered


def test_endpoint_slice_for_selectorless_service(full):
    r = trace(full, "pod/shop/shell", "legacy:5432")
    assert r.delivered
    assert r.endpoint.name == "postgres"
    assert [c.to_dict() for c in r.candidates] == [{"kind": "host", "name": "dbhost", "ip": "192.168.1.60", "port": 5432}]


def test_deployment_expands_to_pods_on_schedulable_nodes(full):
    pods = [p for p in full.pods.values() if p.owner == "cache"]
    assert len(pods) == 3
    assert all(p.name.startswith("cache-") and len(p.name.split("-")) == 3 for p in pods)
    assert {p.node.name for p in pods} == {"n1", "n2"}  # cp is tainted NoSchedule
    assert all(p.labels["pod-template-hash"] == pods[0].labels["pod-template-hash"] for p in pods)
    again = load("k8s-full.yaml")
    assert sorted(p.name for p in again.pods.values() if p.owner == "cache") == sorted(p.name for p in pods)
    r = trace(full, "pod/debug", "cache.shop:6379")
    assert r.delivered and len(r.candidates) == 3


def test_internal_traffic_policy_local(full):
    r = trace(full, "pod/debug", "api-node-local.shop:80", seed=3)
    assert r.delivered and r.endpoint.name == "shop/api-b"
    assert [c.name for c in r.candidates] == ["shop/api-b"]
    r = trace(full, "node/cp", f"{full.services[('shop', 'api-node-local')].cluster_ip}:80")
    assert r.reason == "timeout" and "DROP" in r.hops[-1]["what"]


def test_load_balancer_ip(full):
    r = trace(full, "external", "198.51.100.7:443")
    assert r.delivered
    assert r.hops[1]["where"] == "loadbalancer 198.51.100.7"
    assert changes(r, "SNAT")  # Cluster policy: masqueraded
    assert trace(full, "external", "198.51.100.7:80").reason == "timeout"
    assert trace(full, "pod/debug", "198.51.100.7:443").delivered


# -- load balancing -------------------------------------------------------------------------------

def test_same_seed_same_choice(full):
    a = trace(full, "pod/debug", "cache.shop:6379", seed=42).to_dict()
    b = trace(full, "pod/debug", "cache.shop:6379", seed=42).to_dict()
    assert a == b


def test_statistic_rules_give_uniform_choice(full):
    counts = Counter(trace(full, "pod/debug", "cache.shop:6379", seed=s).endpoint.ip for s in range(3000))
    assert set(counts) == {"10.244.1.4", "10.244.1.5", "10.244.2.2"}
    for n in counts.values():
        assert 850 < n < 1150


def test_statistic_probabilities_in_hops(full):
    texts = {h["what"] for s in range(50) for h in trace(full, "pod/debug", "cache.shop:6379", seed=s).hops}
    assert any("--probability 0.33333" in t for t in texts)
    assert any("--probability 0.50000" in t for t in texts)
    assert any("rule 3 of 3" in t for t in texts)


def test_session_affinity_pins_a_client(full):
    series = trace_series(full, "pod/debug", "api-sticky.shop:80", 20, seed=5)
    assert len({r.endpoint.name for r in series}) == 1
    assert any("-m recent --rcheck" in h["what"] for h in series[1].hops)
    plain = trace_series(full, "pod/debug", "api.shop:80", 20, seed=5)
    assert len({r.endpoint.name for r in plain}) == 2


# -- sources --------------------------------------------------------------------------------------

def test_unknown_sources_and_destinations_raise(full):
    from quizapp.sim import TraceError
    for src, dst in [("pod/nope", "api:80"), ("node/x", "1.2.3.4:80"), ("bogus", "a:1"), ("external:300.1.1.1", "a:1"),
                     ("external", "192.168.1.11"), ("external", "192.168.1.11:99999"), ("external", "1.2.3.4:80/icmp"),
                     ("external:192.168.1.11", "192.168.1.12:80")]:
        with pytest.raises(TraceError):
            trace(full, src, dst)


def test_to_dict_has_exactly_the_issue_fields(basic):
    d = trace(basic, "external", "192.168.1.11:30080").to_dict()
    assert list(d) == ["delivered", "endpoint", "candidates", "source_ip_seen", "reason", "hops"]
    assert all({"where", "what"} <= set(h) for h in d["hops"])


# -- more sources and protocols -------------------------------------------------------------------

UDP_SCENARIO = "\n" + NODE_N1 + """\
---
apiVersion: v1
kind: Node
metadata: {name: n2}
spec: {podCIDR: 10.244.2.0/24}
status: {addresses: [{type: InternalIP, address: 192.168.1.12}]}
---
apiVersion: v1
kind: Pod
metadata: {name: coredns, labels: {k8s-app: dns}}
spec:
  nodeName: n2
  containers: [{name: c, ports: [{name: dns, containerPort: 53, protocol: UDP}, {name: dns-tcp, containerPort: 53}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: c}
spec: {containers: [{name: c}]}
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns}
spec:
  clusterIP: 10.96.0.10
  selector: {k8s-app: dns}
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: dns}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: dns-tcp}
---
apiVersion: v1
kind: Service
metadata: {name: lb-local}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector: {k8s-app: dns}
  ports: [{port: 53, protocol: UDP}]
status: {loadBalancer: {ingress: [{ip: 198.51.100.9}]}}
"""


def test_udp_service_and_unscheduled_pod_placement():
    from quizapp.sim import load_scenario
    scn = load_scenario(UDP_SCENARIO)
    c = scn.pods[("default", "c")]
    assert c.node.name == "n1" and c.ip == "10.244.1.2"  # scheduled round-robin, first free address
    r = trace(scn, "pod/c", "kube-dns:53/udp")
    assert r.delivered and r.endpoint.to_dict() == {"kind": "pod", "name": "coredns", "ip": "10.244.2.2", "port": 53}
    assert trace(scn, "pod/c", "10.96.0.10:53").delivered  # the TCP port is a separate service port


def test_load_balancer_local_sends_only_to_nodes_with_endpoints():
    from quizapp.sim import load_scenario
    scn = load_scenario(UDP_SCENARIO)
    for seed in range(10):
        r = trace(scn, "external", "198.51.100.9:53/udp", seed=seed)
        assert r.delivered and r.source_ip_seen == "203.0.113.10"
        assert "node/n2" in r.hops[1]["what"]


def test_node_to_pod_source_addresses(full):
    assert trace(full, "node/n1", "10.244.1.10:8080").source_ip_seen == "10.244.1.1"
    assert trace(full, "node/n1", "10.244.2.10:9090").source_ip_seen == "10.244.1.0"
    assert trace(full, "node/n1", "10.244.1.99:80").reason == "unreachable"


# -- a Service whose endpoint is a hostNetwork Pod on the client's own node ------------------------

HOSTNET_SAME_NODE = """
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
metadata: {name: exporter, labels: {app: exporter}}
spec:
  nodeName: n2
  hostNetwork: true
  containers: [{name: e, image: e, ports: [{containerPort: 9100}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: client-2}
spec: {nodeName: n2, containers: [{name: sh, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client-1}
spec: {nodeName: n1, containers: [{name: sh, image: busybox}]}
---
apiVersion: v1
kind: Service
metadata: {name: exporter}
spec:
  selector: {app: exporter}
  clusterIP: 10.96.0.56
  type: NodePort
  ports: [{port: 9100, nodePort: 30910}]
"""


@pytest.mark.parametrize("mode", ["iptables", "nftables"])
def test_hostnetwork_endpoint_on_the_client_pods_node_sees_the_pod_ip(mode):
    """DNAT to the node's own address: local delivery (INPUT), no POSTROUTING, so no masquerade (kernel-proven
    in tests/kernel: service-with-hostnetwork-endpoint-from-pod-on-its-node)."""
    from quizapp.sim import load_scenario

    text = HOSTNET_SAME_NODE + f"---\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: {mode}\nclusterCIDR: 10.244.0.0/16\n"
    scn = load_scenario(text, source="hostnet")
    client_ip = scn.pods[("default", "client-2")].ip
    r = trace(scn, "pod/client-2", "10.96.0.56:9100")
    assert r.delivered and r.endpoint.name == "exporter" and r.endpoint.ip == "192.168.1.12"
    assert r.source_ip_seen == client_ip
    assert changes(r, "SNAT") == []
    assert any("delivered locally" in h["what"] for h in r.hops)
    # from a Pod on the other node the packet leaves over the LAN: flannel masquerades it to n1's address
    r = trace(scn, "pod/client-1", "10.96.0.56:9100")
    assert r.delivered and r.source_ip_seen == "192.168.1.11"
    # an outside client on the endpoint's own NodePort (policy Cluster): marked for masquerade, but delivered
    # locally, so KUBE-POSTROUTING never sees it and the client address is kept
    r = trace(scn, "external", "192.168.1.12:30910")
    assert r.delivered and r.source_ip_seen == "203.0.113.10"

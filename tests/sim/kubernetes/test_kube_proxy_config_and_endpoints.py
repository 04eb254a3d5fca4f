"""A pasted KubeProxyConfiguration changes the trace as kube-proxy's rules would; EndpointSlice conditions
(serving-terminating fallback) decide which endpoints get new connections."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.sim import ScenarioError, load_scenario, trace

from ..helpers import NODE_N1

KERNEL = Path(__file__).resolve().parents[2] / "kernel" / "scenarios" / "kubeproxy.yaml"


@pytest.fixture(scope="module")
def scn():
    return load_scenario(KERNEL.read_text(), source="kubeproxy.yaml")


def test_masquerade_all_hides_the_pod_source(scn):
    r = trace(scn, "pod/client", "10.96.0.61:80")
    assert r.source_ip_seen == "10.244.1.0" and any("masqueradeAll" in h["what"] for h in r.hops)


def test_node_port_addresses_and_localhost(scn):
    assert trace(scn, "node/n1", "127.0.0.1:30060").reason == "refused"
    r = trace(scn, "pod/client", "10.244.1.1:30060")
    assert r.reason == "refused" and "nodePortAddresses" in r.hops[-2]["what"]
    assert trace(scn, "external", "192.168.1.11:30060").delivered


def test_serving_terminating_fallback(scn):
    r = trace(scn, "pod/client", "10.96.0.60:80")
    assert r.endpoint.name == "old-1" and any("serving-terminating" in h["what"] for h in r.hops)
    assert {c.name for c in trace(scn, "pod/client", "10.96.0.61:80").candidates} == {"new-2"}
    assert trace(scn, "pod/client", "10.96.0.62:80").reason == "refused"


def test_without_a_cluster_cidr_pod_traffic_is_not_recognised():
    text = KERNEL.read_text().replace("clusterCIDR: 10.244.0.0/16\n", "").replace("masqueradeAll: true", "masqueradeAll: false")
    scn = load_scenario(text)
    r = trace(scn, "node/n2", "10.96.0.61:80")  # no detector: no "! -s clusterCIDR" masquerade rule
    assert r.delivered and r.source_ip_seen == "192.168.1.12" and not any("KUBE-MARK-MASQ" in h["what"] for h in r.hops)


@pytest.mark.parametrize("edit,path,words", [
    (("mode: iptables", "mode: kernelspace"), "mode", "not modelled: mode kernelspace"),
    (("  syncPeriod: 30s", "  syncPeriod: 30s\n  masqueradeALL: true"), "iptables.masqueradeALL", "unknown field"),
    (("mode: iptables", "mode: iptables\nbindAdress: 0.0.0.0"), "bindAdress", "unknown field"),
])
def test_kube_proxy_configuration_refusals(edit, path, words):
    with pytest.raises(ScenarioError) as info:
        load_scenario(KERNEL.read_text().replace(*edit), source="kp.yaml")
    p = info.value.problems[0]
    assert p.path == path and words in p.message and p.document == 1 and p.line is not None


LB = """\
apiVersion: quizapp.io/v1
kind: Cluster
spec: {loadBalancer: MODE}
---
apiVersion: v1
kind: Node
metadata: {name: n1}
spec: {podCIDR: 10.244.1.0/24}
status: {addresses: [{type: InternalIP, address: 192.168.1.11}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, labels: {app: web}}
spec:
  nodeName: n1
  containers: [{name: c, image: nginx, ports: [{containerPort: 8080}]}]
status: {podIP: 10.244.1.5, phase: Running, conditions: [{type: Ready, status: "False"}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
status: {loadBalancer: {ingress: [{ip: 192.168.1.240}]}}
"""


def test_no_healthy_node_cloud_versus_metallb():
    metallb = trace(load_scenario(LB.replace("MODE", "metallb")), "external", "192.168.1.240:80")
    assert metallb.reason == "timeout" and "no node announces" in metallb.hops[-1]["what"]
    cloud = trace(load_scenario(LB.replace("MODE", "cloud")), "external", "192.168.1.240:80")
    # sent to a node anyway, where kube-proxy has no endpoint for the Service: REJECT
    assert cloud.reason == "refused" and "sends to every node" in cloud.hops[1]["what"]


SCTP = NODE_N1 + """\
---
apiVersion: v1
kind: Pod
metadata: {name: sig, labels: {app: sig}}
spec:
  nodeName: n1
  containers: [{name: c, image: sctp-server, ports: [{containerPort: 3868, protocol: SCTP}]}]
status: {podIP: 10.244.1.5}
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  nodeName: n1
  containers: [{name: c, image: busybox}]
status: {podIP: 10.244.1.6}
---
apiVersion: v1
kind: Service
metadata: {name: diameter}
spec:
  type: NodePort
  selector: {app: sig}
  ports: [{port: 3868, protocol: SCTP, nodePort: 30868}]
"""


def test_sctp_through_a_service_and_a_closed_port():
    scn = load_scenario(SCTP)
    r = trace(scn, "pod/client", "diameter:3868/sctp")
    assert r.delivered and r.endpoint.name == "sig" and any("-p sctp" in h["what"] for h in r.hops)
    assert trace(scn, "external", "192.168.1.11:30868/sctp").delivered
    closed = trace(scn, "pod/client", "10.244.1.5:3869/sctp")
    assert closed.reason == "refused" and "SCTP ABORT" in closed.hops[-1]["what"]
    assert trace(scn, "pod/client", "diameter:3868/tcp").reason == "timeout"  # no TCP rule for the SCTP port


def test_load_balancer_source_ranges_filter_outside_and_inside_clients():
    text = LB.replace("MODE", "metallb").replace('status: "False"', 'status: "True"').replace(
        "  externalTrafficPolicy: Local\n", "  loadBalancerSourceRanges: [203.0.113.0/25]\n") + """\
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  nodeName: n1
  containers: [{name: c, image: busybox}]
status: {podIP: 10.244.1.9}
"""
    scn = load_scenario(text)
    assert trace(scn, "external:203.0.113.10", "192.168.1.240:80").delivered
    denied = trace(scn, "external:203.0.113.200", "192.168.1.240:80")
    assert denied.reason == "timeout" and "KUBE-PROXY-FIREWALL" in denied.hops[-1]["what"]
    inside = trace(scn, "pod/client", "192.168.1.240:80")  # in-cluster clients are filtered too
    assert inside.reason == "timeout" and "KUBE-FW-" in inside.hops[-2]["what"]
    with pytest.raises(ScenarioError) as info:
        load_scenario(text.replace("type: LoadBalancer", "type: NodePort"))
    assert any(p.path == "spec.loadBalancerSourceRanges" for p in info.value.problems)


def test_outside_clients_with_a_route_to_the_service_cidr():
    from tests.kernel.conftest import load as kernel_load
    plain = kernel_load("k8s.yaml")
    assert trace(plain, "external", "10.96.0.50:80").reason == "unreachable"
    routed = kernel_load("k8s.yaml", serviceRouteVia="n3")
    r = trace(routed, "external", "10.96.0.50:80")
    assert r.delivered and r.source_ip_seen == "10.244.3.0"  # ! -s clusterCIDR: masqueraded on n3
    with pytest.raises(ScenarioError):
        kernel_load("k8s.yaml", serviceRouteVia="n9")


def test_health_check_node_port_reports_local_ready_endpoints():
    from tests.kernel.conftest import load as kernel_load
    scn = kernel_load("k8s.yaml")
    ok = trace(scn, "external", "192.168.1.11:32100")
    assert ok.endpoint.kind == "node" and '200 OK: {"localEndpoints": 1}' in ok.hops[-1]["what"]
    assert '503 Service Unavailable: {"localEndpoints": 0}' in trace(scn, "external", "192.168.1.13:32100").hops[-1]["what"]

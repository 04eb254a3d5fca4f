"""A pasted KubeProxyConfiguration changes the trace as kube-proxy's rules would; EndpointSlice conditions
(serving-terminating fallback) decide which endpoints get new connections."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.sim import ScenarioError, load_scenario, trace

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
    (("mode: iptables", "mode: ipvs"), "mode", "not modelled yet"),
    (("  syncPeriod: 30s", "  syncPeriod: 30s\n  masqueradeALL: true"), "iptables.masqueradeALL", "unknown field"),
    (("mode: iptables", "mode: iptables\nbindAdress: 0.0.0.0"), "bindAdress", "unknown field"),
])
def test_kube_proxy_configuration_refusals(edit, path, words):
    with pytest.raises(ScenarioError) as info:
        load_scenario(KERNEL.read_text().replace(*edit), source="kp.yaml")
    p = info.value.problems[0]
    assert p.path == path and words in p.message and p.document == 1 and p.line is not None

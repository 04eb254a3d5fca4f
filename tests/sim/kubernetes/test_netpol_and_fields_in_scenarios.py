"""NetworkPolicy and the field checks inside whole scenarios: refusals with document, line and path; the plugin
setting; hops naming the policy and rule."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from quizapp.sim import ScenarioError, load_scenario, trace

from ..helpers import NODE_N1

KERNEL = Path(__file__).resolve().parents[2] / "kernel" / "scenarios" / "netpol.yaml"

BASE = NODE_N1 + """\
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  nodeName: n1
  containers: [{name: c, image: nginx, ports: [{containerPort: 8080}]}]
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
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny}
spec:
  podSelector: {}
  policyTypes: [Ingress]
"""


def problems(text):
    with pytest.raises(ScenarioError) as info:
        load_scenario(textwrap.dedent(text), source="s.yaml")
    return info.value.problems


def test_policies_are_ignored_unless_the_plugin_enforces_them():
    scn = load_scenario(BASE)
    r = trace(scn, "pod/client", "10.244.1.5:8080")
    assert r.delivered and any("have no effect" in w for w in scn.warnings)
    enforced = load_scenario("apiVersion: quizapp.io/v1\nkind: Cluster\nspec: {networkPolicy: enforced}\n---\n" + BASE)
    r = trace(enforced, "pod/client", "10.244.1.5:8080")
    assert r.reason == "timeout"
    assert "isolated for ingress by default/deny" in r.hops[-1]["what"]
    assert r.hops[-1]["where"] == "node/n1 policy (filter FORWARD)"


def test_the_hop_names_the_policy_and_rule_that_allowed():
    scn = load_scenario(KERNEL.read_text())
    r = trace(scn, "pod/tools/debug", "10.244.2.5:5432")
    assert r.delivered
    assert any("allowed by NetworkPolicy shop/db-allow ingress[0]" in h["what"] for h in r.hops)
    r = trace(scn, "pod/shop/batch", "10.244.2.5:5432")  # egress on batch's node, then ingress at db
    allowed = [h["what"] for h in r.hops if "allowed by" in h["what"]]
    assert "shop/batch-egress egress[0]" in allowed[0] and "shop/db-allow ingress[1]" in allowed[1]


def test_the_policy_sees_the_packet_after_dnat_and_before_masquerade():
    scn = load_scenario(KERNEL.read_text())
    via_n1 = trace(scn, "external:203.0.113.10", "192.168.1.11:30080")
    via_n2 = trace(scn, "external:203.0.113.10", "192.168.1.12:30080")
    assert via_n1.delivered and via_n1.source_ip_seen == "10.244.1.1"  # masqueraded after the check
    assert via_n2.reason == "timeout" and "10.244.2.0 -> 10.244.1.5:8080" in via_n2.hops[-1]["what"]


def test_unknown_and_unmodelled_fields_are_refused_with_line_and_path():
    ps = problems(BASE + """\
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  trafficDistribution: PreferClose
  ports: [{port: 80, targetport: 8080}]
""")
    got = {(p.path, p.line) for p in ps}
    assert ("spec.trafficDistribution", 35) in got and ("spec.ports[0].targetport", 36) in got
    assert all(p.document == 5 for p in ps)


def test_bad_network_policy_and_cluster_setting():
    ps = problems("apiVersion: quizapp.io/v1\nkind: Cluster\nspec: {networkPolicy: on}\n---\n" + BASE.replace(
        "policyTypes: [Ingress]", "policyTypes: [Inbound]"))
    assert {p.path for p in ps} == {"spec.networkPolicy", "spec.policyTypes[0]"}


def test_warning_where_kubernetes_ignores_a_field():
    scn = load_scenario(BASE + """\
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  loadBalancerIP: 192.168.1.240
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
""")
    assert any(w.startswith("<scenario>:35: document 5, spec.loadBalancerIP:") for w in scn.warnings)

"""Name resolution from Pods: resolv.conf per dnsPolicy / dnsConfig, every query in search-list order, CoreDNS's
records (Services, headless per-Pod records, pods insecure), and a NetworkPolicy that blocks the query itself."""

from __future__ import annotations

import textwrap

import pytest

from quizapp.sim import ScenarioError, load_scenario, trace

from ..helpers import NODE_N1, SHOP_CLIENT

SCENARIO = NODE_N1 + "---\n" + SHOP_CLIENT + """\
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: data, labels: {app: db}}
spec:
  nodeName: n1
  hostname: db-0
  subdomain: db
  containers: [{name: c, image: postgres, ports: [{containerPort: 5432}]}]
status: {podIP: 10.244.1.20}
---
apiVersion: v1
kind: Pod
metadata: {name: db-x, namespace: data, labels: {app: db}}
spec:
  nodeName: n1
  containers: [{name: c, image: postgres, ports: [{containerPort: 5432}]}]
status: {podIP: 10.244.1.21}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: data}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{port: 5432}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: data}
spec:
  clusterIP: 10.96.0.80
  selector: {app: db}
  ports: [{port: 80, targetPort: 5432}]
"""


def resolver(r):
    return [h["what"] for h in r.hops if h["where"].endswith(" resolver")]


@pytest.fixture(scope="module")
def scn():
    return load_scenario(SCENARIO)


def test_every_query_in_search_list_order(scn):
    r = trace(scn, "pod/shop/client", "web.data:80")
    hops = resolver(r)
    assert "search shop.svc.cluster.local svc.cluster.local cluster.local; options ndots:5" in hops[0]
    assert hops[1].startswith("query web.data.shop.svc.cluster.local to 10.96.0.10: NXDOMAIN")
    assert hops[2].startswith("query web.data.svc.cluster.local to 10.96.0.10: A 10.96.0.80")
    assert r.delivered


def test_a_name_with_five_dots_is_asked_as_is_first(scn):
    r = trace(scn, "pod/shop/client", "a.b.c.d.e.f:80")
    queries = [h.split(" to ")[0] for h in resolver(r)[1:-1]]
    assert queries == ["query a.b.c.d.e.f", "query a.b.c.d.e.f.shop.svc.cluster.local",
                       "query a.b.c.d.e.f.svc.cluster.local", "query a.b.c.d.e.f.cluster.local"]
    assert r.reason == "nxdomain"


def test_headless_per_pod_records(scn):
    by_hostname = trace(scn, "pod/shop/client", "db-0.db.data:5432")
    assert by_hostname.delivered and by_hostname.endpoint.name == "data/db-0"
    by_dashed_ip = trace(scn, "pod/shop/client", "10-244-1-21.db.data.svc.cluster.local:5432")
    assert by_dashed_ip.delivered and by_dashed_ip.endpoint.name == "data/db-x"
    assert trace(scn, "pod/shop/client", "10-244-1-20.db.data:5432").reason == "nxdomain"  # db-0 has a hostname
    pod_record = trace(scn, "pod/shop/client", "10-244-1-21.data.pod.cluster.local:5432")
    assert pod_record.delivered and "pods insecure" in " ".join(resolver(pod_record))


def test_dns_policy_default_and_none():
    default = load_scenario(SCENARIO.replace("  containers: [{name: c, image: busybox}]",
                                             "  dnsPolicy: Default\n  containers: [{name: c, image: busybox}]"))
    r = trace(default, "pod/shop/client", "web.data:80")
    assert r.reason == "nxdomain" and "the node's resolv.conf" in resolver(r)[0]
    assert trace(default, "pod/shop/client", "n1:22").reason == "refused"  # the LAN's names still resolve
    none = load_scenario(SCENARIO.replace(
        "  containers: [{name: c, image: busybox}]",
        "  dnsPolicy: None\n  dnsConfig: {nameservers: [10.96.0.10], searches: [data.svc.cluster.local], "
        "options: [{name: ndots, value: '1'}]}\n  containers: [{name: c, image: busybox}]"))
    r = trace(none, "pod/shop/client", "web:80")
    assert r.delivered and resolver(r)[1].startswith("query web.data.svc.cluster.local")


def test_dns_policy_none_needs_a_nameserver():
    with pytest.raises(ScenarioError) as info:
        load_scenario(SCENARIO.replace("  containers: [{name: c, image: busybox}]",
                                       "  dnsPolicy: None\n  containers: [{name: c, image: busybox}]"))
    assert info.value.problems[0].path == "spec.dnsConfig" and "at least one DNS nameserver" in info.value.problems[0].message


EGRESS = """\
---
apiVersion: quizapp.io/v1
kind: Cluster
spec: {networkPolicy: enforced}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-db, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: data}}}]
    ports: [{port: 5432}, {port: 80}]
"""

ALLOW_DNS = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: dns, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
    ports: [{port: 53, protocol: UDP}]
"""


def test_egress_isolation_blocks_the_dns_query_itself():
    blocked = load_scenario(SCENARIO + EGRESS)
    r = trace(blocked, "pod/shop/client", "web.data:80")
    assert r.reason == "timeout" and "DNS query to CoreDNS" in r.hops[-1]["what"]
    assert trace(blocked, "pod/shop/client", "10.96.0.80:80").delivered  # by address it works
    fixed = load_scenario(SCENARIO + EGRESS + ALLOW_DNS)
    r = trace(fixed, "pod/shop/client", "web.data:80")
    assert r.delivered and any("allowed by NetworkPolicy shop/dns egress[0]" in h["what"] for h in r.hops)

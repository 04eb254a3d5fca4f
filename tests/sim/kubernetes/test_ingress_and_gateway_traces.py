"""URL destinations traced through ingress-nginx and a Gateway's proxy (tests/sim/scenarios/k8s-ingress.yaml,
k8s-gateway.yaml): the L4 path to the proxy, the L7 hop, and the proxy's own connection to the backend."""

from __future__ import annotations

import json

import yaml
from click.testing import CliRunner

from quizapp.commands.sim import sim_cli
from quizapp.sim import load_scenario_documents, trace, trace_series

from ..helpers import SCENARIOS, load

CTRL_IP = "10.244.1.3"  # the ingress-nginx controller Pod (on n1)


def _docs(name: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((SCENARIOS / name).read_text()) if d]


def _find(docs: list[dict], kind: str, name: str) -> dict:
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)


def _http(result) -> dict:
    hops = [h for h in result.hops if "http" in h]
    assert len(hops) == 1, result.hops
    return hops[0]["http"]


def test_https_request_is_routed_by_path_and_the_backend_sees_the_controller():
    r = trace(load("k8s-ingress.yaml"), "external", "https://shop.example.com/cart/x")
    assert r.delivered and r.endpoint.name == "cart-1" and r.endpoint.port == 8080
    assert r.source_ip_seen == CTRL_IP  # the app's socket sees the controller Pod
    info = _http(r)
    assert info["x_forwarded_for"] == "203.0.113.10"  # externalTrafficPolicy Local kept the client address
    assert info["backend"] == "default/cart:80" and info["status"] is None
    assert "Prefix /cart" in info["matched"] and "shop-tls" in info["tls"]
    assert [c.name for c in r.candidates] == ["cart-1"]
    assert any("external-dns record shop.example.com" in h["what"] for h in r.hops)


def test_http_to_a_tls_host_is_redirected_and_no_match_is_404():
    scn = load("k8s-ingress.yaml")
    r = trace(scn, "external", "http://shop.example.com/cart")
    info = _http(r)
    assert r.delivered and r.endpoint.ip == CTRL_IP and info["status"] == 308
    assert info["location"] == "https://shop.example.com/cart"
    r = trace(scn, "external", "http://api.example.com/v2")
    assert r.delivered and r.endpoint.ip == CTRL_IP and _http(r)["status"] == 404
    r = trace(scn, "external", "http://api.example.com/down")
    assert _http(r)["status"] == 503 and "no ready endpoints" in r.hops[-1]["what"]


def test_a_dns_wildcard_resolves_deeper_names_that_the_ingress_wildcard_does_not_match():
    r = trace(load("k8s-ingress.yaml"), "external", "http://a.b.apps.example.com/")
    assert _http(r)["status"] == 404 and any("catch-all server _" in h["what"] for h in r.hops)
    r = trace(load("k8s-ingress.yaml"), "external", "http://a.apps.example.com/")
    assert r.endpoint.name == "fallback-1"


def test_with_policy_cluster_x_forwarded_for_holds_a_node_address():
    docs = _docs("k8s-ingress.yaml")
    _find(docs, "Service", "ingress-nginx-controller")["spec"]["externalTrafficPolicy"] = "Cluster"
    scn = load_scenario_documents(docs)
    seen = set()
    for seed in range(8):
        r = trace(scn, "external", "https://shop.example.com/", seed=seed)
        xff = _http(r)["x_forwarded_for"]
        assert xff != "203.0.113.10" and r.source_ip_seen == CTRL_IP
        seen.add(xff)
    assert seen <= {"10.244.1.1", "10.244.2.0"}  # cni0 of n1 (hairpin to the local Pod), flannel.1 of n2


def test_a_pod_resolves_the_host_through_cluster_dns_and_upstream():
    r = trace(load("k8s-ingress.yaml"), "pod/shop-1", "https://shop.example.com/cart")
    assert r.delivered and r.endpoint.name == "cart-1" and r.source_ip_seen == CTRL_IP
    asked = [h["what"] for h in r.hops if "resolver" in h["where"]]
    assert any("shop.example.com.default.svc.cluster.local" in a and "NXDOMAIN" in a for a in asked)
    assert any("external-dns" in a for a in asked)


def test_ingress_class_selects_the_controller():
    docs = _docs("k8s-ingress.yaml")
    _find(docs, "Ingress", "shop")["spec"]["ingressClassName"] = "haproxy"
    scn = load_scenario_documents(docs)
    assert any("served by no ingress controller" in w and "haproxy" in w for w in scn.warnings)
    assert trace(scn, "external", "http://shop.example.com/").reason == "nxdomain"  # nobody wrote its status
    r = trace(scn, "external", "http://192.168.1.240/")  # straight to the controller: the catch-all 404
    assert _http(r)["status"] == 404
    # no class, no default IngressClass: only --watch-ingress-without-class=true reads it
    docs = _docs("k8s-ingress.yaml")
    del _find(docs, "Ingress", "shop")["spec"]["ingressClassName"]
    del _find(docs, "IngressClass", "nginx")["metadata"]["annotations"]
    assert any("no class" in w for w in load_scenario_documents(docs).warnings)
    ctrl = _find(docs, "Deployment", "ingress-nginx-controller")["spec"]["template"]["spec"]["containers"][0]
    ctrl["args"].append("--watch-ingress-without-class=true")
    assert trace(load_scenario_documents(docs), "external", "https://shop.example.com/cart").endpoint.name == "cart-1"


def test_a_nodeport_controller_publishes_node_addresses_and_is_reached_on_the_nodeport():
    docs = _docs("k8s-ingress.yaml")
    svc = _find(docs, "Service", "ingress-nginx-controller")
    svc["spec"]["type"] = "NodePort"
    del svc["status"]
    args = _find(docs, "Deployment", "ingress-nginx-controller")["spec"]["template"]["spec"]["containers"][0]["args"]
    args.remove("--publish-service=$(POD_NAMESPACE)/ingress-nginx-controller")
    scn = load_scenario_documents(docs)
    r = trace(scn, "external", "https://shop.example.com:30443/cart")
    assert r.hops[0]["what"].startswith("shop.example.com -> 192.168.1.11")  # the node running the controller
    assert r.endpoint.name == "cart-1" and _http(r)["x_forwarded_for"] == "203.0.113.10"


def test_service_upstream_goes_through_the_cluster_ip_and_a_dead_backend_gives_502():
    docs = _docs("k8s-ingress.yaml")
    _find(docs, "Ingress", "shop")["metadata"]["annotations"] = {"nginx.ingress.kubernetes.io/service-upstream": "true"}
    _find(docs, "Pod", "cart-1")["spec"]["containers"][0]["ports"] = [{"containerPort": 9999}]
    _find(docs, "Service", "cart")["spec"]["ports"][0]["targetPort"] = 9999
    scn = load_scenario_documents(docs)
    r = trace(scn, "external", "https://shop.example.com/")
    assert r.endpoint.name == "shop-1" and any("KUBE-SERVICES" in h["what"] and "default/shop" in h["what"] for h in r.hops)
    docs[docs.index(_find(docs, "Pod", "cart-1"))]["metadata"]["annotations"] = {"quizapp.io/listen": "8080"}
    r = trace(load_scenario_documents(docs), "external", "https://shop.example.com/cart")
    assert r.reason == "refused" and _http(r)["status"] == 502


def test_gateway_weights_give_several_candidates():
    scn = load("k8s-gateway.yaml")
    results = trace_series(scn, "external", "http://shop.example.com/", 200, seed=1)
    names = [r.endpoint.name for r in results]
    assert {c.name for c in results[0].candidates} == {"v1-1", "v2-1"}
    assert 150 <= names.count("v1-1") <= 195  # weight 90 of 100
    assert all(r.source_ip_seen == "10.244.1.2" for r in results)  # the Envoy Pod


def test_gateway_listeners_hostnames_tls_and_invalid_refs():
    scn = load("k8s-gateway.yaml")
    r = trace(scn, "external", "https://shop.example.com/beta")
    info = _http(r)
    assert r.endpoint.name == "v2-1" and "Exact /beta" in info["matched"] and "shop-cert" in info["tls"]
    r = trace(scn, "external", "http://x.y.example.com/docs/a")  # *.example.com covers several labels here
    assert r.endpoint.name == "v2-1" and "httproute/default/wild" in _http(r)["matched"]
    assert _http(trace(scn, "external", "http://shop.example.com/other"))["status"] == 500  # no ReferenceGrant
    assert _http(trace(scn, "external", "https://api.example.com/"))["status"] == 404  # no listener for it
    assert _http(trace(scn, "external", "http://x.example.com/nothing"))["status"] == 404


def test_the_cli_traces_a_url_and_keeps_the_json_fields():
    out = CliRunner().invoke(sim_cli, ["trace", str(SCENARIOS / "k8s-ingress.yaml"), "--from", "external",
                                       "--to", "https://shop.example.com/cart", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert list(data) == ["delivered", "endpoint", "candidates", "source_ip_seen", "reason", "hops"]
    http = [h["http"] for h in data["hops"] if "http" in h][0]
    assert set(http) >= {"host", "path", "matched", "backend", "status", "x_forwarded_for", "tls"}
    bad = CliRunner().invoke(sim_cli, ["trace", str(SCENARIOS / "k8s-ingress.yaml"), "--from", "external",
                                       "--to", "gopher://x.example.com/"])
    assert bad.exit_code != 0 and "http://" in bad.output


def test_a_hostnetwork_controller_proxies_from_its_node_address():
    docs = _docs("k8s-ingress.yaml")
    spec = _find(docs, "Deployment", "ingress-nginx-controller")["spec"]["template"]["spec"]
    spec["hostNetwork"] = True
    scn = load_scenario_documents(docs)
    r = trace(scn, "external", "https://192.168.1.11/cart")  # straight to the node, Host is the address
    assert _http(r)["status"] == 404  # no rule for that host: the catch-all server
    r = trace(scn, "external", "https://shop.example.com/cart")
    assert r.endpoint.name == "cart-1" and r.source_ip_seen == "10.244.1.0"  # n1's flannel.1 towards n2's Pods


def test_the_backend_leg_meets_network_policy_as_the_controller_pod():
    docs = _docs("k8s-ingress.yaml")
    docs.append({"apiVersion": "quizapp.io/v1", "kind": "Cluster", "spec": {"networkPolicy": "enforced"}})
    docs.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                 "metadata": {"name": "cart-from-ingress"},
                 "spec": {"podSelector": {"matchLabels": {"app": "cart"}},
                          "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
                              "kubernetes.io/metadata.name": "${ns}"}}}]}]}})
    for ns, ok in (("ingress-nginx", True), ("other", False)):
        docs[-1]["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] = ns
        r = trace(load_scenario_documents(docs), "external", "https://shop.example.com/cart")
        assert r.delivered is ok
        if not ok:
            assert r.reason == "timeout" and _http(r)["status"] == 504

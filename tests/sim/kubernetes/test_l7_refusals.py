"""What Ingress and Gateway API objects may hold: the API server's checks, and refusals of what changes routing
without being modelled, each with its document, field path and line."""

from __future__ import annotations

import pytest

from quizapp.sim import ScenarioError, load_scenario

from ..helpers import SCENARIOS

BASE = (SCENARIOS / "k8s-ingress.yaml").read_text()
GATEWAY = (SCENARIOS / "k8s-gateway.yaml").read_text()


def _problems(extra: str, base: str = BASE) -> list[tuple[int | None, str, str]]:
    text = base + "\n---\n" + extra
    with pytest.raises(ScenarioError) as info:
        load_scenario(text, source="t.yaml")
    return [(p.line, p.path, p.message) for p in info.value.problems]


def _line_of(text: str, needle: str) -> int:
    lines = (BASE + "\n---\n" + text).splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line and i > len(BASE.splitlines()))


INGRESS = """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: bad
  annotations:
    nginx.ingress.kubernetes.io/rewrite-target: /$2
spec:
  rules:
  - host: bad.example.com
    http:
      paths:
      - path: /impl
        pathType: ImplementationSpecific
        backend: {service: {name: shop, port: {number: 80}}}
      - path: /api(/|$)(.*)
        pathType: Prefix
        backend: {service: {name: shop, port: {number: 80}}}
      - path: /r
        pathType: Prefix
        backend: {resource: {apiGroup: k8s.example.com, kind: Bucket, name: b}}
      - path: /nopt
        backend: {service: {name: shop, port: {number: 80}}}
"""


def test_ingress_refusals_name_the_field_and_line():
    got = _problems(INGRESS)
    by_path = {path: (line, msg) for line, path, msg in got}
    ann = 'metadata.annotations["nginx.ingress.kubernetes.io/rewrite-target"]'
    assert ann in by_path and "not modelled" in by_path[ann][1]
    assert by_path[ann][0] == _line_of(INGRESS, "rewrite-target")
    assert by_path["spec.rules[0].http.paths[0].pathType"][0] == _line_of(INGRESS, "ImplementationSpecific")
    assert "ImplementationSpecific" in by_path["spec.rules[0].http.paths[0].pathType"][1]
    assert "regular expression" in by_path["spec.rules[0].http.paths[1].path"][1]
    assert by_path["spec.rules[0].http.paths[1].path"][0] == _line_of(INGRESS, "/api(/|$)")
    assert "resource backend" in by_path["spec.rules[0].http.paths[2].backend.resource"][1]
    assert "pathType must be specified" in by_path["spec.rules[0].http.paths[3].pathType"][1]


@pytest.mark.parametrize("spec, path, words", [
    ("rules: [{host: 10.0.0.1, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]}}]",
     "spec.rules[0].host", "not an IP address"),
    ("rules: [{host: 'a.*.example.com'}]", "spec.rules[0].host", "wildcard"),
    ("defaultBackend: {service: {name: shop, port: {number: 80, name: http}}}", "spec.defaultBackend.service.port",
     "exactly one"),
    ("rules: [{http: {paths: [{path: foo, pathType: Exact, backend: {service: {name: shop, port: {number: 80}}}}]}}]",
     "spec.rules[0].http.paths[0].path", "absolute path"),
    ("ingressClassName: nginx\n  bogus: 1\n  defaultBackend: {service: {name: shop, port: {number: 80}}}", "spec.bogus",
     "unknown field"),
    ("{}", "spec", "either spec.defaultBackend or spec.rules"),
])
def test_ingress_api_checks(spec, path, words):
    got = _problems(f"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: x}}\nspec:\n  {spec}\n")
    assert any(p == path and words in m for _line, p, m in got), got


def test_class_field_and_annotation_together_are_refused():
    got = _problems("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: x\n  annotations: "
                    "{kubernetes.io/ingress.class: nginx}\nspec:\n  ingressClassName: nginx\n"
                    "  defaultBackend: {service: {name: shop, port: {number: 80}}}\n")
    assert any("can not be set when the class field is also set" in m for _l, _p, m in got)


def test_controller_flags_that_change_routing_are_refused():
    text = BASE.replace("        - --ingress-class=nginx", "        - --ingress-class=nginx\n        - --default-backend-service=default/fallback")
    with pytest.raises(ScenarioError) as info:
        load_scenario(text)
    p = info.value.problems[0]
    assert "--default-backend-service" in p.message and p.path.startswith("spec.template.spec.containers[0].args[")
    assert "default-backend-service" in text.splitlines()[p.line - 1]


def test_an_externalname_backend_is_refused():
    got = _problems("apiVersion: v1\nkind: Service\nmetadata: {name: ext}\nspec: {type: ExternalName, externalName: x.example.org}\n"
                    "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: x}\n"
                    "spec: {defaultBackend: {service: {name: ext, port: {number: 80}}}}\n")
    assert any(p == "spec.defaultBackend" and "ExternalName" in m for _l, p, m in got)


ROUTE = """apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bad}
spec:
  parentRefs: [{name: web, namespace: infra}]
  rules:
  - matches: [{path: {type: RegularExpression, value: "/v[0-9]+"}}]
    backendRefs: [{name: shop-v1, port: 8080}]
  - filters: [{type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: x, value: y}]}}]
    backendRefs: [{name: shop-v1, port: 8080}]
  - backendRefs: [{name: shop-v1}]
  - matches: [{headers: [{type: RegularExpression, name: x, value: "a.*"}]}]
"""


def test_httproute_refusals():
    got = _problems(ROUTE, GATEWAY)
    by_path = {p: m for _l, p, m in got}
    assert "RegularExpression" in by_path["spec.rules[0].matches[0].path.type"]
    assert "filters" in by_path["spec.rules[1].filters"]
    assert "port must be specified" in by_path["spec.rules[2].backendRefs[0].port"]
    assert "only Exact" in by_path["spec.rules[3].matches[0].headers[0].type"]


@pytest.mark.parametrize("doc, path, words", [
    ("apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: g}\nspec: {}\n", "kind", "GRPCRoute"),
    ("apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TLSRoute\nmetadata: {name: t}\nspec: {}\n", "kind", "TLSRoute"),
    ("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: eg\n"
     "  listeners: [{name: t, port: 443, protocol: HTTPS, tls: {mode: Passthrough}}]\n", "spec.listeners[0].tls.mode", "Passthrough"),
    ("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: eg\n"
     "  listeners: [{name: t, port: 5432, protocol: TCP}]\n", "spec.listeners[0].protocol", "TCPRoute"),
    ("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: eg\n"
     "  addresses: [{value: 1.2.3.4}]\n  listeners: [{name: h, port: 80, protocol: HTTP}]\n", "spec.addresses", "not modelled"),
])
def test_gateway_kinds_and_fields_not_modelled(doc, path, words):
    got = _problems(doc, GATEWAY)
    assert any(p == path and words in m for _l, p, m in got), got


def test_a_gateway_without_its_class_is_served_by_nobody():
    scn = load_scenario(GATEWAY.replace("gatewayClassName: eg", "gatewayClassName: missing"))
    assert any("no GatewayClass 'missing'" in w for w in scn.warnings)


def test_what_the_controllers_ignore_is_warned_about():
    extra = """apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: elsewhere}
spec:
  parentRefs: [{name: web, namespace: infra}]
  hostnames: [shop.example.org]
  rules: [{backendRefs: [{name: shop-v1, port: 8080}]}]
"""
    scn = load_scenario(GATEWAY + "\n---\n" + extra)
    assert any("httproute/default/elsewhere is not accepted" in w and "intersects" in w for w in scn.warnings)
    scn = load_scenario(BASE.replace("tls: [{hosts: [shop.example.com]", "tls: [{hosts: [shop.example.com, other.example.com]"))
    assert any("host other.example.com is in no rule" in w for w in scn.warnings)
    route = ROUTE.replace("  - backendRefs: [{name: shop-v1}]", "  - backendRefs: [{name: shop-v1, port: 8080}]\n    retry: {attempts: 2}")
    assert any(p == "spec.rules[2].retry" for _l, p, _m in _problems(route, GATEWAY))

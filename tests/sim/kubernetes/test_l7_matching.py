"""Host and path matching of Ingress and HTTPRoute (quizapp.sim.kubernetes.l7, .ingress, .gateway): pure."""

from __future__ import annotations

import pytest

from quizapp.sim import TraceError
from quizapp.sim.kubernetes.gateway import Gateway, HTTPRoute, Listener, ParentRef, RouteMatch, RouteRule, route_gateway
from quizapp.sim.kubernetes.ingress import Ingress, IngressController, IngressPath, IngressRule, route_ingress
from quizapp.sim.kubernetes.l7 import (Backend, gateway_host_match, hostname_intersection, ingress_host_match,
                                       parse_url, prefix_match)

# The "Examples" table of kubernetes.io/docs/concepts/services-networking/ingress/#examples, row by row:
# (path type, the Ingress's paths, request path, the path that matches or None)
DOCS_TABLE = [
    ("Prefix", ["/"], "/anything/at/all", "/"),
    ("Exact", ["/foo"], "/foo", "/foo"),
    ("Exact", ["/foo"], "/bar", None),
    ("Exact", ["/foo"], "/foo/", None),
    ("Exact", ["/foo/"], "/foo", None),
    ("Prefix", ["/foo"], "/foo", "/foo"),
    ("Prefix", ["/foo"], "/foo/", "/foo"),
    ("Prefix", ["/foo/"], "/foo", "/foo/"),
    ("Prefix", ["/foo/"], "/foo/", "/foo/"),
    ("Prefix", ["/aaa/bb"], "/aaa/bbb", None),
    ("Prefix", ["/aaa/bbb"], "/aaa/bbb", "/aaa/bbb"),
    ("Prefix", ["/aaa/bbb/"], "/aaa/bbb", "/aaa/bbb/"),  # ignores trailing slash
    ("Prefix", ["/aaa/bbb"], "/aaa/bbb/", "/aaa/bbb"),  # matches trailing slash
    ("Prefix", ["/aaa/bbb"], "/aaa/bbb/ccc", "/aaa/bbb"),  # matches subpath
    ("Prefix", ["/aaa/bbb"], "/aaa/bbbxyz", None),  # does not match string prefix
    ("Prefix", ["/", "/aaa"], "/aaa/ccc", "/aaa"),
    ("Prefix", ["/", "/aaa", "/aaa/bbb"], "/aaa/bbb", "/aaa/bbb"),
    ("Prefix", ["/", "/aaa", "/aaa/bbb"], "/ccc", "/"),
    ("Prefix", ["/aaa"], "/ccc", None),  # uses the default backend
]


def _controller(paths: list[tuple[str, str]], host: str | None = None, default: Backend | None = None) -> IngressController:
    ing_paths = [IngressPath(p, t, Backend("default", f"svc{i}", 80), f"spec.rules[0].http.paths[{i}]")
                 for i, (p, t) in enumerate(paths)]
    ing = Ingress("default", "demo", 1, "nginx", None, default, [IngressRule(host, ing_paths, "spec.rules[0]")], [], [], "")
    return IngressController("ingress-nginx", "ctrl", 1, ingresses=[ing], classes={"nginx"})


def _path_of(decision, paths) -> str | None:
    if decision.status != 200 or "defaultBackend" in str(decision.matched):
        return None
    index = int(decision.backends[0].service[3:])
    return paths[index][0]


@pytest.mark.parametrize("kind, paths, request_path, expected", DOCS_TABLE)
def test_the_ingress_docs_matching_table(kind, paths, request_path, expected):
    pairs = [(p, kind) for p in paths]
    d = route_ingress(_controller(pairs), parse_url(f"http://demo.example.com{request_path}"), https=False)
    assert _path_of(d, pairs) == expected
    if expected is None:
        assert d.status == 404  # no defaultBackend: the controller's own 404


def test_mixed_types_prefer_exact_on_a_tie():
    pairs = [("/foo", "Prefix"), ("/foo", "Exact")]
    d = route_ingress(_controller(pairs), parse_url("http://x.example.com/foo"), https=False)
    assert d.backends[0].service == "svc1" and "Exact /foo" in str(d.matched)


def test_no_match_goes_to_the_ingress_default_backend():
    ctrl = _controller([("/aaa", "Prefix")], host="x.example.com", default=Backend("default", "fallback", 80))
    d = route_ingress(ctrl, parse_url("http://x.example.com/ccc"), https=False)
    assert d.status == 200 and d.backends[0].service == "fallback" and "defaultBackend" in str(d.matched)
    # another host is not this Ingress's: the catch-all server _, whose default is the controller's 404
    assert route_ingress(ctrl, parse_url("http://y.example.com/ccc"), https=False).status == 404


def test_an_ingress_with_only_a_default_backend_is_the_catch_all():
    catch = Ingress("default", "catch", 1, "nginx", None, Backend("default", "fallback", 80), [], [], [], "")
    ctrl = _controller([("/aaa", "Prefix")], host="x.example.com")
    ctrl.ingresses.append(catch)
    d = route_ingress(ctrl, parse_url("http://unknown.example.org/"), https=False)
    assert d.status == 200 and d.backends[0].service == "fallback" and "catch-all" in str(d.matched)
    assert route_ingress(ctrl, parse_url("http://x.example.com/ccc"), https=False).status == 404


@pytest.mark.parametrize("pattern, host, ok", [
    ("*.foo.com", "bar.foo.com", True), ("*.foo.com", "baz.bar.foo.com", False), ("*.foo.com", "foo.com", False),
    ("foo.bar.com", "foo.bar.com", True), ("foo.bar.com", "bar.foo.com", False),
])
def test_ingress_wildcards_cover_one_label(pattern, host, ok):
    assert ingress_host_match(pattern, host) is ok  # the Ingress page's "Hostname wildcards" table


@pytest.mark.parametrize("pattern, host, ok", [
    ("*.example.com", "test.example.com", True), ("*.example.com", "foo.test.example.com", True),
    ("*.example.com", "example.com", False),
])
def test_gateway_wildcards_are_suffix_matches(pattern, host, ok):
    assert gateway_host_match(pattern, host) is ok  # httproute_types.go, HTTPRouteSpec.Hostnames


@pytest.mark.parametrize("listener, route, expected", [
    ("test.example.com", [], ["test.example.com"]),
    ("test.example.com", ["*.example.com"], ["test.example.com"]),
    ("*.example.com", ["test.example.com", "test.example.net"], ["test.example.com"]),
    ("*.example.com", ["foo.test.example.com", "*.example.com"], ["foo.test.example.com", "*.example.com"]),
    ("*.example.com", ["example.com"], []),
    (None, [], ["*"]),
])
def test_listener_and_route_hostnames_intersect(listener, route, expected):
    assert hostname_intersection(listener, route) == expected


def test_prefix_is_element_wise():
    assert prefix_match("/foo/bar", "/foo/bar/baz") and not prefix_match("/foo/bar", "/foo/barbaz")
    assert prefix_match("/abc", "/abc/") and prefix_match("/abc/", "/abc")


def test_urls_are_parsed_and_bad_ones_refused():
    r = parse_url("https://Shop.Example.com:8443/cart?x=1")
    assert (r.scheme, r.host, r.port, r.path, r.query, r.host_header) == (
        "https", "shop.example.com", 8443, "/cart", [("x", "1")], "shop.example.com:8443")
    assert parse_url("http://shop.example.com").path == "/"
    for bad in ("ftp://x.example.com/", "http://user@x.example.com/", "http:///x", "http://x.example.com/#top"):
        with pytest.raises(TraceError):
            parse_url(bad)


# ---------------------------------------------------------------- HTTPRoute precedence (httproute_types.go)

def _gateway(routes: list[HTTPRoute], hostname: str | None = None) -> tuple[Gateway, Listener]:
    lis = Listener("http", 80, "HTTP", hostname, [], "All")
    gw = Gateway("infra", "gw", 1, "eg", [lis], [], True, routes=routes)
    return gw, lis


def _route(name: str, rules: list[list[RouteMatch]], hostnames=(), created="", ns="default") -> HTTPRoute:
    return HTTPRoute(ns, name, 1, [ParentRef("infra", "gw", None, None)], list(hostnames),
                     [RouteRule(ms, [Backend(ns, f"{name}-r{i}", 80)], f"spec.rules[{i}]") for i, ms in enumerate(rules)],
                     created)


def _m(ptype="PathPrefix", path="/", headers=(), query=(), method=None) -> RouteMatch:
    return RouteMatch(ptype, path, list(headers), list(query), method, "m")


@pytest.mark.parametrize("rules, url, winner", [
    ([[_m("PathPrefix", "/foo")], [_m("Exact", "/foo")]], "/foo", "a-r1"),  # Exact before any prefix
    ([[_m("PathPrefix", "/")], [_m("PathPrefix", "/foo")]], "/foo/bar", "a-r1"),  # the longest prefix
    ([[_m("PathPrefix", "/foo")], [_m("PathPrefix", "/foo", method="GET")]], "/foo", "a-r1"),  # method match
    ([[_m(headers=[("host", "x.example.com")])], [_m()]], "/", "a-r0"),  # more header matches
    ([[_m()], [_m(query=[("v", "2")])]], "/?v=2", "a-r1"),  # more query param matches
    ([[_m()], [_m()]], "/", "a-r0"),  # a tie: the first rule
    ([[_m(headers=[("x-canary", "1")])], [_m("PathPrefix", "/")]], "/", "a-r1"),  # headers the request lacks
])
def test_rule_precedence(rules, url, winner):
    gw, lis = _gateway([_route("a", rules)])
    d = route_gateway(gw, lis, parse_url(f"http://x.example.com{url}"), {})
    assert d.status == 200 and d.backends[0].service == winner


def test_ties_across_routes_go_to_the_oldest_then_by_name():
    older = _route("zz", [[_m()]], created="2024-01-01T00:00:00Z")
    newer = _route("aa", [[_m()]], created="2025-01-01T00:00:00Z")
    gw, lis = _gateway([newer, older])
    assert route_gateway(gw, lis, parse_url("http://x.example.com/"), {}).backends[0].service == "zz-r0"
    gw, lis = _gateway([_route("zz", [[_m()]]), _route("aa", [[_m()]])])
    assert route_gateway(gw, lis, parse_url("http://x.example.com/"), {}).backends[0].service == "aa-r0"


# gateway-api conformance/tests/httproute-matching-across-routes.{yaml,go}: two routes, their expectations
ACROSS_ROUTES = [
    ("example.com", "/", (), "part1-r0"), ("example.com", "/example", (), "part1-r0"),
    ("example.net", "/example", (), "part1-r0"), ("example.com", "/example", (("version", "one"),), "part1-r0"),
    ("example.com", "/v2", (), "part2-r0"), ("example.net", "/v2", (), "part1-r0"),  # v2 is limited to *.com
    ("example.com", "/v2/example", (), "part2-r0"), ("example.com", "/", (("version", "two"),), "part2-r0"),
]


@pytest.mark.parametrize("host, path, headers, backend", ACROSS_ROUTES)
def test_matching_across_routes_as_the_conformance_test_expects(host, path, headers, backend, monkeypatch):
    part1 = _route("part1", [[_m("PathPrefix", "/"), _m(headers=[("version", "one")])]],
                   hostnames=["example.com", "example.net"])
    part2 = _route("part2", [[_m("PathPrefix", "/v2"), _m(headers=[("version", "two")])]], hostnames=["*.com"])
    gw, lis = _gateway([part1, part2])
    req = parse_url(f"http://{host}{path}")
    monkeypatch.setattr(type(req), "headers", lambda self: {"host": self.host_header, **dict(headers)})
    assert route_gateway(gw, lis, req, {}).backends[0].service == backend


def test_an_exact_hostname_wins_a_tie_over_a_wildcard_even_when_newer():
    wild = _route("wild", [[_m()]], hostnames=["*.example.com"], created="2024-01-01T00:00:00Z")
    exact = _route("exact", [[_m()]], hostnames=["shop.example.com"], created="2025-01-01T00:00:00Z")
    gw, lis = _gateway([wild, exact], hostname="*.example.com")
    assert route_gateway(gw, lis, parse_url("http://shop.example.com/"), {}).backends[0].service == "exact-r0"
    assert route_gateway(gw, lis, parse_url("http://docs.example.com/"), {}).backends[0].service == "wild-r0"
    wild_docs = _route("wdocs", [[_m("PathPrefix", "/docs")]], hostnames=["*.example.com"])
    exact_api = _route("eapi", [[_m("PathPrefix", "/api")]], hostnames=["shop.example.com"])
    gw, lis = _gateway([wild_docs, exact_api], hostname="*.example.com")
    assert route_gateway(gw, lis, parse_url("http://shop.example.com/docs"), {}).backends[0].service == "wdocs-r0"
    assert route_gateway(gw, lis, parse_url("http://shop.example.com/other"), {}).status == 404


def test_a_route_from_another_namespace_needs_the_listener_to_allow_it():
    route = _route("other", [[_m()]], ns="team")
    lis = Listener("http", 80, "HTTP", None, [], "Same")
    gw = Gateway("infra", "gw", 1, "eg", [lis], [], True, routes=[route])
    d = route_gateway(gw, lis, parse_url("http://x.example.com/"), {})
    assert d.status == 404

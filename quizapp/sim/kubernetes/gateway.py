"""Gateway API (gateway.networking.k8s.io/v1): which Listener of a Gateway takes a request, which HTTPRoute rule
matches it, and which backendRefs it may go to.

Sources: gateway-api ``apis/v1/httproute_types.go`` (hostnames and their intersection with the Listener's; match
precedence: an Exact path, the longest PathPrefix, a method match, most header matches, most query param
matches, then the oldest Route, then ``namespace/name``, then the first rule; no match: 404; backendRefs: weights,
an invalid ref answers 500) and its conformance tests: the rules of every Route whose hostnames cover the request
compete on match precedence (``httproute-matching-across-routes``: ``/v2`` on ``example.com`` goes to the
``*.com`` Route's ``/v2`` rule, not to the ``example.com`` Route's ``/``), and the Route with the more specific
hostname wins a tie before the creation timestamps are compared
(``grpcroute-multiple-routes-attachment-same-hostname-intersection``), ``apis/v1/gateway_types.go`` (Listener hostname precedence, allowedRoutes, TLS mode
Terminate) and GEP-1762 (the data plane of an in-cluster Gateway is labelled
``gateway.networking.k8s.io/gateway-name``). Parsed by :mod:`.gateway_parse`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from quizapp.words import Said, say

from .l7 import (Backend, Decision, HttpRequest, gateway_host_match, hostname_intersection, prefix_length,
                 prefix_match)
from .model import Pod

GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name"


@dataclass
class Listener:
    name: str
    port: int
    protocol: str  # HTTP | HTTPS
    hostname: str | None
    certs: list[str]  # certificateRefs as ns/name (HTTPS, mode Terminate)
    from_namespaces: str  # Same | All | Selector
    selector: object = None  # netpol.LabelSelector for Selector
    where: str = ""


@dataclass(eq=False)
class Gateway:
    namespace: str
    name: str
    doc: int
    class_name: str
    listeners: list[Listener]
    status_ips: list[str]
    accepted: bool = False  # a GatewayClass of the scenario names it
    controller: str = ""
    pods: list[Pod] = field(default_factory=list)
    routes: list["HTTPRoute"] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"gateway/{self.namespace}/{self.name}"


@dataclass
class RouteMatch:
    path_type: str  # Exact | PathPrefix
    path: str
    headers: list[tuple[str, str]]  # (lower-case name, value), Exact
    query: list[tuple[str, str]]  # Exact
    method: str | None
    where: str

    def matches(self, req: HttpRequest) -> bool:
        if self.path_type == "Exact" and req.path != self.path:
            return False
        if self.path_type == "PathPrefix" and not prefix_match(self.path, req.path):
            return False
        if self.method is not None and self.method != req.method:
            return False
        have = req.headers()
        if any(have.get(n) != v for n, v in self.headers):
            return False
        return all((n, v) in req.query for n, v in self.query)

    def key(self) -> tuple:
        exact = self.path_type == "Exact"
        return (exact, len(self.path) if exact else prefix_length(self.path), self.method is not None,
                len(self.headers), len(self.query))


@dataclass
class RouteRule:
    matches: list[RouteMatch]
    backends: list[Backend]
    where: str


@dataclass
class ParentRef:
    namespace: str
    name: str
    section: str | None
    port: int | None


@dataclass(eq=False)
class HTTPRoute:
    namespace: str
    name: str
    doc: int
    parents: list[ParentRef]
    hostnames: list[str]
    rules: list[RouteRule]
    created: str

    @property
    def ref(self) -> str:
        return f"httproute/{self.namespace}/{self.name}"


def _host_key(pattern: str | None, host: str) -> tuple[int, int] | None:
    """How specifically ``pattern`` matches ``host`` (None: not at all): the characters of a matching
    non-wildcard hostname, then of a matching hostname (httproute_types.go, HTTPRouteSpec.Hostnames)."""
    if pattern is None or pattern == "*":
        return (0, 0)
    if not gateway_host_match(pattern, host):
        return None
    return (0 if pattern.startswith("*.") else len(pattern), len(pattern))


def pick_listener(gw: Gateway, port: int, host: str) -> tuple[Listener | None, list[Listener]]:
    """The Listener on ``port`` whose hostname matches ``host`` most specifically (and all Listeners on the port)."""
    on_port = [lis for lis in gw.listeners if lis.port == port]
    best, best_key = None, None
    for lis in on_port:
        key = _host_key(lis.hostname, host)
        if key is not None and (best_key is None or key > best_key):
            best, best_key = lis, key
    return best, on_port


def attached(route: HTTPRoute, gw: Gateway, lis: Listener, ns_labels: dict[str, dict[str, str]]) -> tuple[list[str], Said | str]:
    """The hostnames ``route`` serves on ``lis`` (empty: not attached) and why not."""
    if not any(p.name == gw.name and p.namespace == gw.namespace and p.section in (None, lis.name)
               and p.port in (None, lis.port) for p in route.parents):
        return [], say("no parentRef names this Gateway and Listener")
    if lis.from_namespaces == "Same" and route.namespace != gw.namespace:
        return [], say("the Listener allows Routes from its own namespace only (allowedRoutes from Same), not {namespace}", namespace=route.namespace)
    if lis.from_namespaces == "Selector" and not lis.selector.matches(ns_labels.get(route.namespace, {"kubernetes.io/metadata.name": route.namespace})):  # type: ignore[attr-defined]
        return [], say("namespace {namespace} does not match the Listener's allowedRoutes selector", namespace=route.namespace)
    names = hostname_intersection(lis.hostname, route.hostnames)
    if not names:
        return [], say("no hostname of the route intersects the Listener's {hostname}", hostname=lis.hostname)
    return names, ""


def route_gateway(gw: Gateway, lis: Listener, req: HttpRequest, ns_labels: dict[str, dict[str, str]]) -> Decision:
    """Which rule of the HTTPRoutes attached to ``lis`` takes ``req`` (the precedence of httproute_types.go)."""
    notes: list = [say("listener {name} (port {port}, {protocol}, hostname {hostname})", name=lis.name, port=lis.port,
                       protocol=lis.protocol, hostname=lis.hostname or "*")]
    tls = None
    if lis.protocol == "HTTPS":
        tls = say("TLS terminated by listener {name} (mode Terminate) with certificateRefs {certs}", name=lis.name,
                  certs=", ".join(lis.certs))
    candidates = []
    served = []
    for route in gw.routes:
        names, _why = attached(route, gw, lis, ns_labels)
        keys = [(k, n) for n in names if (k := _host_key(n, req.host)) is not None]
        if not keys:
            continue
        (exact_len, host_len), name = max(keys)
        served.append(name)
        for i, rule in enumerate(route.rules):
            for m in rule.matches:
                if m.matches(req):
                    order = (tuple(-x for x in m.key()), -exact_len, -host_len, route.created or "~",
                             f"{route.namespace}/{route.name}", i)
                    candidates.append((order, route, rule, m, name))
    if not served:
        return Decision(404, say("no HTTPRoute attached to listener {name} serves host {host}", name=lis.name,
                                 host=req.host), notes=notes, tls=tls)
    if not candidates:
        hosts = ", ".join(sorted(set(served)))
        return Decision(404, say("no rule of the HTTPRoutes for {hosts} matches {method} {path}", hosts=hosts,
                                 method=req.method, path=req.path), notes=notes, tls=tls)
    candidates.sort(key=lambda c: c[0])
    _order, route, rule, m, name = candidates[0]
    what = f"{m.path_type} {m.path}"
    if m.method:
        what += f", method {m.method}"
    if m.headers:
        what += ", headers " + ", ".join(f"{n}: {v}" for n, v in m.headers)
    if m.query:
        what += ", query " + ", ".join(f"{n}={v}" for n, v in m.query)
    if len(candidates) > 1:
        notes.append(say("{count} matches apply; precedence (Exact path, longest prefix, method, headers, query "
                         "params, then the most specific hostname, the oldest Route, namespace/name, rule order) "
                         "picks {route} {where}", count=len(candidates), route=route.ref, where=m.where))
    matched = say("{route} {where} ({match}; hostname {hostname})", route=route.ref, where=m.where, match=what,
                  hostname=name)
    backends = [b if b.namespace == route.namespace else replace(b, problem=say(
        "a backendRef into another namespace needs a ReferenceGrant there (ReferenceGrant is not modelled): "
        "ResolvedRefs is False (RefNotPermitted)")) for b in rule.backends]
    if not backends:
        return Decision(500, say("{matched}: the rule has no backendRefs", matched=matched), notes=notes, tls=tls)
    return Decision(200, matched, backends, notes, tls)

"""Ingress as an ingress-nginx controller serves it: which Ingresses it reads, and where one request goes.

Sources: kubernetes.io/docs/concepts/services-networking/ingress/ (path types, the matching table, host
wildcards, defaultBackend, TLS) and kubernetes/ingress-nginx (``internal/ingress/controller/controller.go``:
servers are created per host by the oldest Ingress naming it, an Ingress's defaultBackend is the default upstream
of its own hosts and, when it has no rules, of the catch-all server ``_``; ``internal/ingress/status/status.go``:
the address written into ``status.loadBalancer``; ``template.go`` ``buildServerName``: ``*.example.com`` matches
one label). The objects are parsed by :mod:`.ingress_parse`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from quizapp.words import Said, say

from .l7 import Backend, Decision, HttpRequest, ingress_host_match, prefix_length, prefix_match
from .model import Pod

DEFAULT_CONTROLLER = "k8s.io/ingress-nginx"
DEFAULT_CLASS = "nginx"


@dataclass
class IngressPath:
    path: str
    path_type: str  # Exact | Prefix
    backend: Backend
    where: str  # spec.rules[0].http.paths[1]


@dataclass
class IngressRule:
    host: str | None
    paths: list[IngressPath]
    where: str


@dataclass(eq=False)
class Ingress:
    namespace: str
    name: str
    doc: int
    class_name: str | None  # spec.ingressClassName (or the default IngressClass, as the admission plugin sets it)
    class_annotation: str | None  # kubernetes.io/ingress.class (deprecated; ingress-nginx still reads it)
    default_backend: Backend | None
    rules: list[IngressRule]
    tls: list[tuple[list[str], str | None]]  # (hosts, secretName)
    status_ips: list[str]
    created: str  # metadata.creationTimestamp ("" when not given)
    ssl_redirect: bool = True  # nginx.ingress.kubernetes.io/ssl-redirect
    force_ssl_redirect: bool = False
    service_upstream: bool = False

    @property
    def ref(self) -> str:
        return f"ingress/{self.namespace}/{self.name}"


@dataclass(eq=False)
class IngressController:
    """One ingress-nginx installation: a Deployment (or Pods) running ``/nginx-ingress-controller``."""

    namespace: str
    owner: str  # the Deployment's (or Pod's) name
    doc: int
    controller_class: str = DEFAULT_CONTROLLER
    ingress_class: str = DEFAULT_CLASS
    watch_without_class: bool = False
    publish_service: str | None = None
    publish_status_address: list[str] = field(default_factory=list)
    update_status: bool = True
    node_internal_ip: bool = False
    http_port: int = 80
    https_port: int = 443
    pods: list[Pod] = field(default_factory=list)
    ingresses: list[Ingress] = field(default_factory=list)  # served, oldest first
    classes: set[str] = field(default_factory=set)  # IngressClass names whose spec.controller is ours

    @property
    def ref(self) -> str:
        return f"ingress-nginx {self.namespace}/{self.owner}"

    def serves(self, ing: Ingress) -> tuple[bool, Said]:
        """Whether this controller reads ``ing``, and why (ingress-nginx's class checks)."""
        if ing.class_name is not None:
            if ing.class_name in self.classes:
                return True, say("ingressClassName {class_name} (IngressClass with controller {controller})", class_name=ing.class_name, controller=self.controller_class)
            return False, say("ingressClassName {class_name} is not an IngressClass of controller {controller}", class_name=repr(ing.class_name), controller=self.controller_class)
        if ing.class_annotation is not None:
            if ing.class_annotation == self.ingress_class:
                return True, say("annotation kubernetes.io/ingress.class: {annotation} (--ingress-class)", annotation=ing.class_annotation)
            return False, say("annotation kubernetes.io/ingress.class {annotation} is not --ingress-class={ingress_class}", annotation=repr(ing.class_annotation), ingress_class=self.ingress_class)
        if self.watch_without_class:
            return True, say("no class, and the controller runs with --watch-ingress-without-class=true")
        return False, say("the Ingress has no class and no IngressClass is marked default (--watch-ingress-without-class is false)")


@dataclass
class _Server:
    host: str  # "_" for the catch-all
    ingress: Ingress | None  # the (oldest) Ingress that created it
    default: Backend | None
    locations: list[tuple[IngressPath, Ingress]] = field(default_factory=list)
    tls: tuple[str | None, Ingress] | None = None


def build_servers(ctrl: IngressController) -> tuple[dict[str, _Server], list[_Server]]:
    """ingress-nginx's servers: exact hosts, wildcard hosts (in order of appearance), and the catch-all ``_``."""
    servers: dict[str, _Server] = {"_": _Server("_", None, None)}
    for ing in ctrl.ingresses:
        if ing.default_backend is not None and not ing.rules and servers["_"].default is None:
            servers["_"] = _Server("_", ing, ing.default_backend, servers["_"].locations)
        for rule in ing.rules:
            host = rule.host or "_"
            if host not in servers:
                servers[host] = _Server(host, ing, ing.default_backend)
    for ing in ctrl.ingresses:
        for rule in ing.rules:
            server = servers[rule.host or "_"]
            for p in rule.paths:
                if not any(q.path == p.path and q.path_type == p.path_type for q, _ in server.locations):
                    server.locations.append((p, ing))
        for hosts, secret in ing.tls:
            for host in hosts or [r.host for r in ing.rules if r.host]:
                server = servers.get(host)
                if server is not None and server.tls is None:
                    server.tls = (secret, ing)
    wildcards = [s for h, s in servers.items() if h.startswith("*.")]
    return servers, wildcards


def route_ingress(ctrl: IngressController, req: HttpRequest, https: bool) -> Decision:
    """Where ingress-nginx sends ``req`` (arrived on its HTTPS port when ``https``)."""
    servers, wildcards = build_servers(ctrl)
    notes = []
    server = servers.get(req.host)
    if server is not None and server.host != "_":
        notes.append(say("server {host} (exact host of {ingress})", host=req.host, ingress=server.ingress.ref))
    else:
        server = next((s for s in wildcards if ingress_host_match(s.host, req.host)), None)
        if server is not None:
            notes.append(say("server {server} (wildcard host of {ingress}: one label, {host})", server=server.host,
                             ingress=server.ingress.ref, host=req.host))
        else:
            server = servers["_"]
            notes.append(say("no Ingress rule names host {host}: the catch-all server _", host=req.host))
    tls = None
    if https:
        if server.tls is not None:
            secret, ing = server.tls
            tls = say("TLS terminated for {host} with secret {secret} ({ingress} spec.tls)", host=req.host,
                      secret=f"{ing.namespace}/{secret}", ingress=ing.ref)
        else:
            tls = say("TLS terminated with the controller's default certificate (no spec.tls names {host}: "
                      "'Kubernetes Ingress Controller Fake Certificate', which a verifying client refuses)", host=req.host)
    hit = _best_location(server, req.path)
    owner = hit[1] if hit else server.ingress
    if not https and owner is not None and (owner.force_ssl_redirect or (server.tls is not None and owner.ssl_redirect)):
        why = ("force-ssl-redirect" if owner.force_ssl_redirect
               else say("spec.tls covers {host} and ssl-redirect is on (the default)", host=req.host))
        return Decision(308, say("{ingress}: redirect to HTTPS ({why})", ingress=owner.ref, why=why), notes=notes,
                        location=f"https://{req.host}{req.path}")
    if hit is not None:
        p, ing = hit
        matched = f"{ing.ref} {p.where} {p.path_type} {p.path}"
        return Decision(200, matched, [p.backend], notes, tls, ing.service_upstream)
    if server.default is not None:
        ing = server.ingress
        what = (say("the catch-all server's default backend: no path matched {path}", path=req.path) if server.host == "_"
                else say("the Ingress's defaultBackend: no path matched {path}", path=req.path))
        return Decision(200, say("{ingress} spec.defaultBackend ({what})", ingress=ing.ref, what=what),
                        [server.default], notes, tls, ing.service_upstream)
    return Decision(404, say("no path matches {path} and there is no defaultBackend: the controller's own default "
                             "backend", path=req.path), notes=notes, tls=tls)


def _best_location(server: _Server, path: str) -> tuple[IngressPath, Ingress] | None:
    """The longest matching path; on a tie Exact before Prefix (the Ingress concept page)."""
    best = None
    best_key = None
    for p, ing in server.locations:
        if p.path_type == "Exact":
            ok, key = p.path == path, (len(p.path), 1)
        else:
            ok, key = prefix_match(p.path, path), (prefix_length(p.path), 0)
        if ok and (best_key is None or key > best_key):
            best, best_key = (p, ing), key
    return best

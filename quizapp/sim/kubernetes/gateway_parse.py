"""Reading ``GatewayClass``, ``Gateway`` and ``HTTPRoute`` documents (gateway.networking.k8s.io/v1) with the
checks of the CRDs' schemas, refusing what would change routing without being modelled: filters, regular
expression matches, listener protocols other than HTTP and HTTPS, TLS passthrough, requested addresses, session
persistence, backends other than Services."""

from __future__ import annotations

from typing import Any, Callable

from ..core.netutil import is_ip
from ..core.source import join
from .gateway import Gateway, HTTPRoute, Listener, ParentRef, RouteMatch, RouteRule
from .l7 import Backend, hostname_problem, path_problem
from .netpol_parse import _selector
from .validation import DNS1035_LABEL, DNS1123_LABEL, DNS1123_SUBDOMAIN
from quizapp.words import say

Err = Callable[[str, str], None]
GROUP = "gateway.networking.k8s.io"
_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")
_HEADER_NAME = __import__("re").compile(r"^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$")


def _unknown(obj: dict, allowed: set[str], path: str, err: Err) -> None:
    for key in obj:
        if key not in allowed:
            err(join(path, key), say('strict decoding error: unknown field "{value}"', value=join(path, key)))


def _meta(obj: dict, err: Err, kind: str) -> tuple[str, str] | None:
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    name, ns = meta.get("name"), meta.get("namespace") or "default"
    if not isinstance(name, str) or not DNS1123_SUBDOMAIN.match(name):
        err("metadata.name", say('Invalid value: {name}: a {kind} needs a lowercase RFC 1123 subdomain name', name=repr(name), kind=kind))
        return None
    _unknown(obj, {"apiVersion", "kind", "metadata", "spec", "status"}, "", err)
    return ns, name


def parse_gateway_class(obj: dict, err: Err) -> tuple[str, str] | None:
    """``(name, spec.controllerName)``."""
    nm = _meta(obj, err, "GatewayClass")
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    _unknown(spec, {"controllerName", "description", "parametersRef"}, "spec", err)
    ctrl = spec.get("controllerName")
    if not isinstance(ctrl, str) or "/" not in ctrl:
        err("spec.controllerName", say('Required value: a domain-prefixed path, e.g. gateway.envoyproxy.io/gatewayclass-controller'))
        return None
    return (nm[1], ctrl) if nm else None


def _listener(obj: Any, path: str, err: Err) -> Listener | None:
    if not isinstance(obj, dict):
        err(path, say('must be a mapping (name, port, protocol, ...)'))
        return None
    _unknown(obj, {"name", "hostname", "port", "protocol", "tls", "allowedRoutes"}, path, err)
    name, port, proto = obj.get("name"), obj.get("port"), obj.get("protocol")
    ok = True
    if not isinstance(name, str) or not DNS1123_LABEL.match(name):
        err(join(path, "name"), say('Invalid value: {name}: a lowercase RFC 1123 label', name=repr(name)))
        ok = False
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        err(join(path, "port"), say('Invalid value: {port}: a port from 1 to 65535', port=repr(port)))
        ok = False
    if proto in ("TCP", "UDP", "TLS"):
        err(join(path, "protocol"), say('not modelled: protocol {proto} (TCPRoute, UDPRoute and TLSRoute are not modelled); use HTTP or HTTPS', proto=proto))
        return None
    if proto not in ("HTTP", "HTTPS"):
        err(join(path, "protocol"), say('Unsupported value: {proto}: HTTP or HTTPS', proto=repr(proto)))
        return None
    host = obj.get("hostname")
    if host is not None and (problem := hostname_problem(host, "hostname")):
        err(join(path, "hostname"), problem)
        ok = False
    certs: list[str] = []
    tls = obj.get("tls") if isinstance(obj.get("tls"), dict) else None
    if proto == "HTTPS":
        if tls is None:
            err(join(path, "tls"), say('Required value: an HTTPS listener needs tls (mode Terminate, certificateRefs)'))
            return None
        _unknown(tls, {"mode", "certificateRefs", "options", "frontendValidation"}, join(path, "tls"), err)
        mode = tls.get("mode", "Terminate")
        if mode == "Passthrough":
            err(f"{path}.tls.mode", say('not modelled: TLS Passthrough (it needs a TLSRoute, which is not modelled)'))
            return None
        if mode != "Terminate":
            err(f"{path}.tls.mode", say('Unsupported value: {mode}: supported values: "Passthrough", "Terminate"', mode=repr(mode)))
            return None
        if "frontendValidation" in tls:
            err(f"{path}.tls.frontendValidation", say('not modelled: client certificate validation'))
            ok = False
        for i, ref in enumerate(tls.get("certificateRefs") or []):
            if isinstance(ref, dict) and isinstance(ref.get("name"), str):
                certs.append(f"{ref['namespace']}/{ref['name']}" if ref.get("namespace") else ref["name"])
        if not certs:
            err(f"{path}.tls.certificateRefs", say('Required value: mode Terminate needs at least one certificateRef'))
            ok = False
    elif tls is not None:
        err(join(path, "tls"), say('Forbidden: tls must not be set for protocol HTTP'))
        ok = False
    allowed = obj.get("allowedRoutes") if isinstance(obj.get("allowedRoutes"), dict) else {}
    _unknown(allowed, {"namespaces", "kinds"}, join(path, "allowedRoutes"), err)
    for i, k in enumerate(allowed.get("kinds") or []):
        if not isinstance(k, dict) or k.get("kind") != "HTTPRoute":
            err(f"{path}.allowedRoutes.kinds[{i}]", say('not modelled: route kinds other than HTTPRoute'))
            ok = False
    nss = allowed.get("namespaces") if isinstance(allowed.get("namespaces"), dict) else {}
    frm = nss.get("from", "Same")
    selector = None
    if frm == "Selector":
        selector = _selector(nss.get("selector"), f"{path}.allowedRoutes.namespaces.selector", err)
        ok = ok and selector is not None
    elif frm not in ("Same", "All"):
        err(f"{path}.allowedRoutes.namespaces.from", say('Unsupported value: {frm}: supported values: "All", "Same", "Selector"', frm=repr(frm)))
        ok = False
    return Listener(name, port, proto, host, certs, frm, selector, path) if ok else None


def parse_gateway(obj: dict, err: Err, doc: int) -> Gateway | None:
    nm = _meta(obj, err, "Gateway")
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    _unknown(spec, {"gatewayClassName", "listeners", "addresses", "infrastructure", "backendTLS", "allowedListeners"}, "spec", err)
    for key in ("addresses", "backendTLS", "allowedListeners"):
        if key in spec:
            err(f"spec.{key}", say('not modelled: spec.{key}', key=key))
    cls = spec.get("gatewayClassName")
    if not isinstance(cls, str) or not cls:
        err("spec.gatewayClassName", say('Required value: the GatewayClass that implements this Gateway'))
        return None
    listeners, names, problems = [], set(), False
    items = spec.get("listeners") or []
    if not items:
        err("spec.listeners", say('Required value: at least one listener'))
    for i, item in enumerate(items):
        lis = _listener(item, f"spec.listeners[{i}]", err)
        if lis is None:
            problems = True
        elif lis.name in names:
            err(f"spec.listeners[{i}].name", say('Duplicate value: {name}: listener names must be unique', name=repr(lis.name)))
            problems = True
        else:
            names.add(lis.name)
            listeners.append(lis)
    status = obj.get("status") if isinstance(obj.get("status"), dict) else {}
    ips = []
    for i, a in enumerate(status.get("addresses") or []):
        if isinstance(a, dict) and a.get("type", "IPAddress") == "IPAddress" and is_ip(a.get("value")):
            ips.append(a["value"])
        else:
            err(f"status.addresses[{i}]", say('not modelled: only IPv4 addresses of type IPAddress'))
            problems = True
    if nm is None or problems or not listeners:
        return None
    return Gateway(nm[0], nm[1], doc, cls, listeners, ips)


def _match(obj: Any, path: str, err: Err) -> RouteMatch | None:
    obj = obj if isinstance(obj, dict) else {}
    _unknown(obj, {"path", "headers", "queryParams", "method"}, path, err)
    p = obj.get("path") if isinstance(obj.get("path"), dict) else {}
    ptype, value = p.get("type", "PathPrefix"), p.get("value", "/")
    if ptype == "RegularExpression":
        err(f"{path}.path.type", say('not modelled: RegularExpression path matches (implementation-specific)'))
        return None
    if ptype not in ("Exact", "PathPrefix"):
        err(f"{path}.path.type", say('Unsupported value: {ptype}: supported values: "Exact", "PathPrefix", "RegularExpression"', ptype=repr(ptype)))
        return None
    if (problem := path_problem(value)) is not None:
        err(f"{path}.path.value", problem)
        return None
    pairs: dict[str, list[tuple[str, str]]] = {}
    for key in ("headers", "queryParams"):
        pairs[key] = []
        for i, h in enumerate(obj.get(key) or []):
            hp = f"{path}.{key}[{i}]"
            if not isinstance(h, dict) or not isinstance(h.get("name"), str) or not isinstance(h.get("value"), str):
                err(hp, say('Required value: name and value'))
                return None
            if h.get("type", "Exact") != "Exact":
                err(join(hp, "type"), say('not modelled: {match_type} {key} matches (only Exact)', match_type=h.get('type'), key=key))
                return None
            if key == "headers" and not _HEADER_NAME.match(h["name"]):
                err(join(hp, "name"), say('Invalid value: {name}: not an HTTP header name', name=repr(h['name'])))
                return None
            pairs[key].append((h["name"].lower() if key == "headers" else h["name"], h["value"]))
    method = obj.get("method")
    if method is not None and method not in _METHODS:
        err(join(path, "method"), say('Unsupported value: {method}: an HTTP method in upper case', method=repr(method)))
        return None
    return RouteMatch(ptype, value, pairs["headers"], pairs["queryParams"], method, path)


def _backend_ref(obj: Any, ns: str, path: str, err: Err) -> Backend | None:
    obj = obj if isinstance(obj, dict) else {}
    _unknown(obj, {"group", "kind", "name", "namespace", "port", "weight", "filters"}, path, err)
    if obj.get("filters"):
        err(join(path, "filters"), say('not modelled: HTTPRoute filters (header modifiers, mirrors, redirects, rewrites)'))
        return None
    if obj.get("group", "") != "" or obj.get("kind", "Service") != "Service":
        err(path, say('not modelled: backendRefs other than core Services'))
        return None
    name, port, weight = obj.get("name"), obj.get("port"), obj.get("weight", 1)
    if not isinstance(name, str) or not DNS1035_LABEL.match(name):
        err(join(path, "name"), say('Invalid value: {name}: a Service name', name=repr(name)))
        return None
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        err(join(path, "port"), say('Required value: port must be specified when the referent is a Kubernetes Service'))
        return None
    if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 1_000_000:
        err(join(path, "weight"), say('Invalid value: {weight}: an integer from 0 to 1000000', weight=repr(weight)))
        return None
    return Backend(obj.get("namespace") or ns, name, port, weight, path)


def parse_http_route(obj: dict, err: Err, doc: int) -> HTTPRoute | None:
    nm = _meta(obj, err, "HTTPRoute")
    if nm is None:
        return None
    ns, name = nm
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    _unknown(spec, {"parentRefs", "hostnames", "rules", "useDefaultGateways"}, "spec", err)
    problems = [0]

    def e(path: str, message: str) -> None:
        problems[0] += 1
        err(path, message)

    if "useDefaultGateways" in spec:
        e("spec.useDefaultGateways", say('not modelled: default Gateways'))
    parents = []
    for i, p in enumerate(spec.get("parentRefs") or []):
        pp = f"spec.parentRefs[{i}]"
        p = p if isinstance(p, dict) else {}
        _unknown(p, {"group", "kind", "namespace", "name", "sectionName", "port"}, pp, e)
        if p.get("group", GROUP) != GROUP or p.get("kind", "Gateway") != "Gateway":
            e(pp, say('not modelled: parentRefs other than Gateways'))
            continue
        if not isinstance(p.get("name"), str):
            e(join(pp, "name"), say("Required value: the Gateway's name"))
            continue
        parents.append(ParentRef(p.get("namespace") or ns, p["name"], p.get("sectionName"), p.get("port")))
    hostnames = []
    for i, h in enumerate(spec.get("hostnames") or []):
        if (problem := hostname_problem(h, "hostname")) is not None:
            e(f"spec.hostnames[{i}]", problem)
        else:
            hostnames.append(h)
    rules = []
    items = spec.get("rules") or [{}]
    for i, r in enumerate(items):
        rp = f"spec.rules[{i}]"
        r = r if isinstance(r, dict) else {}
        _unknown(r, {"name", "matches", "filters", "backendRefs", "timeouts", "retry", "sessionPersistence"}, rp, e)
        for key in ("filters", "sessionPersistence", "retry"):
            if r.get(key):
                e(join(rp, key), say('not modelled: HTTPRoute {key} (header modifiers, mirrors, redirects, rewrites, session persistence, retries on another endpoint)', key=key))
        given = r.get("matches") or []
        parsed_matches = [_match(m, f"{rp}.matches[{j}]", e) for j, m in enumerate(given)] or [_match({}, rp, e)]
        matches = [m for m in parsed_matches if m is not None]
        refs = [_backend_ref(b, ns, f"{rp}.backendRefs[{j}]", e) for j, b in enumerate(r.get("backendRefs") or [])]
        backends = [b for b in refs if b is not None]
        rules.append(RouteRule(matches, backends, rp))
    if problems[0]:
        return None
    created = (obj.get("metadata") or {}).get("creationTimestamp")
    return HTTPRoute(ns, name, doc, parents, hostnames, rules, str(created) if created else "")

"""Reading ``IngressClass`` and ``Ingress`` documents (the API server's checks, networking.k8s.io/v1) and finding
the ingress-nginx controllers among the scenario's Pods and Deployments (by their ``/nginx-ingress-controller``
command line, as the project's deploy manifests and Helm chart write it).

Unknown fields are refused (strict decoding), and so is everything that would change routing without being
modelled: ``pathType: ImplementationSpecific``, regex paths, a ``resource`` backend, routing annotations of
ingress-nginx (``rewrite-target``, ``use-regex``, canaries, ...) and command-line flags such as
``--default-backend-service`` or ``--watch-namespace``.
"""

from __future__ import annotations

from typing import Any, Callable

from ..core.netutil import is_ip
from ..core.source import join
from .ingress import Ingress, IngressController, IngressPath, IngressRule
from .l7 import Backend, hostname_problem, path_problem
from .validation import DNS1035_LABEL, DNS1123_SUBDOMAIN, iana_ok
from quizapp.words import say

Err = Callable[[str, str], None]
NGINX = "nginx.ingress.kubernetes.io/"
CLASS_ANNOTATION = "kubernetes.io/ingress.class"
DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
# ingress-nginx annotations the simulator models, and the ones with no effect on where a request goes
_MODELLED = {"ssl-redirect", "force-ssl-redirect", "service-upstream"}
_INERT = {
    "proxy-body-size", "proxy-connect-timeout", "proxy-send-timeout", "proxy-read-timeout", "proxy-buffering",
    "proxy-buffer-size", "proxy-buffers-number", "proxy-request-buffering", "proxy-http-version",
    "proxy-max-temp-file-size", "client-body-buffer-size", "enable-cors", "cors-allow-origin", "cors-allow-methods",
    "cors-allow-headers", "cors-expose-headers", "cors-allow-credentials", "cors-max-age", "enable-access-log",
    "enable-rewrite-log", "enable-opentelemetry", "opentelemetry-trust-incoming-span", "x-forwarded-prefix",
    "connection-proxy-header", "hsts", "hsts-max-age", "hsts-include-subdomains", "hsts-preload",
    "proxy-next-upstream", "proxy-next-upstream-timeout", "proxy-next-upstream-tries", "service-upstream-timeout",
}
_FLAGS_REFUSED = {
    "--default-backend-service": "a default backend Service in front of the 404 answer",
    "--watch-namespace": "watching one namespace only", "--watch-namespace-selector": "watching some namespaces only",
    "--enable-ssl-passthrough": "SSL passthrough", "--ingress-class-by-name": "classes matched by name",
    "--tcp-services-configmap": "TCP services", "--udp-services-configmap": "UDP services",
    "--disable-catch-all": "a controller without catch-all server",
}
_INGRESS_SPEC = {"ingressClassName", "defaultBackend", "tls", "rules"}


def parse_ingress_class(obj: dict, err: Err) -> tuple[str, str, bool] | None:
    """``(name, spec.controller, is default)`` of an IngressClass."""
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    name = meta.get("name")
    if not isinstance(name, str) or not DNS1123_SUBDOMAIN.match(name):
        err("metadata.name", say('Invalid value: {name}: an IngressClass needs a lowercase RFC 1123 subdomain name', name=repr(name)))
        return None
    for key in obj:
        if key not in ("apiVersion", "kind", "metadata", "spec"):
            err(key, say('strict decoding error: unknown field "{key}"', key=key))
    for key in spec:
        if key == "parameters":
            continue  # controller-specific parameters; ingress-nginx reads none that route
        if key != "controller":
            err(f"spec.{key}", say('strict decoding error: unknown field "spec.{key}"', key=key))
    controller = spec.get("controller")
    if not isinstance(controller, str) or not controller:
        err("spec.controller", say('Required value: the controller that implements this class, e.g. k8s.io/ingress-nginx'))
        return None
    annotations = meta.get("annotations") if isinstance(meta.get("annotations"), dict) else {}
    return name, controller, annotations.get(DEFAULT_CLASS_ANNOTATION) == "true"


def _backend(obj: Any, ns: str, path: str, err: Err) -> Backend | None:
    if not isinstance(obj, dict):
        err(path, say('Required value: a backend (service: {{name, port: {{number | name}}}})'))
        return None
    if "resource" in obj:
        err(join(path, "resource"), say('not modelled: a resource backend (only Service backends are modelled)'))
        return None
    for key in obj:
        if key != "service":
            err(join(path, key), say('strict decoding error: unknown field "{key}"', key=key))
    svc = obj.get("service")
    sp = join(path, "service")
    if not isinstance(svc, dict) or not isinstance(svc.get("name"), str) or not DNS1035_LABEL.match(svc["name"]):
        err(sp, say('Required value: service.name must name a Service (a DNS-1035 label)'))
        return None
    port = svc.get("port") if isinstance(svc.get("port"), dict) else {}
    for key in svc:
        if key not in ("name", "port"):
            err(join(sp, key), say('strict decoding error: unknown field "{key}"', key=key))
    number, name = port.get("number"), port.get("name")
    if (number is None) == (name is None):
        err(join(sp, "port"), say('Invalid value: exactly one of port.number and port.name must be set'))
        return None
    if number is not None and (isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 65535):
        err(f"{sp}.port.number", say('Invalid value: {number}: must be between 1 and 65535, inclusive', number=repr(number)))
        return None
    if name is not None and (not isinstance(name, str) or not iana_ok(name)):
        err(f"{sp}.port.name", say('Invalid value: {name}: must be an IANA_SVC_NAME', name=repr(name)))
        return None
    return Backend(ns, svc["name"], number if number is not None else name, 1, path)


def _annotations(meta: dict, err: Err) -> dict[str, str]:
    ann = meta.get("annotations") if isinstance(meta.get("annotations"), dict) else {}
    out = {}
    for key, value in ann.items():
        key = str(key)
        if key.startswith(NGINX):
            short = key[len(NGINX):]
            if short not in _MODELLED and short not in _INERT:
                err(join("metadata.annotations", key), say('not modelled: the ingress-nginx annotation {short} (it can change where or whether a request is routed: rewrites, regex paths, canaries, redirects, authentication, allow/deny lists, snippets...); remove it or use a modelled one ({modelled})', short=repr(short), modelled=', '.join(sorted(_MODELLED))))
                continue
            if short in _MODELLED and value not in ("true", "false"):
                err(join("metadata.annotations", key), say('Invalid value: {value}: must be "true" or "false"', value=repr(value)))
                continue
        out[key] = value if isinstance(value, str) else str(value)
    return out


def parse_ingress(obj: dict, err: Err, doc: int, default_class: str | None) -> Ingress | None:
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    name, ns = meta.get("name"), meta.get("namespace") or "default"
    if not isinstance(name, str) or not DNS1123_SUBDOMAIN.match(name):
        err("metadata.name", say('Invalid value: {name}: an Ingress needs a lowercase RFC 1123 subdomain name', name=repr(name)))
        return None
    n_problems = [0]

    def e(path: str, message: str) -> None:
        n_problems[0] += 1
        err(path, message)

    for key in spec:
        if key not in _INGRESS_SPEC:
            e(f"spec.{key}", say('strict decoding error: unknown field "spec.{key}"', key=key))
    ann = _annotations(meta, e)
    cls = spec.get("ingressClassName")
    if cls is not None and (not isinstance(cls, str) or not DNS1123_SUBDOMAIN.match(cls)):
        e("spec.ingressClassName", say('Invalid value: {cls}: must be an IngressClass name', cls=repr(cls)))
    cls_ann = ann.get(CLASS_ANNOTATION)
    if cls is not None and cls_ann is not None:
        e(join("metadata.annotations", CLASS_ANNOTATION), say('Invalid value: {cls_ann}: can not be set when the class field is also set', cls_ann=repr(cls_ann)))
    if cls is None and cls_ann is None:
        cls = default_class  # the DefaultIngressClass admission plugin fills it in on creation
    default = _backend(spec["defaultBackend"], ns, "spec.defaultBackend", e) if "defaultBackend" in spec else None
    rules = []
    for i, rule in enumerate(spec.get("rules") or []):
        rp = f"spec.rules[{i}]"
        if not isinstance(rule, dict):
            e(rp, say('must be a mapping (host, http)'))
            continue
        for key in rule:
            if key not in ("host", "http"):
                e(join(rp, key), say('strict decoding error: unknown field "{key}"', key=key))
        host = rule.get("host")
        if host is not None:
            problem = hostname_problem(host)
            if problem:
                e(join(rp, "host"), problem)
                continue
        http = rule.get("http") if isinstance(rule.get("http"), dict) else {}
        paths = []
        items = http.get("paths")
        if "http" in rule and not items:
            e(f"{rp}.http.paths", say('Required value: at least one path'))
        for j, p in enumerate(items or []):
            pp = f"{rp}.http.paths[{j}]"
            if not isinstance(p, dict):
                e(pp, say('must be a mapping (path, pathType, backend)'))
                continue
            ptype = p.get("pathType")
            if ptype is None:
                e(join(pp, "pathType"), say('Required value: pathType must be specified'))
                continue
            if ptype == "ImplementationSpecific":
                e(join(pp, "pathType"), say('not modelled: ImplementationSpecific leaves matching to the IngressClass (ingress-nginx: an nginx location, string prefix or regex); use Exact or Prefix'))
                continue
            if ptype not in ("Exact", "Prefix"):
                e(join(pp, "pathType"), say('Unsupported value: {ptype}: supported values: "Exact", "ImplementationSpecific", "Prefix"', ptype=repr(ptype)))
                continue
            problem = path_problem(p.get("path"))
            if problem:
                e(join(pp, "path"), problem)
                continue
            backend = _backend(p.get("backend"), ns, join(pp, "backend"), e)
            if backend is not None:
                paths.append(IngressPath(p["path"], ptype, backend, pp))
        rules.append(IngressRule(host, paths, rp))
    if not rules and default is None:
        e("spec", say('Invalid value: either spec.defaultBackend or spec.rules must be specified'))
    tls = []
    for i, t in enumerate(spec.get("tls") or []):
        tp = f"spec.tls[{i}]"
        t = t if isinstance(t, dict) else {}
        for key in t:
            if key not in ("hosts", "secretName"):
                e(join(tp, key), say('strict decoding error: unknown field "{key}"', key=key))
        hosts = [h for h in t.get("hosts") or [] if isinstance(h, str)]
        tls.append((hosts, t.get("secretName")))
    status_ips = []
    lb = ((obj.get("status") or {}).get("loadBalancer") or {}) if isinstance(obj.get("status"), dict) else {}
    for i, item in enumerate(lb.get("ingress") or [] if isinstance(lb, dict) else []):
        sp = f"status.loadBalancer.ingress[{i}]"
        if isinstance(item, dict) and "hostname" in item:
            e(join(sp, "hostname"), say('not modelled: an Ingress address given as a hostname; give its ip'))
        elif isinstance(item, dict) and is_ip(item.get("ip")):
            status_ips.append(item["ip"])
        else:
            e(sp, say('Invalid value: an IPv4 address as ip'))
    if n_problems[0]:
        return None
    created = meta.get("creationTimestamp")
    return Ingress(ns, name, doc, cls, cls_ann, default, rules, tls, status_ips, str(created) if created else "",
                   ann.get(NGINX + "ssl-redirect", "true") == "true", ann.get(NGINX + "force-ssl-redirect") == "true",
                   ann.get(NGINX + "service-upstream") == "true")


def controller_from_args(args: list[Any], namespace: str, owner: str, doc: int, path: str,
                         err: Err) -> IngressController | None:
    """An :class:`IngressController` when ``args`` run ``/nginx-ingress-controller`` (None otherwise)."""
    words = [str(a).replace("$(POD_NAMESPACE)", namespace) for a in args]
    if not words or not words[0].endswith("/nginx-ingress-controller"):
        return None
    ctrl = IngressController(namespace, owner, doc)
    i = 1
    while i < len(words):
        word = words[i]
        flag, eq, value = word.partition("=")
        i += 1
        if not flag.startswith("--"):
            continue
        bools = ("--watch-ingress-without-class", "--update-status", "--report-node-internal-ip-address")
        if not eq and flag not in bools and i < len(words) and not words[i].startswith("--"):
            value, i = words[i], i + 1
        where = f"{path}[{i - 1}]"
        if flag in _FLAGS_REFUSED:
            err(where, say('not modelled: {flag} ({flags_refused}) in the ingress-nginx controller', flag=flag, flags_refused=_FLAGS_REFUSED[flag]))
        elif flag == "--controller-class":
            ctrl.controller_class = value
        elif flag == "--ingress-class":
            ctrl.ingress_class = value
        elif flag in bools:
            on = (value or "true").lower() == "true"
            if flag == "--watch-ingress-without-class":
                ctrl.watch_without_class = on
            elif flag == "--update-status":
                ctrl.update_status = on
            else:
                ctrl.node_internal_ip = on
        elif flag == "--publish-service":
            ctrl.publish_service = value
        elif flag == "--publish-status-address":
            ctrl.publish_status_address = [a.strip() for a in value.split(",") if a.strip()]
            if not all(is_ip(a) for a in ctrl.publish_status_address):
                err(where, say('not modelled: --publish-status-address {value}: give IPv4 addresses', value=repr(value)))
        elif flag in ("--http-port", "--https-port"):
            if not value.isdigit() or not 1 <= int(value) <= 65535:
                err(where, say('Invalid value: {flag}={value}: a port from 1 to 65535', flag=flag, value=repr(value)))
            elif flag == "--http-port":
                ctrl.http_port = int(value)
            else:
                ctrl.https_port = int(value)
    return ctrl

"""Building the L7 half of a scenario: ingress-nginx controllers and the Ingresses each serves, Gateways and
their HTTPRoutes, and the DNS names that lead clients to them.

Who serves what:

* an ingress-nginx controller is a Deployment or Pod whose container runs ``/nginx-ingress-controller`` (its
  first ``command``/``args`` word); its flags (``--controller-class``, ``--ingress-class``,
  ``--watch-ingress-without-class``, ``--publish-service``, ...) decide which Ingresses it reads;
* a Gateway is served by the Pods of its namespace labelled ``gateway.networking.k8s.io/gateway-name: NAME``
  (GEP-1762), when a GatewayClass of the scenario names its ``gatewayClassName``;
* both proxies listen on their ports whatever the containerPorts say (HTTP 80 / HTTPS 443 for ingress-nginx,
  the listener ports for a Gateway).

Names: as external-dns publishes them, every host of a served Ingress rule resolves to the Ingress's
``status.loadBalancer.ingress`` addresses (given, or as ingress-nginx's status updater would write them), and
every hostname of an HTTPRoute to its Gateway's ``status.addresses`` (given, or the LoadBalancer IP / external
IPs of the Service in front of the Gateway's Pods).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from ..core.context import BuildState, Ctx
from ..core.netutil import is_ip
from .gateway import GATEWAY_NAME_LABEL, Gateway, HTTPRoute, attached
from .gateway_parse import parse_gateway, parse_gateway_class, parse_http_route
from .ingress import Ingress, IngressController
from .ingress_parse import controller_from_args, parse_ingress, parse_ingress_class
from .l7 import gateway_host_match
from .model import Pod
from quizapp.words import say

L7_KINDS = {
    "Ingress": {"networking.k8s.io/v1"}, "IngressClass": {"networking.k8s.io/v1"},
    "Gateway": {"gateway.networking.k8s.io/v1"}, "GatewayClass": {"gateway.networking.k8s.io/v1"},
    "HTTPRoute": {"gateway.networking.k8s.io/v1"},
}
_GW = "gateway.networking.k8s.io/"
REFUSED_KINDS = {
    "GRPCRoute": {_GW + "v1"}, "TLSRoute": {_GW + v for v in ("v1alpha2", "v1alpha3", "v1")},
    "TCPRoute": {_GW + "v1alpha2"}, "UDPRoute": {_GW + "v1alpha2"},
    "ReferenceGrant": {_GW + "v1beta1", _GW + "v1"}, "BackendTLSPolicy": {_GW + "v1alpha3", _GW + "v1"},
}


@dataclass
class DnsRecord:
    pattern: str  # host or *.suffix
    ips: list[str]
    source: str  # what published it (a DNS wildcard covers any number of labels, RFC 4592)


@dataclass
class L7Index:
    controllers: dict[Pod, IngressController] = field(default_factory=dict)
    gateways: dict[Pod, Gateway] = field(default_factory=dict)
    records: list[DnsRecord] = field(default_factory=list)

    def lookup(self, host: str) -> DnsRecord | None:
        """The record for ``host``: an exact name first, then a wildcard."""
        for r in self.records:
            if r.pattern == host:
                return r
        for r in self.records:
            if r.pattern.startswith("*.") and gateway_host_match(r.pattern, host):
                return r
        return None


def _running(spec: object) -> list[tuple[int, dict, list]]:
    """The containers of a Pod spec that name a command line: (index, container, command + args)."""
    items = spec.get("containers") if isinstance(spec, dict) else None
    if not isinstance(items, list):
        return []
    out = []
    for i, c in enumerate(items):
        if isinstance(c, dict) and (c.get("args") or c.get("command")):
            out.append((i, c, [*(c.get("command") or []), *(c.get("args") or [])]))
    return out


def _controllers(state: BuildState, by_kind: dict) -> tuple[dict[Pod, IngressController], list[IngressController]]:
    scn = state.scn
    found: dict[Pod, IngressController] = {}
    every: list[IngressController] = []
    for kind, base in (("Pod", "spec"), ("Deployment", "spec.template.spec")):
        for ctx, obj in by_kind.get(kind, []):
            spec = obj.get("spec")
            if kind == "Deployment":
                template = spec.get("template") if isinstance(spec, dict) else None
                spec = template.get("spec") if isinstance(template, dict) else None
            for i, c, words in _running(spec):
                meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
                name, ns = meta.get("name"), meta.get("namespace") or "default"
                key = "args" if c.get("args") and not c.get("command") else "command"
                ctrl = controller_from_args(words, ns, str(name), ctx.doc.index, f"{base}.containers[{i}].{key}", ctx.err)
                if ctrl is None:
                    continue
                pods = [p for p in scn.pods.values() if p.namespace == ns and (
                    p.owner == name if kind == "Deployment" else (p.owner is None and p.name == name))]
                ctrl.pods = pods
                every.append(ctrl)
                for pod in pods:
                    _listen(pod, [ctrl.http_port, ctrl.https_port])
                    found[pod] = ctrl
    return found, every


def _listen(pod: Pod, ports: list[int]) -> None:
    """The proxy listens on its ports whatever the containerPorts say (on the node's addresses with hostNetwork)."""
    pod.listens |= {(port, "tcp") for port in ports}
    if pod.host_network and pod.node is not None:
        for port in ports:
            pod.node.host_listeners.setdefault((port, "tcp"), pod)


def _node_address(obj_by_node: dict[str, dict], node, internal: bool) -> str:
    """GetNodeIPOrName: the node's ExternalIP unless --report-node-internal-ip-address, else its InternalIP."""
    if not internal:
        for a in ((obj_by_node.get(node.name) or {}).get("status") or {}).get("addresses") or []:
            if isinstance(a, dict) and a.get("type") == "ExternalIP" and is_ip(a.get("address")):
                return a["address"]
    return node.ip


def _controller_address(scn, ctrl: IngressController, nodes: dict[str, dict]) -> tuple[list[str], str]:
    """What ingress-nginx's status updater writes into its Ingresses' status (internal/ingress/status)."""
    if not ctrl.update_status:
        return [], "--update-status=false: the controller writes no address"
    if ctrl.publish_status_address:
        return list(ctrl.publish_status_address), "--publish-status-address"
    if ctrl.publish_service:
        ns, _, name = ctrl.publish_service.rpartition("/")
        svc = scn.services.get((ns or ctrl.namespace, name))
        if svc is None:
            return [], f"--publish-service {ctrl.publish_service}: no such Service"
        if svc.type == "LoadBalancer":
            ips = list(dict.fromkeys([*svc.lb_ips, *svc.external_ips]))
            return ips, f"--publish-service {ctrl.publish_service} (its load-balancer IP)"
        if svc.type == "NodePort" and svc.external_ips:
            return list(svc.external_ips), f"--publish-service {ctrl.publish_service} (its externalIPs)"
        if svc.cluster_ip:
            return [svc.cluster_ip], f"--publish-service {ctrl.publish_service}: a {svc.type} Service publishes its Cluster IP"
        return [], f"--publish-service {ctrl.publish_service} has no address"
    ips = []
    for pod in ctrl.pods:
        if pod.ready and pod.node is not None:
            ip = _node_address(nodes, pod.node, ctrl.node_internal_ip)
            if ip not in ips:
                ips.append(ip)
    return sorted(ips), "the addresses of the nodes running the controller's ready Pods"


def build_l7(state: BuildState, by_kind: dict[str, list[tuple[Ctx, dict]]]) -> None:
    scn = state.scn
    for kind in REFUSED_KINDS:
        for ctx, _obj in by_kind.get(kind, []):
            ctx.err("kind", say('not modelled: {kind} (the simulator models Ingress, and Gateways with HTTPRoutes only)', kind=kind))
    index = L7Index()
    index.controllers, ctrls = _controllers(state, by_kind)
    classes: dict[str, str] = {}
    default_class = None
    for ctx, obj in by_kind.get("IngressClass", []):
        got = parse_ingress_class(obj, ctx.err)
        if got is None:
            continue
        name, controller, is_default = got
        if name in classes:
            ctx.err("metadata.name", say('ingressclasses.networking.k8s.io "{name}" already exists', name=name))
            continue
        classes[name] = controller
        if is_default:
            if default_class is not None:
                ctx.err("metadata.annotations", say('two default IngressClasses ({default_class}, {name}): the admission plugin refuses Ingresses without a class; mark one only', default_class=default_class, name=name))
            default_class = name
    for ctrl in ctrls:
        ctrl.classes = {n for n, c in classes.items() if c == ctrl.controller_class}
    nodes = {obj.get("metadata", {}).get("name"): obj for _c, obj in by_kind.get("Node", []) if isinstance(obj.get("metadata"), dict)}
    seen: set[tuple[str, str]] = set()
    for ctx, obj in by_kind.get("Ingress", []):
        ing = parse_ingress(obj, ctx.err, ctx.doc.index, default_class)
        if ing is None:
            continue
        if (ing.namespace, ing.name) in seen:
            ctx.err("metadata.name", say('ingresses.networking.k8s.io "{name}" already exists in namespace {namespace}', name=ing.name, namespace=ing.namespace))
            continue
        seen.add((ing.namespace, ing.name))
        _check_backends(scn, ctx, ing)
        hosts = {r.host for r in ing.rules if r.host}
        for i, (tls_hosts, _secret) in enumerate(ing.tls):
            for h in tls_hosts:
                if h not in hosts:
                    scn.warning(say('{ref} spec.tls[{i}]: host {host} is in no rule of the Ingress; ingress-nginx configures TLS only for hosts of rules', ref=ing.ref, i=i, host=h))
        served = []
        reasons = []
        for ctrl in ctrls:
            ok, why = ctrl.serves(ing)
            (served if ok else reasons).append(ctrl if ok else why)
        for ctrl in served:
            ctrl.ingresses.append(ing)
        if not served:
            why = reasons[0] if reasons else say("no ingress controller runs in the scenario")
            scn.warning(say('{ref} is served by no ingress controller: {why}', ref=ing.ref, why=why))
            continue
        for ctrl in served:
            ips, source = (ing.status_ips, "status.loadBalancer") if ing.status_ips else _controller_address(scn, ctrl, nodes)
            for rule in ing.rules:
                if rule.host and not index.lookup(rule.host) and ips:
                    index.records.append(DnsRecord(rule.host, ips, f"{ing.ref}: {source}"))
    for ctrl in ctrls:
        ctrl.ingresses.sort(key=lambda i: (i.created or "~", i.namespace, i.name))
    _gateways(state, by_kind, index)
    scn.l7 = index


def _check_backends(scn, ctx: Ctx, ing: Ingress) -> None:
    backends = [ing.default_backend] if ing.default_backend else []
    backends += [p.backend for r in ing.rules for p in r.paths]
    for b in backends:
        svc = scn.services.get((b.namespace, b.service))
        if svc is not None and svc.type == "ExternalName":
            ctx.err(b.where, say('not modelled: an ExternalName Service ({service}) as an Ingress backend', service=b.service))


def _gateways(state: BuildState, by_kind: dict, index: L7Index) -> None:
    scn = state.scn
    classes: dict[str, str] = {}
    for ctx, obj in by_kind.get("GatewayClass", []):
        got = parse_gateway_class(obj, ctx.err)
        if got is not None:
            classes[got[0]] = got[1]
    gateways: dict[tuple[str, str], Gateway] = {}
    for ctx, obj in by_kind.get("Gateway", []):
        gw = parse_gateway(obj, ctx.err, ctx.doc.index)
        if gw is None:
            continue
        if (gw.namespace, gw.name) in gateways:
            ctx.err("metadata.name", say('gateways.gateway.networking.k8s.io "{name}" already exists in namespace {namespace}', name=gw.name, namespace=gw.namespace))
            continue
        gateways[(gw.namespace, gw.name)] = gw
        gw.accepted = gw.class_name in classes
        gw.controller = classes.get(gw.class_name, "")
        if not gw.accepted:
            scn.warning(say('{ref}: no GatewayClass {class_name} in the scenario, so no controller accepts it and nothing serves its listeners', ref=gw.ref, class_name=repr(gw.class_name)))
            continue
        gw.pods = [p for p in scn.pods.values() if p.namespace == gw.namespace and p.labels.get(GATEWAY_NAME_LABEL) == gw.name]
        if not gw.pods:
            scn.warning(say('{ref}: no Pod labelled {gateway_name_label}: {name} in namespace {namespace}: nothing serves its listeners', ref=gw.ref, gateway_name_label=GATEWAY_NAME_LABEL, name=gw.name, namespace=gw.namespace))
        for pod in gw.pods:
            _listen(pod, [lis.port for lis in gw.listeners])
            index.gateways[pod] = gw
    routes: list[HTTPRoute] = []
    for ctx, obj in by_kind.get("HTTPRoute", []):
        route = parse_http_route(obj, ctx.err, ctx.doc.index)
        if route is None:
            continue
        routes.append(route)
        for p in route.parents:
            gw = gateways.get((p.namespace, p.name))
            if gw is None:
                scn.warning(say('{ref}: parentRef {namespace}/{name} is no Gateway of the scenario', ref=route.ref, namespace=p.namespace, name=p.name))
            elif route not in gw.routes:
                gw.routes.append(route)
    for gw in gateways.values():
        if not gw.accepted:
            continue
        for route in gw.routes:
            whys = [why for lis in gw.listeners for names, why in [attached(route, gw, lis, scn.namespace_labels)] if not names]
            if len(whys) == len(gw.listeners):
                reasons = list(dict.fromkeys(whys))
                scn.warning(say("{ref} is not accepted by {gateway} (its controller ignores it): {reasons}", ref=route.ref,
                                gateway=gw.ref, reasons=_joined(reasons)))
        ips = gw.status_ips or _gateway_service_ips(scn, gw)
        for lis in gw.listeners:
            for route in gw.routes:
                names, _why = attached(route, gw, lis, scn.namespace_labels)
                for name in names:
                    if name != "*" and ips and not any(r.pattern == name for r in index.records):
                        index.records.append(DnsRecord(name, ips, f"{gw.ref}: {'status.addresses' if gw.status_ips else 'its LoadBalancer Service'}"))


def _gateway_service_ips(scn, gw: Gateway) -> list[str]:
    for svc in scn.services.values():
        if svc.namespace != gw.namespace or not svc.selector or svc.type != "LoadBalancer":
            continue
        if any(all(p.labels.get(k) == v for k, v in svc.selector.items()) for p in gw.pods):
            return list(dict.fromkeys([*svc.lb_ips, *svc.external_ips]))
    return []


def _joined(reasons: list) -> Any:
    """Reasons as one message: ``first; second; ...`` (each rendered in the reader's language)."""
    return reduce(lambda first, then: say("{first}; {then}", first=first, then=then), reasons)

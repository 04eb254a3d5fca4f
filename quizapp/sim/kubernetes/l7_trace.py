"""Trace steps for URL destinations: the HTTP hop in an ingress controller or a Gateway's proxy, and the
proxy's own connection to the backend.

The L4 path to the proxy is the ordinary one (DNS, the LAN or load balancer, kube-proxy, flannel). When the
connection reaches an ingress-nginx Pod on its HTTP/HTTPS port, or a Gateway's Pod on a listener port, the proxy
reads the request: TLS terminated (named in the hop), host and path matched (:func:`.ingress.route_ingress`,
:func:`.gateway.route_gateway`), and either answers itself (404, 308, 500, 503) or opens a new connection from its
own Pod to one endpoint of the chosen Service. ingress-nginx and Gateway proxies balance over the endpoints
themselves (EndpointSlices), not through the Cluster IP, unless ingress-nginx's ``service-upstream`` annotation
says so. The backend Pod's socket sees the proxy's address; the client's is in ``X-Forwarded-For``: the address
the proxy saw (ingress-nginx's default ``use-forwarded-headers: false`` sets it to ``$remote_addr``), which is a
node's address when kube-proxy masqueraded the connection on the way in.
"""

from __future__ import annotations

from typing import Any

from ..core.packet import Done, Packet
from ..core.result import EndpointRef
from .gateway import pick_listener, route_gateway
from .ingress import route_ingress
from .l7 import Backend, Decision, HttpRequest, status_line
from .model import Node, Pod, usable_endpoints
from .names import pod_name
from quizapp.words import Said, say


class L7Steps:
    """Mixin of the tracer (:mod:`quizapp.sim.trace`): HTTP requests through Ingress and Gateway proxies."""

    http: HttpRequest | None = None
    _l7_done = False

    # ------------------------------------------------------------------ names external-dns publishes
    def _lan_name(self, name: str) -> str | None:
        ip = super()._lan_name(name)  # type: ignore[misc]
        if ip is not None or self.scn.l7 is None:
            return ip
        rec = self.scn.l7.lookup(name)
        return rec.ips[0] if rec is not None else None

    def _upstream_what(self, name: str) -> Said:
        rec = self.scn.l7.lookup(name) if self.scn.l7 is not None and super()._lan_name(name) is None else None  # type: ignore[misc]
        if rec is None:
            return super()._upstream_what(name)  # type: ignore[misc]
        more = say("; also {ips}", ips=", ".join(rec.ips[1:])) if len(rec.ips) > 1 else ""
        return say("external-dns record {pattern} from {source}{more}", pattern=rec.pattern, source=rec.source, more=more)

    # ------------------------------------------------------------------ where the proxy takes over
    def _deliver_pod(self, pod: Pod, pkt: Packet) -> None:
        if self.http is not None and not self._l7_done and self.scn.l7 is not None and (pkt.dport, pkt.proto) in pod.listens:
            self._maybe_l7(pod, pkt, f"{pod.ref} eth0")
        super()._deliver_pod(pod, pkt)  # type: ignore[misc]

    def _node_input(self, node: Node, pkt: Packet) -> None:
        pod = node.host_listeners.get((pkt.dport, pkt.proto))
        if pod is not None and self.http is not None and not self._l7_done and self.scn.l7 is not None:
            self._maybe_l7(pod, pkt, f"{node.ref} INPUT")
        super()._node_input(node, pkt)  # type: ignore[misc]

    def _maybe_l7(self, pod: Pod, pkt: Packet, where: str) -> None:
        idx = self.scn.l7
        ctrl, gw = idx.controllers.get(pod), idx.gateways.get(pod)
        req = self.http
        if ctrl is not None and pkt.dport in (ctrl.http_port, ctrl.https_port):
            self._l7_done = True
            self.hop(where, say('{ctrl} accepts the connection on {dport}/tcp, peer address {src}', ctrl=ctrl.ref, dport=pkt.dport, src=pkt.src))
            https = pkt.dport == ctrl.https_port
            d = self._scheme_mismatch(req, https) or route_ingress(ctrl, req, https)
            self._l7_answer(pod, pkt, d, f"{pod.ref} ingress-nginx", ctrl.ref)
        elif gw is not None and any(lis.port == pkt.dport for lis in gw.listeners):
            self._l7_done = True
            self.hop(where, say('the proxy of {gw} ({controller}) accepts the connection on {dport}/tcp, peer address {src}', gw=gw.ref, controller=gw.controller, dport=pkt.dport, src=pkt.src))
            lis, on_port = pick_listener(gw, pkt.dport, req.host)
            if lis is None:
                names = ", ".join(sorted(lis.hostname or "any" for lis in on_port))
                d = Decision(404, say("no listener on port {port} has a hostname matching {host} ({names})",
                                      port=pkt.dport, host=req.host, names=names))
            else:
                d = (self._scheme_mismatch(req, lis.protocol == "HTTPS")
                     or route_gateway(gw, lis, req, self.scn.namespace_labels))
            self._l7_answer(pod, pkt, d, f"{pod.ref} gateway", gw.ref)

    @staticmethod
    def _scheme_mismatch(req: HttpRequest, https_port: bool) -> Decision | None:
        if req.scheme == "https" and not https_port:
            return Decision(400, say("a TLS handshake sent to a plain HTTP port: the proxy reads the ClientHello as a "
                                     "malformed request and answers 400 Bad Request in plain text (the client reports a "
                                     "TLS error)"))
        if req.scheme == "http" and https_port:
            return Decision(400, say("a plain HTTP request sent to the HTTPS port: 400 Bad Request (\"The plain HTTP "
                                     "request was sent to HTTPS port\")"))
        return None

    # ------------------------------------------------------------------ the proxy's answer or its upstream
    def _l7_answer(self, pod: Pod, pkt: Packet, d: Decision, where: str, proxy: str) -> None:
        req = self.http
        seen = pkt.src
        for note in d.notes:
            self.hop(where, note)
        if d.tls:
            self.hop(where, d.tls)
        info: dict[str, Any] = {"scheme": req.scheme, "host": req.host, "path": req.path, "proxy": proxy,
                                "matched": str(d.matched), "backend": None, "status": d.status,
                                "x_forwarded_for": seen, "tls": str(d.tls) if d.tls else None}
        me = EndpointRef("pod", pod_name(pod), pkt.dst, pkt.dport)
        if not d.backends or d.status != 200:
            if d.location:
                info["location"] = d.location
            extra = f" Location: {d.location}" if d.location else ""  # a header: verbatim
            self._http_hop(where, say('GET {path} Host: {host_header}: {matched}; answers {status_line}{extra}', path=req.path, host_header=req.host_header, matched=d.matched, status_line=status_line(d.status), extra=extra), info)
            raise Done(None, me, seen)
        live = [b for b in d.backends if b.weight > 0]
        if not live:
            info["status"] = 500
            self._http_hop(where, say('{matched}: every backendRef has weight 0: answers {status_line}', matched=d.matched, status_line=status_line(500)), info)
            raise Done(None, me, seen)
        b = self._weighted(live)
        info["backend"] = b.label
        problem, svc, sp = self._resolve_backend(b)
        eps = []
        if problem is None:
            eps = usable_endpoints(sp.endpoints)
            if not eps:
                problem = say("Service {service} has no ready endpoints", service="/".join((b.namespace, b.service)))
        if problem is not None:
            # Gateway API: an invalid reference (no such Service or port) answers 500; no endpoints, 503
            code = 500 if b.problem or (proxy.startswith("gateway/") and sp is None) else 503
            info["status"] = code
            self._http_hop(where, say('{matched} -> {label}: {problem}; answers {status_line}', matched=d.matched, label=b.label, problem=problem, status_line=status_line(code)), info)
            raise Done(None, me, seen)
        weights = "" if len(live) == 1 else say(" (weight {weight} of {total})", weight=b.weight, total=sum(x.weight for x in live))
        info["status"] = None  # the backend answers
        self._http_hop(where, say('GET {path} Host: {host_header}: {matched} -> {label}{weights}; X-Forwarded-For: {seen}', path=req.path, host_header=req.host_header, matched=d.matched, label=b.label, weights=weights, seen=seen), info)
        self._upstream(pod, svc, sp, eps, live, d, where, info)

    def _http_hop(self, where: str, what: Said, info: dict[str, Any]) -> None:
        self.hop(where, what)
        self.hops[-1]["http"] = info

    def _weighted(self, live: list[Backend]) -> Backend:
        total = sum(b.weight for b in live)
        if len(live) == 1:
            return live[0]
        r = self.rng.randrange(total)
        for b in live:
            r -= b.weight
            if r < 0:
                return b
        return live[-1]  # pragma: no cover

    def _resolve_backend(self, b: Backend) -> tuple[str | None, Any, Any]:
        if b.problem:
            return b.problem, None, None
        svc = self.scn.services.get((b.namespace, b.service))
        if svc is None:
            return say("no Service {service}", service=f"{b.namespace}/{b.service}"), None, None
        for sp in svc.ports:
            if sp.protocol == "TCP" and (sp.port == b.port or (sp.name is not None and sp.name == b.port)):
                return None, svc, sp
        return say("Service {service} has no TCP port {port}", service=f"{b.namespace}/{b.service}", port=b.port), svc, None

    def _upstream(self, pod: Pod, svc, sp, eps, live: list[Backend], d: Decision, where: str, info: dict) -> None:
        cands = []
        for b in live:
            _p, _s, bsp = self._resolve_backend(b)
            if bsp is not None:
                cands += [self._ep_ref(e) for e in usable_endpoints(bsp.endpoints)]  # type: ignore[attr-defined]
        if d.via_cluster_ip and svc.cluster_ip:
            dst, port = svc.cluster_ip, sp.port
            self.hop(where, say('service-upstream: connects to the Cluster IP {dst}:{port}; kube-proxy picks the endpoint', dst=dst, port=port))
        else:
            ep = eps[self.rng.randrange(len(eps))] if len(eps) > 1 else eps[0]
            dst, port = ep.ip, ep.port
            self.hop(where, say("balances over {namespace}/{name}'s endpoints itself (EndpointSlices, not the Cluster IP): {key}", namespace=svc.namespace, name=svc.name, key=ep.key))
            self.candidates = cands
        src = self._node_source(pod.node, dst) if pod.host_network else pod.ip  # type: ignore[attr-defined]
        pkt = Packet(src, dst, port, "tcp")
        try:
            self._pod_send(pod, pkt)  # type: ignore[attr-defined]
        except Done as done:
            if done.reason is not None:
                code = 502 if done.reason in ("refused", "unreachable") else 504
                info["status"] = code
                self.hop(where, say('the upstream connection failed ({reason}): the proxy answers the client {status_line}', reason=done.reason, status_line=status_line(code)))
            raise


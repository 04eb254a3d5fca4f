"""Tracing one connection through a loaded scenario, hop by hop.

The packet walks the same decision points as on a real machine: the sender's route and source-address
choice, DNS, iptables nat PREROUTING/OUTPUT (kube-proxy's KUBE-SERVICES / KUBE-NODEPORTS / KUBE-EXT /
KUBE-SVC / KUBE-SVL / KUBE-SEP chains, the CNI portmap CNI-HOSTPORT-DNAT chain, Docker's DOCKER chain),
routing (local delivery, cni0, flannel.1 / host-gw, the node LAN, docker bridges), the filter table
(REJECT / DROP rules of kube-proxy, Docker's isolation and DOCKER chains), POSTROUTING MASQUERADE, the
bridge (hairpin), docker-proxy, and finally the receiving socket (or none: RST / ICMP port unreachable).
"""

from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from .errors import TraceError
from .model import (DockerContainer, DockerHost, DockerNetwork, Endpoint, Node, Pod, Scenario, Service,
                    ServicePort)
from .netutil import ip_int, is_ip, is_loopback

DEFAULT_EXTERNAL_IP = "203.0.113.10"
REASONS = ("refused", "timeout", "unreachable", "nxdomain")


# ---------------------------------------------------------------------------------------------- result

@dataclass
class EndpointRef:
    kind: str  # pod | container | node | host
    name: str
    ip: str
    port: int

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "ip": self.ip, "port": self.port}


@dataclass
class TraceResult:
    """The outcome of one traced connection. :meth:`to_dict` is the ``--json`` object of issue 3."""

    delivered: bool
    endpoint: EndpointRef | None
    candidates: list[EndpointRef]
    source_ip_seen: str | None
    reason: str | None
    hops: list[dict[str, Any]]
    src: str = ""
    dst: str = ""
    seed: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "delivered": self.delivered,
            "endpoint": self.endpoint.to_dict() if self.endpoint else None,
            "candidates": [c.to_dict() for c in self.candidates],
            "source_ip_seen": self.source_ip_seen,
            "reason": self.reason,
            "hops": [dict(h) for h in self.hops],
        }


def _change_text(ch: dict[str, Any]) -> str:
    t = ch.get("type")
    if t in ("DNAT", "SNAT"):
        return f"[{t} {ch['before']} -> {ch['after']}]"
    if t == "encap":
        return f"[encap {ch['outer']}]"
    if t == "decap":
        return f"[decap {ch.get('outer', '')}]".replace(" ]", "]")
    if t == "proxy":
        extra = f" {ch['before']} => {ch['after']}" if "before" in ch else ""
        return f"[proxy{extra}]"
    return "[" + " ".join(f"{k}={v}" for k, v in ch.items()) + "]"


def format_trace(result: TraceResult) -> str:
    """The trace, readable: a header, one hop a line, the outcome."""
    lines = [f"trace {result.src} -> {result.dst} (seed {result.seed})"]
    width = len(str(len(result.hops)))
    for i, h in enumerate(result.hops, 1):
        text = f"{str(i).rjust(width)}. {h['where']}: {h['what']}"
        if h.get("change"):
            text += " " + _change_text(h["change"])
        lines.append(text)
    if result.delivered and result.endpoint:
        e = result.endpoint
        lines.append(f"delivered to {e.kind}/{e.name} at {e.ip}:{e.port}; the process sees source {result.source_ip_seen}")
    else:
        lines.append(f"not delivered: {result.reason}")
    if len(result.candidates) > 1:
        lines.append("candidates: " + ", ".join(f"{c.kind}/{c.name} {c.ip}:{c.port}" for c in result.candidates))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- names

def _hash16(s: str) -> str:
    return base64.b32encode(hashlib.sha256(s.encode()).digest()).decode()[:16]


def svc_chain(svc: Service, sp: ServicePort, prefix: str = "KUBE-SVC-") -> str:
    """kube-proxy's chain name: prefix + base32(sha256(ns/name:port + protocol))[:16]."""
    return prefix + _hash16(svc.port_label(sp) + sp.protocol.lower())


def sep_chain(svc: Service, sp: ServicePort, ep: Endpoint) -> str:
    return "KUBE-SEP-" + _hash16(svc.port_label(sp) + sp.protocol.lower() + ep.key)


# ---------------------------------------------------------------------------------------------- engine

class _Done(Exception):
    def __init__(self, reason: str | None = None, endpoint: EndpointRef | None = None, seen: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.endpoint = endpoint
        self.seen = seen


@dataclass
class _Packet:
    src: str
    dst: str
    dport: int
    proto: str  # tcp | udp
    mark: bool = False  # KUBE-MARK-MASQ / CNI-HOSTPORT-SETMARK 0x4000

    @property
    def dst_text(self) -> str:
        return f"{self.dst}:{self.dport}"


@dataclass
class _Origin:
    kind: str  # external | node | pod | container | host
    ref: str
    ip: str | None = None
    node: Node | None = None
    pod: Pod | None = None
    host: DockerHost | None = None
    container: DockerContainer | None = None


class _Tracer:
    def __init__(self, scn: Scenario, rng: random.Random, recent: dict):
        self.scn = scn
        self.rng = rng
        self.recent = recent
        self.hops: list[dict[str, Any]] = []
        self.candidates: list[EndpointRef] = []
        self.client_ip = ""

    def hop(self, where: str, what: str, change: dict[str, Any] | None = None) -> None:
        h: dict[str, Any] = {"where": where, "what": what}
        if change:
            h["change"] = change
        self.hops.append(h)

    # -- refs ---------------------------------------------------------------------------------------
    def _ep_ref(self, ep: Endpoint) -> EndpointRef:
        if ep.pod is not None:
            return EndpointRef("pod", _pod_name(ep.pod), ep.ip, ep.port)
        node = self.scn.node_by_ip.get(ep.ip)
        if node is not None:
            return EndpointRef("node", node.name, ep.ip, ep.port)
        host = self.scn.host_by_ip.get(ep.ip)
        if host is not None:
            return EndpointRef("host", host.name, ep.ip, ep.port)
        return EndpointRef("external", ep.ip, ep.ip, ep.port)

    # -- choice -------------------------------------------------------------------------------------
    def _statistic(self, n: int) -> int:
        """kube-proxy: rule i of n matches with probability 1/(n-i); the last rule always matches."""
        for i in range(n - 1):
            if self.rng.random() < 1.0 / (n - i):
                return i
        return n - 1

    # -- entry --------------------------------------------------------------------------------------
    def run(self, origin: _Origin, host_text: str, port: int, proto: str) -> None:
        dst = self._resolve(origin, host_text)
        src = self._pick_source(origin, dst)
        self.client_ip = src
        pkt = _Packet(src, dst, port, proto)
        if origin.kind == "external":
            self.hop(f"external {src}", f"opens {proto} {dst}:{port}")
            self._lan(pkt, origin)
        elif origin.kind == "node":
            self.hop(origin.ref, f"a process on the node opens {proto} {dst}:{port} from {src}")
            self._node_local_send(origin.node, pkt, origin.ref)
        elif origin.kind == "pod":
            self._pod_send(origin.pod, pkt)
        elif origin.kind == "host":
            self.hop(origin.ref, f"a process on the host opens {proto} {dst}:{port} from {src}")
            self._dhost_local_send(origin.host, pkt, origin.ref)
        elif origin.kind == "container":
            self._container_send(origin.container, pkt)

    # -- DNS ----------------------------------------------------------------------------------------
    def _lan_name(self, name: str) -> str | None:
        node = self.scn.nodes.get(name)
        if node is not None:
            return node.ip
        host = self.scn.hosts.get(name)
        if host is not None:
            return host.ip
        return None

    def _resolve(self, origin: _Origin, name: str) -> str:
        if is_ip(name):
            return name
        low = name.lower().rstrip(".")
        if low == "localhost":
            return "127.0.0.1"
        where = f"{origin.ref} resolver"
        if origin.kind == "pod":
            pod = origin.pod
            cluster_dns = pod.dns_policy == "ClusterFirst" and not pod.host_network or pod.dns_policy == "ClusterFirstWithHostNet"
            if cluster_dns:
                ip = self._cluster_dns(pod, low, name, where)
                if ip is not None:
                    return ip
            elif pod.host_network and pod.dns_policy == "ClusterFirst":
                self.hop(where, "hostNetwork Pod with dnsPolicy ClusterFirst falls back to the node's resolv.conf (no cluster DNS; set dnsPolicy: ClusterFirstWithHostNet)")
        if origin.kind == "container":
            ip = self._docker_dns(origin.container, low, name, where)
            if ip is not None:
                return ip
        ip = self._lan_name(low)
        if ip is not None:
            self.hop(where, f"{name} -> {ip} (a machine on the LAN, known to the upstream resolver)")
            return ip
        self.hop(where, f"{name}: NXDOMAIN (no record for this name from {origin.ref})")
        raise _Done("nxdomain")

    def _cluster_dns(self, pod: Pod, low: str, name: str, where: str) -> str | None:
        d = self.scn.cluster.domain
        ns = pod.namespace
        searches = [f"{ns}.svc.{d}", f"svc.{d}", d]
        tries = [f"{low}.{s}" for s in searches] + [low] if low.count(".") < 5 else [low] + [f"{low}.{s}" for s in searches]
        for fq in tries:
            svc = self.scn.dns.get(fq)
            if svc is None:
                continue
            return self._service_record(svc, fq, name, where, pod)
        return None

    def _service_record(self, svc: Service, fq: str, name: str, where: str, pod: Pod | None, depth: int = 0) -> str:
        if svc.type == "ExternalName":
            target = (svc.external_name or "").rstrip(".").lower()
            self.hop(where, f"{name} -> CNAME {target} (ExternalName Service {svc.namespace}/{svc.name}: DNS only, kube-proxy installs no rules)")
            if is_ip(target):
                return target
            nxt = self.scn.dns.get(target)
            if nxt is not None and depth < 8:
                return self._service_record(nxt, target, target, where, pod, depth + 1)
            ip = self._lan_name(target)
            if ip is not None:
                self.hop(where, f"{target} -> {ip}")
                return ip
            self.hop(where, f"{target}: no address for it inside the scenario (NXDOMAIN)")
            raise _Done("nxdomain")
        if svc.headless:
            ips: list[str] = []
            refs: dict[str, EndpointRef] = {}
            for sp in svc.ports:
                for ep in sp.endpoints:
                    if ep.ip not in refs:
                        ips.append(ep.ip)
                        r = self._ep_ref(ep)
                        refs[ep.ip] = EndpointRef(r.kind, r.name, ep.ip, 0)
            if not svc.ports and svc.selector:
                for p in self.scn.pods.values():  # headless without ports: every ready selected Pod
                    if p.namespace == svc.namespace and p.ip and p.ready and all(p.labels.get(k) == v for k, v in svc.selector.items()):
                        if p.ip not in refs:
                            ips.append(p.ip)
                            refs[p.ip] = EndpointRef("pod", _pod_name(p), p.ip, 0)
            if not ips:
                self.hop(where, f"{name} -> {fq}: headless Service with no ready endpoints: no A records (NXDOMAIN)")
                raise _Done("nxdomain")
            ips.sort(key=ip_int)
            i = self.rng.randrange(len(ips)) if len(ips) > 1 else 0
            self._headless_refs = [refs[ip] for ip in ips]
            self.hop(where, f"{name} -> {fq}: headless Service, A records {', '.join(ips)} (the Pod IPs; no virtual IP); the client uses {ips[i]}")
            return ips[i]
        shown = name if name.lower().rstrip(".") == fq else f"{name} -> {fq}"
        search = f", search path {pod.namespace}.svc.{self.scn.cluster.domain}" if pod is not None and shown != name else ""
        self.hop(where, f"{shown} -> {svc.cluster_ip} (cluster DNS{search})")
        return svc.cluster_ip  # type: ignore[return-value]

    def _docker_dns(self, c: DockerContainer, low: str, name: str, where: str) -> str | None:
        owner = c.ns_owner
        if owner.mode == "none":
            self.hop(where, f"{name}: the container has only lo, no DNS server is reachable")
            raise _Done("nxdomain")
        user_nets = [a for a in owner.attachments if a.network.user_defined]
        for att in user_nets:
            target = att.network.dns.get(low)
            if target is not None:
                ip = next(a.ip for a in target.attachments if a.network is att.network)
                self.hop(where, f"{name} -> {ip} (Docker embedded DNS 127.0.0.11, network {att.network.name})")
                return ip
        if owner.mode == "bridge" and not user_nets:
            for h_c in owner.host.containers.values():
                if h_c.name.lower() == low:
                    self.hop(where, f"{name}: no name resolution on the default bridge (the container uses the host's resolv.conf; only legacy --link adds names)")
                    raise _Done("nxdomain")
        return None

    # -- source address -----------------------------------------------------------------------------
    def _pick_source(self, origin: _Origin, dst: str) -> str:
        if origin.kind == "external":
            return origin.ip  # type: ignore[return-value]
        if is_loopback(dst):
            return "127.0.0.1"
        if origin.kind in ("node",) or (origin.kind == "pod" and origin.pod.host_network):
            node = origin.node
            return self._node_source(node, dst)
        if origin.kind == "pod":
            return origin.pod.ip  # type: ignore[return-value]
        if origin.kind == "host":
            return self._host_source(origin.host, dst)
        if origin.kind == "container":
            owner = origin.container.ns_owner
            if owner.mode == "host":
                return self._host_source(owner.host, dst)
            if owner.mode == "none":
                return "127.0.0.1"
            for att in owner.attachments:
                if _in(dst, att.network.subnet):
                    return att.ip
            return owner.attachments[0].ip if owner.attachments else "127.0.0.1"
        raise AssertionError(origin.kind)

    def _node_source(self, node: Node, dst: str) -> str:
        if dst in (node.ip, node.bridge_ip, node.vtep_ip):
            return dst
        if _in(dst, node.pod_cidr):
            return node.bridge_ip
        other = self.scn.node_for_pod_ip(dst)
        if other is not None:
            return node.vtep_ip if self.scn.cluster.backend == "vxlan" else node.ip
        return node.ip

    def _host_source(self, host: DockerHost, dst: str) -> str:
        for net in host.networks.values():
            if net.gateway == dst:
                return dst
            if net.subnet is not None and _in(dst, net.subnet):
                return net.gateway  # type: ignore[return-value]
        return host.ip

    # -- the LAN ------------------------------------------------------------------------------------
    def _lan(self, pkt: _Packet, origin_kind: Any, sender: str = "") -> None:
        external = isinstance(origin_kind, _Origin) and origin_kind.kind == "external"
        node = self.scn.node_by_ip.get(pkt.dst)
        if node is not None:
            self.hop(f"{node.ref} eth0", f"receives {pkt.proto} {pkt.src} -> {pkt.dst_text}")
            self._node_process(node, pkt, "eth0")
            return
        host = self.scn.host_by_ip.get(pkt.dst)
        if host is not None:
            self.hop(f"{host.ref} eth0", f"receives {pkt.proto} {pkt.src} -> {pkt.dst_text}")
            self._dhost_process(host, pkt, "eth0")
            return
        if pkt.dst in self.scn.lb_ips:
            self._load_balancer(pkt)
            return
        if external:
            what = "no route to this address from outside"
            if self.scn.nodes and self.scn.in_service_cidr(pkt.dst):
                what = f"{pkt.dst} is a Cluster IP: it exists only as kube-proxy rules inside each node, nothing outside routes to it"
            elif self.scn.nodes and self.scn.in_cluster_cidr(pkt.dst):
                what = f"{pkt.dst} is in the Pod network, which is not routed outside the cluster"
            elif any(n.subnet is not None and _in(pkt.dst, n.subnet) for h in self.scn.hosts.values() for n in h.networks.values()):
                what = f"{pkt.dst} is on a Docker bridge, private to its host"
            self.hop(f"external {pkt.src}", what)
            raise _Done("unreachable")
        self.hop(sender or "LAN", f"no machine in the scenario has {pkt.dst}; the packet leaves by the default route and nothing answers")
        raise _Done("timeout")

    def _load_balancer(self, pkt: _Packet) -> None:
        hit = self.scn.ext_index.get((pkt.dst, pkt.dport, pkt.proto))
        where = f"loadbalancer {pkt.dst}"
        if hit is None:
            self.hop(where, f"the load balancer has no listener for {pkt.dport}/{pkt.proto}")
            raise _Done("timeout")
        svc, sp = hit
        if svc.external_traffic_policy == "Local":
            names = sorted({e.node_name for e in sp.endpoints if e.node_name in self.scn.nodes})
            nodes = [self.scn.nodes[n] for n in names]
            why = "externalTrafficPolicy Local: only nodes whose healthCheckNodePort reports a local endpoint"
        else:
            nodes = self.scn.sorted_nodes
            why = "externalTrafficPolicy Cluster: any node"
        if not nodes:
            self.hop(where, "no healthy node behind the load balancer")
            raise _Done("timeout")
        node = nodes[self.rng.randrange(len(nodes))] if len(nodes) > 1 else nodes[0]
        self.hop(where, f"forwards to {node.ref} ({why}); destination stays {pkt.dst_text}")
        self.hop(f"{node.ref} eth0", f"receives {pkt.proto} {pkt.src} -> {pkt.dst_text}")
        self._node_process(node, pkt, "eth0")

    # -- Kubernetes nodes ---------------------------------------------------------------------------
    def _node_is_local(self, node: Node, ip: str) -> bool:
        return ip == node.ip or ip == node.bridge_ip or ip == node.vtep_ip or is_loopback(ip)

    def _node_local_send(self, node: Node, pkt: _Packet, ref: str) -> None:
        self._node_process(node, pkt, "local")

    def _pod_send(self, pod: Pod, pkt: _Packet) -> None:
        node = pod.node
        if pod.host_network:
            self.hop(f"{pod.ref}", f"hostNetwork Pod: opens {pkt.proto} {pkt.dst_text} from {pkt.src} in {node.ref}'s network namespace")
            self._node_process(node, pkt, "local")
            return
        if is_loopback(pkt.dst) or pkt.dst == pod.ip:
            self.hop(f"{pod.ref} lo", f"{pkt.dst} is the Pod's own address; delivered inside its network namespace (shared by all its containers)")
            self._deliver_pod(pod, pkt)
            return
        self.hop(f"{pod.ref} eth0", f"{pkt.proto} {pkt.src} -> {pkt.dst_text}, via the default route {node.bridge_ip} (cni0 on {node.ref})")
        self._node_process(node, pkt, "cni0", from_pod=pod)

    def _node_process(self, node: Node, pkt: _Packet, origin: str, from_pod: Pod | None = None) -> None:
        scn = self.scn
        chain = "OUTPUT" if origin == "local" else "PREROUTING"
        where = f"{node.ref} iptables nat {chain}"
        pkt.mark = False
        key = (pkt.dst, pkt.dport, pkt.proto)
        local = self._node_is_local(node, pkt.dst)
        hit = scn.vip_index.get(key)
        if hit is not None:
            self._kube_cluster_ip(node, pkt, hit[0], hit[1], where)
        elif key in scn.ext_index:
            svc, sp = scn.ext_index[key]
            self.hop(where, f"KUBE-SERVICES: -d {pkt.dst}/32 -p {pkt.proto} --dport {pkt.dport} -j {svc_chain(svc, sp, 'KUBE-EXT-')} ({svc.port_label(sp)} loadbalancer IP)")
            self._kube_ext(node, pkt, svc, sp, origin, where)
            local = False
        elif local:
            np_hit = scn.nodeport_index.get((pkt.dport, pkt.proto))
            if np_hit is not None and (not is_loopback(pkt.dst) or origin == "local"):
                svc, sp = np_hit
                self.hop(where, f"KUBE-SERVICES: -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS; KUBE-NODEPORTS: -p {pkt.proto} --dport {pkt.dport} -j {svc_chain(svc, sp, 'KUBE-EXT-')} ({svc.port_label(sp)} nodePort)")
                self._kube_ext(node, pkt, svc, sp, origin, where)
                local = False
            else:
                hp = node.host_ports.get((pkt.dport, pkt.proto))
                if hp:
                    for pod, cport, hip in hp:
                        if hip == "0.0.0.0" or hip == pkt.dst:
                            self.hop(where, f"CNI-HOSTPORT-DNAT (portmap plugin): -p {pkt.proto} --dport {pkt.dport} -> {pod.ref} hostPort")
                            if pkt.src == pod.ip or is_loopback(pkt.src):
                                pkt.mark = True
                                self.hop(where, f"CNI-HOSTPORT-SETMARK: -s {pkt.src} marks the packet for masquerade ({'hairpin' if pkt.src == pod.ip else 'from localhost'})")
                            before = pkt.dst_text
                            pkt.dst, pkt.dport = pod.ip, cport  # type: ignore[assignment]
                            self.hop(where, "DNAT to the Pod", {"type": "DNAT", "before": before, "after": pkt.dst_text})
                            local = False
                            break
        if local and self._node_is_local(node, pkt.dst):
            self._node_input(node, pkt)
            return
        self._node_route(node, pkt, origin, from_pod)

    def _node_input(self, node: Node, pkt: _Packet) -> None:
        pod = node.host_listeners.get((pkt.dport, pkt.proto))
        if pod is not None:
            self.hop(f"{node.ref} INPUT", f"local delivery to {pkt.dst_text}: {pod.ref} (hostNetwork) listens on the node's addresses")
            raise _Done(None, EndpointRef("pod", _pod_name(pod), pkt.dst, pkt.dport), pkt.src)
        self._refuse(f"{node.ref} INPUT", f"nothing listens on {pkt.dst_text}/{pkt.proto} on the node (not a nodePort, no hostPort, no hostNetwork Pod)", pkt)

    def _refuse(self, where: str, what: str, pkt: _Packet) -> None:
        answer = "the kernel answers with a TCP RST" if pkt.proto == "tcp" else "the kernel answers with ICMP port unreachable"
        self.hop(where, f"{what}; {answer}")
        raise _Done("refused")

    def _kube_cluster_ip(self, node: Node, pkt: _Packet, svc: Service, sp: ServicePort, where: str) -> None:
        chain = svc_chain(svc, sp)
        self.hop(where, f"KUBE-SERVICES: -d {pkt.dst}/32 -p {pkt.proto} --dport {pkt.dport} -j {chain} ({svc.port_label(sp)} cluster IP)")
        eps = sp.endpoints
        if not eps:
            self.hop(f"{node.ref} iptables filter", f"KUBE-SERVICES: {svc.port_label(sp)} has no endpoints -d {pkt.dst}/32 --dport {pkt.dport} -j REJECT")
            raise _Done("refused")
        if svc.internal_traffic_policy == "Local":
            eps = [e for e in eps if e.node_name == node.name]
            if not eps:
                self.hop(f"{node.ref} iptables filter", f"KUBE-SERVICES: {svc.port_label(sp)} has no local endpoints (internalTrafficPolicy Local) -j DROP")
                raise _Done("timeout")
            chain = svc_chain(svc, sp, "KUBE-SVL-")
            self.hop(where, f"internalTrafficPolicy Local: {chain} holds only {node.ref}'s endpoints")
        if self.scn.nodes and not self.scn.in_cluster_cidr(pkt.src):
            pkt.mark = True
            self.hop(where, f"{chain}: ! -s {self.scn.cluster.cluster_cidr} -d {pkt.dst}/32 -j KUBE-MARK-MASQ (source outside the Pod network)")
        self._pick_and_dnat(node, pkt, svc, sp, eps, chain, where)

    def _kube_ext(self, node: Node, pkt: _Packet, svc: Service, sp: ServicePort, origin: str, where: str) -> None:
        ext = svc_chain(svc, sp, "KUBE-EXT-")
        eps = sp.endpoints
        if not eps:
            self.hop(f"{node.ref} iptables filter", f"KUBE-EXTERNAL-SERVICES: {svc.port_label(sp)} has no endpoints --dport {pkt.dport} -j REJECT")
            raise _Done("refused")
        svc_ch = svc_chain(svc, sp)
        if svc.external_traffic_policy == "Cluster":
            pkt.mark = True
            self.hop(where, f"{ext}: -j KUBE-MARK-MASQ (externalTrafficPolicy Cluster: masquerade), then -j {svc_ch}")
            self._pick_and_dnat(node, pkt, svc, sp, eps, svc_ch, where)
            return
        if self.scn.in_cluster_cidr(pkt.src):
            self.hop(where, f"{ext}: -s {self.scn.cluster.cluster_cidr} -j {svc_ch} (short-circuit pod traffic: all endpoints, no masquerade)")
            self._pick_and_dnat(node, pkt, svc, sp, eps, svc_ch, where)
            return
        if origin == "local":
            pkt.mark = True
            self.hop(where, f"{ext}: -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ, -j {svc_ch} (traffic from the node itself: all endpoints)")
            self._pick_and_dnat(node, pkt, svc, sp, eps, svc_ch, where)
            return
        local = [e for e in eps if e.node_name == node.name]
        if not local:
            self.hop(f"{node.ref} iptables filter", f"KUBE-EXTERNAL-SERVICES: {svc.port_label(sp)} has no local endpoints (externalTrafficPolicy Local) --dport {pkt.dport} -j DROP")
            raise _Done("timeout")
        svl = svc_chain(svc, sp, "KUBE-SVL-")
        self.hop(where, f"{ext}: -j {svl} (externalTrafficPolicy Local: only {node.ref}'s endpoints, client address kept)")
        self._pick_and_dnat(node, pkt, svc, sp, local, svl, where)

    def _pick_and_dnat(self, node: Node, pkt: _Packet, svc: Service, sp: ServicePort, eps: list[Endpoint], chain: str, where: str) -> None:
        n = len(eps)
        self.candidates = [self._ep_ref(e) for e in eps]
        akey = (svc.namespace, svc.name, sp.port, sp.protocol, self.client_ip)
        pinned = None
        if svc.session_affinity == "ClientIP":
            prev = self.recent.get(akey)
            if prev is not None:
                pinned = next((i for i, e in enumerate(eps) if e.key == prev), None)
        if pinned is not None:
            i = pinned
            self.hop(where, f"{chain}: -m recent --rcheck --seconds {svc.affinity_timeout} --reap: {self.client_ip} is pinned to {eps[i].key} (sessionAffinity ClientIP) -> {sep_chain(svc, sp, eps[i])}")
        else:
            i = self._statistic(n)
            if n == 1:
                self.hop(where, f"{chain}: single endpoint -> {sep_chain(svc, sp, eps[i])}")
            elif i < n - 1:
                self.hop(where, f"{chain}: rule {i + 1} of {n} (-m statistic --mode random --probability {1.0 / (n - i):.5f}) matches -> {sep_chain(svc, sp, eps[i])}")
            else:
                self.hop(where, f"{chain}: rule {n} of {n} (no statistic match, catches the rest) -> {sep_chain(svc, sp, eps[i])}")
            if svc.session_affinity == "ClientIP":
                self.recent[akey] = eps[i].key
                self.hop(where, f"{sep_chain(svc, sp, eps[i])}: -m recent --set: remembers {self.client_ip} for {svc.affinity_timeout}s (sessionAffinity ClientIP)")
        ep = eps[i]
        sep = sep_chain(svc, sp, ep)
        if pkt.src == ep.ip:
            pkt.mark = True
            self.hop(where, f"{sep}: -s {ep.ip}/32 -j KUBE-MARK-MASQ (hairpin: the Pod reaches itself through its Service)")
        before = pkt.dst_text
        pkt.dst, pkt.dport = ep.ip, ep.port
        self.hop(where, f"{sep}: DNAT --to-destination {pkt.dst_text}", {"type": "DNAT", "before": before, "after": pkt.dst_text})

    def _masquerade(self, node: Node, pkt: _Packet, iface: str, addr: str) -> None:
        where = f"{node.ref} iptables nat POSTROUTING"
        if pkt.mark:
            before = pkt.src
            pkt.src = addr
            self.hop(where, f"KUBE-POSTROUTING: mark 0x4000 -> MASQUERADE to {iface}'s address", {"type": "SNAT", "before": before, "after": addr})
        elif (self.scn.cluster.ip_masq and self.scn.in_cluster_cidr(pkt.src) and not self.scn.in_cluster_cidr(pkt.dst)
              and iface == "eth0"):
            before = pkt.src
            pkt.src = addr
            self.hop(where, f"flannel: -s {self.scn.cluster.cluster_cidr} ! -d {self.scn.cluster.cluster_cidr} -j MASQUERADE (Pod traffic leaving the Pod network)", {"type": "SNAT", "before": before, "after": addr})
        pkt.mark = False

    def _node_route(self, node: Node, pkt: _Packet, origin: str, from_pod: Pod | None) -> None:
        scn = self.scn
        dst = pkt.dst
        if _in(dst, node.pod_cidr):
            self._masquerade(node, pkt, "cni0", node.bridge_ip)
            target = scn.pod_by_ip.get(dst)
            if target is None or target.node is not node:
                self.hop(f"{node.ref} cni0", f"no Pod has {dst}: ARP gets no answer (No route to host)")
                raise _Done("unreachable")
            if from_pod is target:
                if not scn.cluster.hairpin_mode:
                    self.hop(f"{node.ref} cni0", f"the frame would go back out {target.ref}'s own bridge port; hairpinMode is off, so the bridge drops it")
                    raise _Done("timeout")
                self.hop(f"{node.ref} cni0", f"hairpin: the bridge sends the frame back out the port it came in on (hairpinMode true) to {target.ref}")
            else:
                self.hop(f"{node.ref} cni0", f"bridges to {target.ref}'s veth")
            self._deliver_pod(target, pkt)
            return
        other = scn.node_for_pod_ip(dst)
        if other is not None and other is not node:
            if scn.cluster.backend == "vxlan":
                self._masquerade(node, pkt, "flannel.1", node.vtep_ip)
                self.hop(f"{node.ref} flannel.1", f"route {other.pod_cidr} via {other.vtep_ip} dev flannel.1 onlink: VXLAN VNI 1 encapsulation to {other.ref}",
                         {"type": "encap", "outer": f"{node.ip}->{other.ip} udp/8472"})
                self.hop(f"{other.ref} eth0", f"receives UDP {node.ip} -> {other.ip}:8472")
                self.hop(f"{other.ref} flannel.1", f"decapsulates: inner {pkt.src} -> {pkt.dst_text}", {"type": "decap"})
                self._node_process(other, pkt, "flannel.1")
            else:
                self._masquerade(node, pkt, "eth0", node.ip)
                self.hop(f"{node.ref} eth0", f"route {other.pod_cidr} via {other.ip} (flannel host-gw): forwarded unencapsulated")
                self.hop(f"{other.ref} eth0", f"receives {pkt.proto} {pkt.src} -> {pkt.dst_text}")
                self._node_process(other, pkt, "eth0")
            return
        if self.scn.nodes and self.scn.in_cluster_cidr(dst):
            self.hop(f"{node.ref}", f"{dst} is in the cluster CIDR but in no node's podCIDR: no route")
            raise _Done("unreachable")
        if dst in scn.node_by_ip or dst in scn.host_by_ip or dst in scn.lb_ips:
            self._masquerade(node, pkt, "eth0", node.ip)
            self.hop(f"{node.ref} eth0", f"sends {pkt.src} -> {pkt.dst_text} on the LAN")
            self._lan(pkt, None, f"{node.ref} eth0")
            return
        if self.scn.in_service_cidr(dst):
            self.hop(f"{node.ref}", f"no kube-proxy rule matches {pkt.dst_text}/{pkt.proto} (not a Service port); the packet follows the default route and nothing answers")
            raise _Done("timeout")
        self._masquerade(node, pkt, "eth0", node.ip)
        self._lan(pkt, None, f"{node.ref} eth0")

    def _deliver_pod(self, pod: Pod, pkt: _Packet) -> None:
        if (pkt.dport, pkt.proto) in pod.listens:
            self.hop(f"{pod.ref} eth0" if not is_loopback(pkt.dst) else f"{pod.ref} lo",
                     f"a container of the Pod listens on {pkt.dport}/{pkt.proto}: accepted, peer address {pkt.src}")
            raise _Done(None, EndpointRef("pod", _pod_name(pod), pkt.dst, pkt.dport), pkt.src)
        self._refuse(f"{pod.ref} eth0", f"no container of {pod.ref} listens on {pkt.dport}/{pkt.proto}", pkt)

    # -- Docker hosts -------------------------------------------------------------------------------
    def _dhost_is_local(self, host: DockerHost, ip: str) -> bool:
        if ip == host.ip or is_loopback(ip):
            return True
        return any(n.gateway == ip for n in host.networks.values())

    def _dhost_local_send(self, host: DockerHost, pkt: _Packet, ref: str) -> None:
        self._dhost_process(host, pkt, "local")

    def _dhost_process(self, host: DockerHost, pkt: _Packet, origin: str, from_net: DockerNetwork | None = None,
                       from_container: DockerContainer | None = None) -> None:
        chain = "OUTPUT" if origin == "local" else "PREROUTING"
        where = f"{host.ref} iptables nat {chain}"
        if self._dhost_is_local(host, pkt.dst):
            if origin == "local" and is_loopback(pkt.dst):
                pass  # OUTPUT ! -d 127.0.0.0/8: no DNAT for loopback
            elif origin == "bridge":
                self.hop(where, f"DOCKER: -i {from_net.bridge} -j RETURN (no DNAT for traffic arriving from a container bridge)")
            else:
                for m, c in host.mappings.get((pkt.proto, pkt.dport), []):
                    if m.host_ip in ("0.0.0.0", pkt.dst):
                        att = c.attachments[0]
                        before = pkt.dst_text
                        pkt.dst, pkt.dport = att.ip, m.container_port
                        self.hop(where, f"DOCKER: ! -i {att.network.bridge} -p {pkt.proto} --dport {m.host_port} -j DNAT --to-destination {pkt.dst_text} ({c.ref} -p {_mapping_text(m)})",
                                 {"type": "DNAT", "before": before, "after": pkt.dst_text})
                        if origin != "local":
                            self.hop(f"{host.ref} iptables filter FORWARD", f"DOCKER: -d {att.ip}/32 ! -i {att.network.bridge} -o {att.network.bridge} -p {pkt.proto} --dport {m.container_port} -j ACCEPT")
                        self.hop(f"{host.ref} {att.network.bridge}", f"bridges to {c.ref}")
                        self._deliver_container(c, pkt)
                        return
            self._dhost_input(host, pkt)
            return
        # routing
        for net in host.networks.values():
            if net.subnet is None or not _in(pkt.dst, net.subnet):
                continue
            if origin == "bridge" and from_net is not None and from_net is not net:
                self.hop(f"{host.ref} iptables filter FORWARD", f"DOCKER-ISOLATION-STAGE-1: -i {from_net.bridge} ! -o {from_net.bridge} -j DOCKER-ISOLATION-STAGE-2; DOCKER-ISOLATION-STAGE-2: -o {net.bridge} -j DROP (networks {from_net.name} and {net.name} are isolated)")
                raise _Done("timeout")
            if origin == "eth0":
                self.hop(f"{host.ref} iptables filter FORWARD", f"DOCKER: ! -i {net.bridge} -o {net.bridge} -j DROP (only published ports are forwarded in)")
                raise _Done("timeout")
            target = net.by_ip.get(pkt.dst)
            if target is None:
                self.hop(f"{host.ref} {net.bridge}", f"no container has {pkt.dst}: ARP gets no answer")
                raise _Done("unreachable")
            self.hop(f"{host.ref} {net.bridge}", f"route {net.subnet} dev {net.bridge}: bridges to {target.ref}")
            self._deliver_container(target, pkt)
            return
        if origin == "bridge" and from_net is not None and from_net.internal:
            self.hop(f"{host.ref}", f"network {from_net.name} is --internal: no route out")
            raise _Done("unreachable")
        if origin == "bridge" and from_net is not None:
            before = pkt.src
            pkt.src = host.ip
            self.hop(f"{host.ref} iptables nat POSTROUTING", f"-s {from_net.subnet} ! -o {from_net.bridge} -j MASQUERADE", {"type": "SNAT", "before": before, "after": host.ip})
        self.hop(f"{host.ref} eth0", f"sends {pkt.src} -> {pkt.dst_text} on the LAN")
        self._lan(pkt, None, f"{host.ref} eth0")

    def _dhost_input(self, host: DockerHost, pkt: _Packet) -> None:
        for m, c in host.mappings.get((pkt.proto, pkt.dport), []):
            if m.host_ip == "0.0.0.0" or m.host_ip == pkt.dst:
                att = c.attachments[0]
                before = f"{pkt.src}->{pkt.dst_text}"
                pkt.src, pkt.dst, pkt.dport = att.network.gateway, att.ip, m.container_port  # type: ignore[assignment]
                self.hop(f"{host.ref} docker-proxy", f"docker-proxy (userland proxy) listening on {m.host_ip}:{m.host_port}/{m.proto} accepts and opens its own connection to {c.ref}",
                         {"type": "proxy", "before": before, "after": f"{pkt.src}->{pkt.dst_text}"})
                self.hop(f"{host.ref} {att.network.bridge}", f"bridges to {c.ref}")
                owner = c.ns_owner
                if self._ns_listener(owner, pkt) is None:
                    if pkt.proto == "tcp":
                        self.hop(f"{c.ref} eth0", f"nothing listens on {pkt.dport}/tcp: RST to docker-proxy, which closes the client's connection")
                        raise _Done("refused")
                    self.hop(f"{c.ref} eth0", f"nothing listens on {pkt.dport}/udp: the ICMP error goes to docker-proxy; the client hears nothing")
                    raise _Done("timeout")
                self._deliver_container(c, pkt)
                return
        c = host.host_listeners.get((pkt.dport, pkt.proto))
        if c is not None:
            self.hop(f"{host.ref} INPUT", f"local delivery: {c.ref} (--network host) listens on the host's addresses")
            raise _Done(None, EndpointRef("container", c.name, pkt.dst, pkt.dport), pkt.src)
        bound = [m for m, _c in host.mappings.get((pkt.proto, pkt.dport), [])]
        extra = ""
        if bound:
            extra = f" (the port is published on {', '.join(m.host_ip for m in bound)} only)"
        self._refuse(f"{host.ref} INPUT", f"nothing listens on {pkt.dst_text}/{pkt.proto}{extra}", pkt)

    def _ns_listener(self, owner: DockerContainer, pkt: _Packet) -> DockerContainer | None:
        for member in owner.host.ns_members.get(id(owner), [owner]):
            if (pkt.dport, pkt.proto) in member.listens:
                return member
        return None

    def _deliver_container(self, c: DockerContainer, pkt: _Packet) -> None:
        owner = c.ns_owner
        member = self._ns_listener(owner, pkt)
        if member is None:
            self._refuse(f"{c.ref} eth0", f"no process in {c.ref}'s network namespace listens on {pkt.dport}/{pkt.proto}", pkt)
        shared = f" (shares {owner.ref}'s network namespace)" if member is not owner else ""
        self.hop(f"{member.ref} {'lo' if is_loopback(pkt.dst) else 'eth0'}", f"{member.ref}{shared} listens on {pkt.dport}/{pkt.proto}: accepted, peer address {pkt.src}")
        raise _Done(None, EndpointRef("container", member.name, pkt.dst, pkt.dport), pkt.src)

    def _container_send(self, c: DockerContainer, pkt: _Packet) -> None:
        owner = c.ns_owner
        host = c.host
        via = f" (in {owner.ref}'s network namespace)" if owner is not c else ""
        if owner.mode == "host":
            self.hop(c.ref, f"--network host: opens {pkt.proto} {pkt.dst_text} from {pkt.src} in {host.ref}'s network namespace")
            self._dhost_process(host, pkt, "local")
            return
        own_ips = {a.ip for a in owner.attachments}
        if is_loopback(pkt.dst) or pkt.dst in own_ips:
            self.hop(f"{c.ref} lo", f"{pkt.dst} is local to the container's network namespace{via}")
            self._deliver_container(owner, pkt)
            return
        if owner.mode == "none":
            self.hop(f"{c.ref}", "--network none: the namespace has only lo; connect() fails with Network is unreachable")
            raise _Done("unreachable")
        for att in owner.attachments:
            net = att.network
            if _in(pkt.dst, net.subnet):
                self.hop(f"{c.ref} eth0", f"{pkt.proto} {pkt.src} -> {pkt.dst_text} on network {net.name} ({net.bridge}){via}")
                if pkt.dst == net.gateway:
                    self._dhost_process(host, pkt, "bridge", net, c)
                    return
                target = net.by_ip.get(pkt.dst)
                if target is None:
                    self.hop(f"{host.ref} {net.bridge}", f"no container has {pkt.dst}: ARP gets no answer")
                    raise _Done("unreachable")
                self.hop(f"{host.ref} {net.bridge}", f"bridges to {target.ref} (same network)")
                self._deliver_container(target, pkt)
                return
        att = owner.attachments[0]
        if att.network.internal:
            self.hop(f"{c.ref}", f"network {att.network.name} is --internal: no default route")
            raise _Done("unreachable")
        self.hop(f"{c.ref} eth0", f"{pkt.proto} {pkt.src} -> {pkt.dst_text} via the default route {att.network.gateway} ({att.network.bridge}){via}")
        self._dhost_process(host, pkt, "bridge", att.network, c)


def _mapping_text(m: Any) -> str:
    host = f"{m.host_ip}:" if m.host_ip != "0.0.0.0" else ""
    return f"{host}{m.host_port}:{m.container_port}/{m.proto}"


def _in(ip: str, net: Any) -> bool:
    if net is None:
        return False
    return (ip_int(ip) & int(net.netmask)) == int(net.network_address)


def _pod_name(pod: Pod) -> str:
    return pod.name if pod.namespace == "default" else f"{pod.namespace}/{pod.name}"


# ---------------------------------------------------------------------------------------------- API

def _parse_origin(scn: Scenario, src: str) -> _Origin:
    if src == "external" or src.startswith("external:"):
        ip = src.split(":", 1)[1] if ":" in src else DEFAULT_EXTERNAL_IP
        if not is_ip(ip):
            raise TraceError(f"--from {src}: {ip!r} is not an IPv4 address")
        if ip in scn.node_by_ip or ip in scn.host_by_ip or ip in scn.pod_by_ip:
            raise TraceError(f"--from {src}: {ip} belongs to a machine in the scenario; an external client needs an address outside it")
        return _Origin("external", f"external {ip}", ip=ip)
    kind, _, rest = src.partition("/")
    if not rest:
        raise TraceError(f"--from {src!r}: use external[:IP], node/NAME, pod/NAME, pod/NAMESPACE/NAME, container/NAME or host/NAME")
    if kind == "node":
        node = scn.nodes.get(rest)
        if node is None:
            raise TraceError(f"--from {src}: no Node {rest!r} (nodes: {', '.join(sorted(scn.nodes)) or 'none'})")
        return _Origin("node", node.ref, node=node)
    if kind == "pod":
        ns, _, name = rest.rpartition("/")
        ns = ns or "default"
        pod = scn.pods.get((ns, name))
        if pod is None:
            raise TraceError(f"--from {src}: no Pod {name!r} in namespace {ns!r}")
        if pod.node is None or pod.ip is None:
            raise TraceError(f"--from {src}: the Pod is Pending (no node could take it) and has no network")
        return _Origin("pod", pod.ref, pod=pod, node=pod.node)
    if kind == "host":
        host = scn.hosts.get(rest)
        if host is None:
            raise TraceError(f"--from {src}: no DockerHost {rest!r}")
        return _Origin("host", host.ref, host=host)
    if kind == "container":
        hname, _, cname = rest.rpartition("/")
        if hname:
            host = scn.hosts.get(hname)
            c = host.containers.get(cname) if host else None
            if c is None:
                raise TraceError(f"--from {src}: no container {cname!r} on host {hname!r}")
        else:
            found = scn.containers.get(cname, [])
            if not found:
                raise TraceError(f"--from {src}: no container {cname!r}")
            if len(found) > 1:
                raise TraceError(f"--from {src}: {len(found)} hosts run a container {cname!r}; say container/HOST/{cname}")
            c = found[0]
        return _Origin("container", c.ref, container=c, host=c.host)
    raise TraceError(f"--from {src!r}: unknown source kind {kind!r}")


def _parse_dst(dst: str) -> tuple[str, int, str]:
    body, slash, proto = dst.partition("/")
    proto = (proto or "tcp").lower()
    if proto not in ("tcp", "udp"):
        raise TraceError(f"--to {dst}: protocol must be tcp or udp")
    host, colon, port = body.rpartition(":")
    if not colon or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise TraceError(f"--to {dst!r}: use HOST:PORT[/tcp|/udp] with a port from 1 to 65535")
    return host, int(port), proto


def _trace_one(scn: Scenario, origin: _Origin, host: str, port: int, proto: str, rng: random.Random, recent: dict,
               src: str, dst: str, seed: int) -> TraceResult:
    t = _Tracer(scn, rng, recent)
    t._headless_refs = None  # type: ignore[attr-defined]
    try:
        t.run(origin, host, port, proto)
        raise AssertionError("trace ended without an outcome")  # pragma: no cover
    except _Done as done:
        cands = t.candidates
        if getattr(t, "_headless_refs", None) and not cands:
            cands = [EndpointRef(r.kind, r.name, r.ip, port) for r in t._headless_refs]  # type: ignore[attr-defined]
        delivered = done.reason is None
        return TraceResult(delivered, done.endpoint if delivered else None, cands,
                           done.seen if delivered else None, done.reason, t.hops, src, dst, seed, list(scn.warnings))


def trace(scenario: Scenario, src: str, dst: str, seed: int | None = None) -> TraceResult:
    """Trace one new connection from ``src`` to ``dst``. Load-balanced choices come from ``seed`` (default 0)."""
    seed = 0 if seed is None else int(seed)
    origin = _parse_origin(scenario, src)
    host, port, proto = _parse_dst(dst)
    return _trace_one(scenario, origin, host, port, proto, random.Random(seed), {}, src, dst, seed)


def trace_series(scenario: Scenario, src: str, dst: str, count: int, seed: int | None = None) -> list[TraceResult]:
    """``count`` successive connections from the same client: one random stream, and kube-proxy's
    ``recent`` table carried from one to the next, so sessionAffinity ClientIP pins the client."""
    seed = 0 if seed is None else int(seed)
    origin = _parse_origin(scenario, src)
    host, port, proto = _parse_dst(dst)
    rng = random.Random(seed)
    recent: dict = {}
    return [_trace_one(scenario, origin, host, port, proto, rng, recent, src, dst, seed) for _ in range(count)]

"""The tracer's shared steps: where a connection starts, name resolution, source address choice, the LAN.

A trace walks the same decision points as a real machine: the sender's route and source-address choice, DNS,
iptables nat PREROUTING/OUTPUT, routing, the filter table, POSTROUTING, bridges, proxies and finally the
receiving socket (or none: RST / ICMP port unreachable). This base class holds the steps both halves share; the
Kubernetes steps (:mod:`quizapp.sim.kubernetes.trace`, ``.proxy``, ``.dns``) and the Docker steps
(:mod:`quizapp.sim.docker.trace`, ``.dns``) are mixins combined in :mod:`quizapp.sim.trace`.
"""

from __future__ import annotations

import random
from typing import Any

from .model import Scenario
from .netutil import is_ip, is_loopback
from .packet import Done, Origin, Packet, in_subnet
from .result import EndpointRef


class TracerBase:
    """One traced connection: the hops so far, the load-balancing candidates, the random stream."""

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

    def run(self, origin: Origin, host_text: str, port: int, proto: str) -> None:
        dst = self._resolve(origin, host_text)
        src = self._pick_source(origin, dst)
        self.client_ip = src
        pkt = Packet(src, dst, port, proto)
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

    def _lan_name(self, name: str) -> str | None:
        node = self.scn.nodes.get(name)
        if node is not None:
            return node.ip
        host = self.scn.hosts.get(name)
        if host is not None:
            return host.ip
        return None

    def _upstream_what(self, name: str) -> str:
        """Why the upstream resolver knows ``name`` (the L7 steps add the names external-dns publishes)."""
        return "a machine on the LAN, known to the upstream resolver"

    def _resolve(self, origin: Origin, name: str) -> str:
        if is_ip(name):
            return name
        low = name.lower().rstrip(".")
        if low == "localhost":
            return "127.0.0.1"
        where = f"{origin.ref} resolver"
        if origin.kind == "pod":  # resolv.conf as the kubelet writes it, every query in order, or NXDOMAIN
            return self._pod_resolve(origin.pod, low, name, where)
        if origin.kind == "container":
            ip = self._docker_dns(origin.container, low, name, where)
            if ip is not None:
                return ip
        ip = self._lan_name(low)
        if ip is not None:
            self.hop(where, f"{name} -> {ip} ({self._upstream_what(low)})")
            return ip
        self.hop(where, f"{name}: NXDOMAIN (no record for this name from {origin.ref})")
        raise Done("nxdomain")

    def _pick_source(self, origin: Origin, dst: str) -> str:
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
                if in_subnet(dst, att.network.subnet):
                    return att.ip
            route = owner.route_attachment()
            return route.ip if route is not None else owner.attachments[0].ip if owner.attachments else "127.0.0.1"
        raise AssertionError(origin.kind)

    def _lan(self, pkt: Packet, origin_kind: Any, sender: str = "") -> None:
        external = isinstance(origin_kind, Origin) and origin_kind.kind == "external"
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
        for host in self.scn.hosts.values():  # spec.lanRoutesToBridges: a static route on the LAN's router
            net = next((n for n in host.networks.values() if n.subnet is not None and in_subnet(pkt.dst, n.subnet)), None)
            if host.lan_routes and net is not None:
                self.hop(sender or f"external {pkt.src}", f"route {net.subnet} via {host.ip} ({host.ref}: the LAN's router has a static route to its bridge {net.name})")
                self.hop(f"{host.ref} eth0", f"receives {pkt.proto} {pkt.src} -> {pkt.dst_text}")
                self._dhost_process(host, pkt, "eth0")
                return
        via = self.scn.cluster.service_route_via if self.scn.nodes else None
        if via is not None and self.scn.in_service_cidr(pkt.dst):
            node = self.scn.nodes[via]
            self.hop(sender or f"external {pkt.src}", f"route {self.scn.cluster.service_cidr} via {node.ip} ({node.ref}: a static route, or ClusterIPs advertised by BGP)")
            self.hop(f"{node.ref} eth0", f"receives {pkt.proto} {pkt.src} -> {pkt.dst_text}")
            self._node_process(node, pkt, "eth0")
            return
        if external:
            what = "no route to this address from outside"
            if self.scn.nodes and self.scn.in_service_cidr(pkt.dst):
                what = f"{pkt.dst} is a Cluster IP: it exists only as kube-proxy rules inside each node, nothing outside routes to it"
            elif self.scn.nodes and self.scn.in_cluster_cidr(pkt.dst):
                what = f"{pkt.dst} is in the Pod network, which is not routed outside the cluster"
            elif any(n.subnet is not None and in_subnet(pkt.dst, n.subnet) for h in self.scn.hosts.values() for n in h.networks.values()):
                what = f"{pkt.dst} is on a Docker bridge, private to its host"
            self.hop(f"external {pkt.src}", what)
            raise Done("unreachable")
        self.hop(sender or "LAN", f"no machine in the scenario has {pkt.dst}; the packet leaves by the default route and nothing answers")
        raise Done("timeout")

    def _refuse(self, where: str, what: str, pkt: Packet) -> None:
        answer = {"tcp": "the kernel answers with a TCP RST", "sctp": "the kernel answers the INIT with an SCTP ABORT"}.get(
            pkt.proto, "the kernel answers with ICMP port unreachable")
        self.hop(where, f"{what}; {answer}")
        raise Done("refused")

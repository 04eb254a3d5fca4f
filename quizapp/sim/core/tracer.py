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
from .errors import TraceError
from .netutil import is_ip, is_loopback
from .packet import Done, Origin, Packet, in_subnet
from .result import EndpointRef
from .upstream import outside_message, upstream_could_answer
from quizapp.words import Said, say


class TracerBase:
    """One traced connection: the hops so far, the load-balancing candidates, the random stream."""

    def __init__(self, scn: Scenario, rng: random.Random, recent: dict):
        self.scn = scn
        self.rng = rng
        self.recent = recent
        self.hops: list[dict[str, Any]] = []
        self.candidates: list[EndpointRef] = []
        self.client_ip = ""

    def hop(self, where: str | Said, what: str | Said, change: dict[str, Any] | None = None) -> None:
        """One hop. `where`/`what` are :func:`quizapp.words.say` messages (English in ``where``/``what``, the
        message id and parameters under ``words`` for the edge to render in the reader's language) or plain
        strings (verbatim places such as ``node/a eth0``; a plain `what` has no translation: English everywhere)."""
        h: dict[str, Any] = {"where": str(where), "what": str(what)}
        if change:
            h["change"] = change
        words = {key: value.to_dict() for key, value in (("where", where), ("what", what)) if isinstance(value, Said)}
        if words:
            h["words"] = words
        self.hops.append(h)

    def run(self, origin: Origin, host_text: str, port: int, proto: str) -> None:
        dst = self._resolve(origin, host_text)
        src = self._pick_source(origin, dst)
        self.client_ip = src
        pkt = Packet(src, dst, port, proto)
        if origin.kind == "external":
            self.hop(say("external {src}", src=src), say('opens {proto} {dst}:{port}', proto=proto, dst=dst, port=port))
            self._lan(pkt, origin)
        elif origin.kind == "node":
            self.hop(origin.ref, say('a process on the node opens {proto} {dst}:{port} from {src}', proto=proto, dst=dst, port=port, src=src))
            self._node_local_send(origin.node, pkt, origin.ref)
        elif origin.kind == "pod":
            self._pod_send(origin.pod, pkt)
        elif origin.kind == "host":
            self.hop(origin.ref, say('a process on the host opens {proto} {dst}:{port} from {src}', proto=proto, dst=dst, port=port, src=src))
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

    def _upstream_what(self, name: str) -> Said:
        """Why the upstream resolver knows ``name`` (the L7 steps add the names external-dns publishes)."""
        return say("a machine on the LAN, known to the upstream resolver")

    def _resolve(self, origin: Origin, name: str) -> str:
        if is_ip(name):
            return name
        low = name.lower().rstrip(".")
        if low == "localhost":
            return "127.0.0.1"
        where = say("{origin} resolver", origin=origin.ref)
        if origin.kind == "pod":  # resolv.conf as the kubelet writes it, every query in order, or NXDOMAIN
            return self._pod_resolve(origin.pod, low, name, where)
        if origin.kind == "container":
            ip = self._docker_dns(origin.container, low, name, where)
            if ip is not None:
                return ip
        ip = self._lan_name(low)
        if ip is not None:
            self.hop(where, say('{name} -> {ip} ({why})', name=name, ip=ip, why=self._upstream_what(low)))
            return ip
        if upstream_could_answer(low, self._own_labels()):
            raise TraceError(outside_message(name, origin.ref))
        self.hop(where, say('{name}: NXDOMAIN (no record for this name from {origin})', name=name, origin=origin.ref))
        raise Done("nxdomain")

    def _own_labels(self) -> set[str]:
        """Labels that are the scenario's own (namespaces, the cluster domain's, Docker networks): not a public TLD."""
        scn = self.scn
        labels = {ns for ns, _ in scn.pods} | {ns for ns, _ in scn.services} | set(scn.namespace_labels)
        if scn.has_kubernetes:
            labels |= {"svc", "pod", "cluster", *scn.cluster.domain.split(".")}
        for host in scn.hosts.values():  # <container>.<network> names
            labels |= set(host.networks) | set(host.containers)
        return {label.lower() for label in labels}

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
        if self._lan_vlan(pkt):  # a container's own address on the LAN (Docker macvlan/ipvlan network)
            return
        node = self.scn.node_by_ip.get(pkt.dst)
        if node is not None:
            self.hop(f"{node.ref} eth0", say('receives {proto} {src} -> {dst_text}', proto=pkt.proto, src=pkt.src, dst_text=pkt.dst_text))
            self._node_process(node, pkt, "eth0")
            return
        host = self.scn.host_by_ip.get(pkt.dst)
        if host is not None:
            self.hop(f"{host.ref} eth0", say('receives {proto} {src} -> {dst_text}', proto=pkt.proto, src=pkt.src, dst_text=pkt.dst_text))
            self._dhost_process(host, pkt, "eth0")
            return
        if pkt.dst in self.scn.lb_ips:
            self._load_balancer(pkt)
            return
        for host in self.scn.hosts.values():  # spec.lanRoutesToBridges: a static route on the LAN's router
            net = next((n for n in host.networks.values() if n.driver == "bridge" and n.subnet is not None and in_subnet(pkt.dst, n.subnet)), None)
            if host.lan_routes and net is not None:
                self.hop(sender or f"external {pkt.src}", say("route {subnet} via {ip} ({host}: the LAN's router has a static route to its bridge {name})", subnet=net.subnet, ip=host.ip, host=host.ref, name=net.name))
                self.hop(f"{host.ref} eth0", say('receives {proto} {src} -> {dst_text}', proto=pkt.proto, src=pkt.src, dst_text=pkt.dst_text))
                self._dhost_process(host, pkt, "eth0")
                return
        via = self.scn.cluster.service_route_via if self.scn.nodes else None
        if via is not None and self.scn.in_service_cidr(pkt.dst):
            node = self.scn.nodes[via]
            self.hop(sender or say("external {src}", src=pkt.src), say('route {service_cidr} via {ip} ({node}: a static route, or ClusterIPs advertised by BGP)', service_cidr=self.scn.cluster.service_cidr, ip=node.ip, node=node.ref))
            self.hop(f"{node.ref} eth0", say('receives {proto} {src} -> {dst_text}', proto=pkt.proto, src=pkt.src, dst_text=pkt.dst_text))
            self._node_process(node, pkt, "eth0")
            return
        if external:
            what = say("no route to this address from outside")
            if self.scn.nodes and self.scn.in_service_cidr(pkt.dst):
                what = say("{dst} is a Cluster IP: it exists only as kube-proxy rules inside each node, nothing outside routes to it", dst=pkt.dst)
            elif self.scn.nodes and self.scn.in_cluster_cidr(pkt.dst):
                what = say("{dst} is in the Pod network, which is not routed outside the cluster", dst=pkt.dst)
            elif any(n.driver == "bridge" and n.subnet is not None and in_subnet(pkt.dst, n.subnet) for h in self.scn.hosts.values() for n in h.networks.values()):
                what = say("{dst} is on a Docker bridge, private to its host", dst=pkt.dst)
            self.hop(say("external {src}", src=pkt.src), what)
            raise Done("unreachable")
        # Not "timeout": a machine the scenario does not list may well answer (the LAN's printer, the internet),
        # and an empty LAN address fails ARP (unreachable). The model ends here, so the trace stops.
        raise TraceError(say('{dst} is not an address of the scenario: the packet leaves by the default route to a network the simulator does not model (whether a machine there answers, refuses or drops it is unknown); to trace it, add that machine as a Node or DockerHost', dst=pkt.dst))

    def _refuse(self, where: str, what: str | Said, pkt: Packet) -> None:
        answer = {"tcp": say("the kernel answers with a TCP RST"),
                  "sctp": say("the kernel answers the INIT with an SCTP ABORT")}.get(
            pkt.proto, say("the kernel answers with ICMP port unreachable"))
        self.hop(where, say('{what}; {answer}', what=what, answer=answer))
        raise Done("refused")

"""Trace steps on Kubernetes nodes and Pods: routing (cni0, flannel.1 VXLAN or host-gw, the node LAN),
hostPorts (CNI portmap), masquerading, hairpin, and the receiving Pod."""

from __future__ import annotations

from ..core.netutil import is_loopback
from ..core.packet import Done, Packet, in_subnet
from ..core.result import EndpointRef
from .model import Node, Pod
from .ipvs import bound_addresses
from .names import pod_name, svc_chain
from quizapp.words import say


class KubernetesSteps:
    """Mixin of the tracer (:mod:`quizapp.sim.trace`): what nodes and Pods do with a packet."""

    def _node_source(self, node: Node, dst: str) -> str:
        if dst in (node.ip, node.bridge_ip, node.vtep_ip) or dst in node.extra_ips:
            return dst
        if self.scn.proxy.mode == "ipvs" and dst in bound_addresses(self.scn):
            return dst  # a kube-ipvs0 address is local: the kernel sends from the destination address itself
        if in_subnet(dst, node.pod_cidr):
            return node.bridge_ip
        other = self.scn.node_for_pod_ip(dst)
        if other is not None:
            return node.vtep_ip if self.scn.cluster.backend == "vxlan" else node.ip
        return node.ip

    def _node_is_local(self, node: Node, ip: str) -> bool:
        return (ip == node.ip or ip == node.bridge_ip or ip == node.vtep_ip or is_loopback(ip)
                or ip in node.extra_ips or (self.scn.proxy.mode == "ipvs" and ip in bound_addresses(self.scn)))

    def _node_local_send(self, node: Node, pkt: Packet, ref: str) -> None:
        self._node_process(node, pkt, "local")

    def _pod_send(self, pod: Pod, pkt: Packet) -> None:
        node = pod.node
        if pod.host_network:
            self.hop(f"{pod.ref}", say("hostNetwork Pod: opens {proto} {dst_text} from {src} in {node}'s network namespace", proto=pkt.proto, dst_text=pkt.dst_text, src=pkt.src, node=node.ref))
            self._node_process(node, pkt, "local")
            return
        if is_loopback(pkt.dst) or pkt.dst == pod.ip:
            self.hop(f"{pod.ref} lo", say("{dst} is the Pod's own address; delivered inside its network namespace (shared by all its containers)", dst=pkt.dst))
            self._deliver_pod(pod, pkt)
            return
        self.hop(f"{pod.ref} eth0", say('{proto} {src} -> {dst_text}, via the default route {bridge_ip} (cni0 on {node})', proto=pkt.proto, src=pkt.src, dst_text=pkt.dst_text, bridge_ip=node.bridge_ip, node=node.ref))
        self._node_process(node, pkt, "cni0", from_pod=pod)

    def _node_process(self, node: Node, pkt: Packet, origin: str, from_pod: Pod | None = None) -> None:
        scn = self.scn
        if scn.proxy.mode == "ipvs":
            self._ipvs_node_process(node, pkt, origin, from_pod)
            return
        chain = "OUTPUT" if origin == "local" else "PREROUTING"
        nft = scn.proxy.mode == "nftables"
        where = self._nft_where(node, origin) if nft else f"{node.ref} iptables nat {chain}"
        pkt.mark = False
        key = (pkt.dst, pkt.dport, pkt.proto)
        local = self._node_is_local(node, pkt.dst)
        hit = scn.vip_index.get(key)
        if hit is not None:
            if nft:
                self._nft_cluster_ip(node, pkt, hit[0], hit[1], where, origin)
            else:
                self._kube_cluster_ip(node, pkt, hit[0], hit[1], where)
        elif key in scn.ext_index and nft:
            svc, sp = scn.ext_index[key]
            if svc.lb_source_ranges and pkt.dst in svc.lb_ips:
                self._nft_firewall(node, pkt, svc, sp, origin)
            self._nft_ext(node, pkt, svc, sp, origin, where, nodeport=False)
            local = False
        elif key in scn.ext_index:
            svc, sp = scn.ext_index[key]
            external = pkt.dst in svc.external_ips
            kind = say("external IP") if external else say("loadbalancer IP")
            if svc.lb_source_ranges and not external:
                self._source_ranges_firewall(node, pkt, svc, sp, where)
            self.hop(where, say('KUBE-SERVICES: -d {dst}/32 -p {proto} --dport {dport} -j {svc_chain} ({port_label} {kind})', dst=pkt.dst, proto=pkt.proto, dport=pkt.dport, svc_chain=svc_chain(svc, sp, 'KUBE-EXT-'), port_label=svc.port_label(sp), kind=kind))
            self._kube_ext(node, pkt, svc, sp, origin, where)
            local = False
        elif local:
            np_hit = scn.nodeport_index.get((pkt.dport, pkt.proto))
            if np_hit is not None and not scn.proxy.nodeport_on(pkt.dst, node.ip):
                uncovered = say("nodePortAddresses {addresses} do not cover {dst}",
                                addresses=str(scn.proxy.node_port_addresses), dst=pkt.dst)
                why = (say("localhostNodePorts is false") if is_loopback(pkt.dst) and not scn.proxy.localhost_nodeports
                       else uncovered)
                if nft:
                    why = (say("nftables mode never serves NodePorts on {dst}", dst=pkt.dst) if is_loopback(pkt.dst)
                           else uncovered)
                    self.hop(where, say('services: {dst} is not in @nodeport-ips ({why})', dst=pkt.dst, why=why))
                else:
                    self.hop(where, say('KUBE-SERVICES: {dst} does not jump to KUBE-NODEPORTS ({why})', dst=pkt.dst, why=why))
                np_hit = None
            if np_hit is not None and nft:
                self._nft_ext(node, pkt, *np_hit, origin, where, nodeport=True)
                local = False
            elif np_hit is not None and (not is_loopback(pkt.dst) or origin == "local"):
                svc, sp = np_hit
                self.hop(where, say('KUBE-SERVICES: {jump} -j KUBE-NODEPORTS; KUBE-NODEPORTS: -p {proto} --dport {dport} -j {svc_chain} ({port_label} nodePort)', jump=_nodeports_jump(scn.proxy, pkt.dst), proto=pkt.proto, dport=pkt.dport, svc_chain=svc_chain(svc, sp, 'KUBE-EXT-'), port_label=svc.port_label(sp)))
                self._kube_ext(node, pkt, svc, sp, origin, where)
                local = False
            elif self._host_port(node, pkt, where):
                local = False
        if self._node_is_local(node, pkt.dst):
            if not local:  # DNAT-ed to one of this node's own addresses (a hostNetwork endpoint)
                self.hop(f"{node.ref} routing", say("{dst} is this node's own address: delivered locally (INPUT), never through POSTROUTING, so no masquerade; the server sees {src}", dst=pkt.dst, src=pkt.src))
            self._node_input(node, pkt)
            return
        self._node_route(node, pkt, origin, from_pod)

    def _host_port(self, node: Node, pkt: Packet, where: str) -> bool:
        """CNI portmap's hostPort DNAT; True when it rewrote the packet."""
        for pod, cport, hip in node.host_ports.get((pkt.dport, pkt.proto), ()):
            if hip == "0.0.0.0" or hip == pkt.dst:
                self.hop(where, say('CNI-HOSTPORT-DNAT (portmap plugin): -p {proto} --dport {dport} -> {pod} hostPort', proto=pkt.proto, dport=pkt.dport, pod=pod.ref))
                if pkt.src == pod.ip or is_loopback(pkt.src):
                    pkt.mark = True
                    self.hop(where, say('CNI-HOSTPORT-SETMARK: -s {src} marks the packet for masquerade ({why})', src=pkt.src, why=say('hairpin') if pkt.src == pod.ip else say('from localhost')))
                before = pkt.dst_text
                pkt.dst, pkt.dport = pod.ip, cport  # type: ignore[assignment]
                self.hop(where, say('DNAT to the Pod'), {"type": "DNAT", "before": before, "after": pkt.dst_text})
                return True
        return False

    def _ipvs_node_process(self, node: Node, pkt: Packet, origin: str, from_pod: Pod | None) -> None:
        """kube-proxy in IPVS mode (:mod:`.ipvs_proxy`), then portmap, local delivery or routing as in any mode."""
        pkt.mark = False
        local = self._node_is_local(node, pkt.dst)
        if self._ipvs_intercept(node, pkt, origin):
            local = False
        elif local and self._host_port(node, pkt, f"{node.ref} iptables nat {'OUTPUT' if origin == 'local' else 'PREROUTING'}"):
            local = False
        if self._node_is_local(node, pkt.dst):
            if not local:
                self.hop(f"{node.ref} routing", say("{dst} is this node's own address: delivered locally, never through POSTROUTING, so no masquerade; the server sees {src}", dst=pkt.dst, src=pkt.src))
            self._node_input(node, pkt)
            return
        self._node_route(node, pkt, origin, from_pod)

    def _node_input(self, node: Node, pkt: Packet) -> None:
        svc = self.scn.health_ports.get(pkt.dport) if pkt.proto == "tcp" else None
        if svc is not None:
            local = sum(1 for sp in svc.ports[:1] for e in sp.endpoints if e.ready and e.node_name == node.name)
            status = "200 OK" if local else "503 Service Unavailable"
            self.hop(f"{node.ref} INPUT", say('kube-proxy\'s health check server for {namespace}/{name} (healthCheckNodePort {dport}) answers HTTP {status}: {{"localEndpoints": {local}}}', namespace=svc.namespace, name=svc.name, dport=pkt.dport, status=status, local=local))
            raise Done(None, EndpointRef("node", node.name, pkt.dst, pkt.dport), pkt.src)
        pod = node.host_listeners.get((pkt.dport, pkt.proto))
        if pod is not None:
            self.hop(f"{node.ref} INPUT", say("local delivery to {dst_text}: {pod} (hostNetwork) listens on the node's addresses", dst_text=pkt.dst_text, pod=pod.ref))
            raise Done(None, EndpointRef("pod", pod_name(pod), pkt.dst, pkt.dport), pkt.src)
        self._refuse(f"{node.ref} INPUT", say('nothing listens on {dst_text}/{proto} on the node (not a nodePort, no hostPort, no hostNetwork Pod)', dst_text=pkt.dst_text, proto=pkt.proto), pkt)

    def _masquerade(self, node: Node, pkt: Packet, iface: str, addr: str) -> None:
        where = f"{node.ref} iptables nat POSTROUTING"
        if pkt.mark:
            before = pkt.src
            pkt.src = addr
            what = (say("masquerading: mark 0x4000 -> masquerade fully-random to {iface}'s address", iface=iface)
                    if self.scn.proxy.mode == "nftables"
                    else say("KUBE-POSTROUTING: mark 0x4000 -> MASQUERADE to {iface}'s address", iface=iface))
            self.hop(where, what, {"type": "SNAT", "before": before, "after": addr})
        elif (self.scn.cluster.ip_masq and self.scn.in_cluster_cidr(pkt.src) and not self.scn.in_cluster_cidr(pkt.dst)
              and iface == "eth0"):
            before = pkt.src
            pkt.src = addr
            self.hop(where, say('flannel: -s {cluster_cidr} ! -d {cluster_cidr} -j MASQUERADE (Pod traffic leaving the Pod network)', cluster_cidr=self.scn.cluster.cluster_cidr), {"type": "SNAT", "before": before, "after": addr})
        pkt.mark = False

    def _node_route(self, node: Node, pkt: Packet, origin: str, from_pod: Pod | None) -> None:
        scn = self.scn
        dst = pkt.dst
        self._policy_egress(node, pkt, from_pod)
        if in_subnet(dst, node.pod_cidr):
            target = scn.pod_by_ip.get(dst)
            if target is None or target.node is not node:
                self._masquerade(node, pkt, "cni0", node.bridge_ip)
                self.hop(f"{node.ref} cni0", say('no Pod has {dst}: ARP gets no answer (No route to host)', dst=dst))
                raise Done("unreachable")
            self._policy_ingress(node, pkt, target, origin)  # filter FORWARD: before POSTROUTING's masquerade
            self._masquerade(node, pkt, "cni0", node.bridge_ip)
            if from_pod is target:
                if not scn.cluster.hairpin_mode:
                    self.hop(f"{node.ref} cni0", say("the frame would go back out {target}'s own bridge port; hairpinMode is off, so the bridge drops it", target=target.ref))
                    raise Done("timeout")
                self.hop(f"{node.ref} cni0", say('hairpin: the bridge sends the frame back out the port it came in on (hairpinMode true) to {target}', target=target.ref))
            else:
                self.hop(f"{node.ref} cni0", say("bridges to {target}'s veth", target=target.ref))
            self._deliver_pod(target, pkt)
            return
        other = scn.node_for_pod_ip(dst)
        if other is not None and other is not node:
            if scn.cluster.backend == "vxlan":
                self._masquerade(node, pkt, "flannel.1", node.vtep_ip)
                self.hop(f"{node.ref} flannel.1", say('route {pod_cidr} via {vtep_ip} dev flannel.1 onlink: VXLAN VNI 1 encapsulation to {other}', pod_cidr=other.pod_cidr, vtep_ip=other.vtep_ip, other=other.ref),
                         {"type": "encap", "outer": f"{node.ip}->{other.ip} udp/8472"})
                self.hop(f"{other.ref} eth0", say('receives UDP {node_ip} -> {other_ip}:8472', node_ip=node.ip, other_ip=other.ip))
                self.hop(f"{other.ref} flannel.1", say('decapsulates: inner {src} -> {dst_text}', src=pkt.src, dst_text=pkt.dst_text), {"type": "decap"})
                self._node_process(other, pkt, "flannel.1")
            else:
                self._masquerade(node, pkt, "eth0", node.ip)
                self.hop(f"{node.ref} eth0", say('route {pod_cidr} via {ip} (flannel host-gw): forwarded unencapsulated', pod_cidr=other.pod_cidr, ip=other.ip))
                self.hop(f"{other.ref} eth0", say('receives {proto} {src} -> {dst_text}', proto=pkt.proto, src=pkt.src, dst_text=pkt.dst_text))
                self._node_process(other, pkt, "eth0")
            return
        if self.scn.nodes and self.scn.in_cluster_cidr(dst):
            self.hop(f"{node.ref}", say("{dst} is in the cluster CIDR but in no node's podCIDR: no route", dst=dst))
            raise Done("unreachable")
        if dst in scn.node_by_ip or dst in scn.host_by_ip or dst in scn.lb_ips:
            self._masquerade(node, pkt, "eth0", node.ip)
            self.hop(f"{node.ref} eth0", say('sends {src} -> {dst_text} on the LAN', src=pkt.src, dst_text=pkt.dst_text))
            self._lan(pkt, None, f"{node.ref} eth0")
            return
        if self.scn.in_service_cidr(dst) and scn.proxy.mode == "nftables":
            self._nft_cluster_ips_check(node, pkt, origin)
        if self.scn.in_service_cidr(dst):
            self.hop(f"{node.ref}", say('no kube-proxy rule matches {dst_text}/{proto} (not a Service port); the packet follows the default route and nothing answers', dst_text=pkt.dst_text, proto=pkt.proto))
            raise Done("timeout")
        self._masquerade(node, pkt, "eth0", node.ip)
        self._lan(pkt, None, f"{node.ref} eth0")

    def _deliver_pod(self, pod: Pod, pkt: Packet) -> None:
        if (pkt.dport, pkt.proto) in pod.listens:
            self.hop(f"{pod.ref} eth0" if not is_loopback(pkt.dst) else f"{pod.ref} lo",
                     say('a container of the Pod listens on {dport}/{proto}: accepted, peer address {src}', dport=pkt.dport, proto=pkt.proto, src=pkt.src))
            raise Done(None, EndpointRef("pod", pod_name(pod), pkt.dst, pkt.dport), pkt.src)
        self._refuse(f"{pod.ref} eth0", say('no container of {pod} listens on {dport}/{proto}', pod=pod.ref, dport=pkt.dport, proto=pkt.proto), pkt)


def _nodeports_jump(cfg, dst: str) -> str:
    """The KUBE-SERVICES rule that sends ``dst`` to KUBE-NODEPORTS, as kube-proxy writes it for its config."""
    if cfg.node_port_addresses and "all" not in cfg.node_port_addresses:
        return f"-d {dst}/32"
    return "-m addrtype --dst-type LOCAL" + ("" if cfg.localhost_nodeports else " ! -d 127.0.0.0/8")

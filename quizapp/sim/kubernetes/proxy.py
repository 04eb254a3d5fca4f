"""Trace steps: kube-proxy's iptables chains (KUBE-SERVICES, KUBE-EXT, KUBE-SVC / KUBE-SVL, KUBE-SEP) and the
cloud load balancer in front of a LoadBalancer Service."""

from __future__ import annotations

from ..core.netutil import ip_int
from ..core.packet import Done, Packet
from ..core.result import EndpointRef
from .model import Endpoint, Node, Service, ServicePort, usable_endpoints
from .proxyconfig import is_local
from .names import pod_name, sep_chain, svc_chain
from quizapp.words import say


class KubeProxySteps:
    """Mixin of the tracer (:mod:`quizapp.sim.trace`): Service virtual IPs, nodePorts, load balancing."""

    def _ep_ref(self, ep: Endpoint) -> EndpointRef:
        if ep.pod is not None:
            return EndpointRef("pod", pod_name(ep.pod), ep.ip, ep.port)
        node = self.scn.node_by_ip.get(ep.ip)
        if node is not None:
            return EndpointRef("node", node.name, ep.ip, ep.port)
        host = self.scn.host_by_ip.get(ep.ip)
        if host is not None:
            return EndpointRef("host", host.name, ep.ip, ep.port)
        return EndpointRef("external", ep.ip, ep.ip, ep.port)

    def _statistic(self, n: int) -> int:
        """kube-proxy: rule i of n matches with probability 1/(n-i); the last rule always matches."""
        for i in range(n - 1):
            if self.rng.random() < 1.0 / (n - i):
                return i
        return n - 1

    def _load_balancer(self, pkt: Packet) -> None:
        hit = self.scn.ext_index.get((pkt.dst, pkt.dport, pkt.proto))
        where = f"loadbalancer {pkt.dst}"
        if hit is None:
            self.hop(where, say('the load balancer has no listener for {dport}/{proto}', dport=pkt.dport, proto=pkt.proto))
            raise Done("timeout")
        svc, sp = hit
        if svc.external_traffic_policy == "Local":
            names = sorted({e.node_name for e in sp.endpoints if e.ready and e.node_name in self.scn.nodes})
            nodes = [self.scn.nodes[n] for n in names]
            why = say("externalTrafficPolicy Local: only nodes whose healthCheckNodePort reports a local endpoint")
        else:
            nodes = self.scn.sorted_nodes
            why = say("externalTrafficPolicy Cluster: any node")
        if not nodes and self.scn.cluster.load_balancer == "cloud" and self.scn.sorted_nodes:
            # GCE, AWS NLB, Azure: when every backend fails its health check, send to all of them
            nodes = self.scn.sorted_nodes
            why = say("no node passes the health check, so the cloud load balancer sends to every node")
        if not nodes:
            self.hop(where, say('no node announces the address: no node has a ready local endpoint (MetalLB-style load balancer)'))
            raise Done("timeout")
        node = nodes[self.rng.randrange(len(nodes))] if len(nodes) > 1 else nodes[0]
        self.hop(where, say('forwards to {node} ({why}); destination stays {dst_text}', node=node.ref, why=why, dst_text=pkt.dst_text))
        self.hop(f"{node.ref} eth0", say('receives {proto} {src} -> {dst_text}', proto=pkt.proto, src=pkt.src, dst_text=pkt.dst_text))
        self._node_process(node, pkt, "eth0")

    def _kube_cluster_ip(self, node: Node, pkt: Packet, svc: Service, sp: ServicePort, where: str) -> None:
        chain = svc_chain(svc, sp)
        self.hop(where, say('KUBE-SERVICES: -d {dst}/32 -p {proto} --dport {dport} -j {chain} ({port_label} cluster IP)', dst=pkt.dst, proto=pkt.proto, dport=pkt.dport, chain=chain, port_label=svc.port_label(sp)))
        eps = self._usable(node, sp, sp.endpoints, where)
        if not eps:
            self.hop(f"{node.ref} iptables filter", say('KUBE-SERVICES: {port_label} has no endpoints -d {dst}/32 --dport {dport} -j REJECT', port_label=svc.port_label(sp), dst=pkt.dst, dport=pkt.dport))
            raise Done("refused")
        if svc.internal_traffic_policy == "Local":
            eps = self._usable(node, sp, [e for e in sp.endpoints if e.node_name == node.name], where)
            if not eps:
                self.hop(f"{node.ref} iptables filter", say('KUBE-SERVICES: {port_label} has no local endpoints (internalTrafficPolicy Local) -j DROP', port_label=svc.port_label(sp)))
                raise Done("timeout")
            chain = svc_chain(svc, sp, "KUBE-SVL-")
            self.hop(where, say("internalTrafficPolicy Local: {chain} holds only {node}'s endpoints", chain=chain, node=node.ref))
        self._cluster_ip_masquerade(node, pkt, chain, where)
        self._pick_and_dnat(node, pkt, svc, sp, eps, chain, where)

    def _source_ranges_firewall(self, node: Node, pkt: Packet, svc: Service, sp: ServicePort, where: str) -> None:
        """loadBalancerSourceRanges: KUBE-FW-X DNATs only allowed sources; the rest reach filter
        KUBE-PROXY-FIREWALL un-DNAT-ed and are dropped. It applies to every client of the load-balancer IP,
        Pods and nodes of the cluster included."""
        fw = svc_chain(svc, sp, "KUBE-FW-")
        ranges = ", ".join(map(str, svc.lb_source_ranges))
        src = ip_int(pkt.src)
        if any((src & int(n.netmask)) == int(n.network_address) for n in svc.lb_source_ranges):
            self.hop(where, say('KUBE-SERVICES: -d {dst}/32 -j {fw}; {fw}: -s {src} is in loadBalancerSourceRanges ({ranges})', dst=pkt.dst, fw=fw, src=pkt.src, ranges=ranges))
            return
        self.hop(where, say('KUBE-SERVICES: -d {dst}/32 -j {fw}; {fw}: {src} is in none of loadBalancerSourceRanges ({ranges}): not DNAT-ed', dst=pkt.dst, fw=fw, src=pkt.src, ranges=ranges))
        self.hop(f"{node.ref} iptables filter", say('KUBE-PROXY-FIREWALL: -d {dst}/32 -p {proto} --dport {dport} -j DROP ({port_label} traffic not accepted by {fw})', dst=pkt.dst, proto=pkt.proto, dport=pkt.dport, port_label=svc.port_label(sp), fw=fw))
        raise Done("timeout")

    def _usable(self, node: Node, sp: ServicePort, eps: list[Endpoint], where: str) -> list[Endpoint]:
        usable = usable_endpoints(eps)
        if usable and not usable[0].ready:
            self.hop(where, say('no ready endpoint: kube-proxy falls back to the serving-terminating ones ({endpoints})', endpoints=', '.join(e.key for e in usable)))
        return usable

    def _cluster_ip_masquerade(self, node: Node, pkt: Packet, chain: str, where: str) -> None:
        """kube-proxy marks traffic to a Cluster IP for masquerade: all of it with masqueradeAll, else what its
        local-traffic detector says does not come from a Pod (nothing when it has no detector)."""
        cfg = self.scn.proxy
        if cfg.masquerade_all:
            pkt.mark = True
            self.hop(where, say('{chain}: -d {dst}/32 -j KUBE-MARK-MASQ (masqueradeAll: every connection to a Cluster IP)', chain=chain, dst=pkt.dst))
            return
        if is_local(cfg, pkt.src, node.pod_cidr) is False:
            pkt.mark = True
            local = node.pod_cidr if cfg.detect_local_mode == "NodeCIDR" else cfg.cluster_cidr
            self.hop(where, say('{chain}: ! -s {local} -d {dst}/32 -j KUBE-MARK-MASQ (source outside the Pod network, detectLocalMode {detect_local_mode})', chain=chain, local=local, dst=pkt.dst, detect_local_mode=cfg.detect_local_mode))

    def _kube_ext(self, node: Node, pkt: Packet, svc: Service, sp: ServicePort, origin: str, where: str) -> None:
        ext = svc_chain(svc, sp, "KUBE-EXT-")
        eps = self._usable(node, sp, sp.endpoints, where)
        if not eps:
            self.hop(f"{node.ref} iptables filter", say('KUBE-EXTERNAL-SERVICES: {port_label} has no endpoints --dport {dport} -j REJECT', port_label=svc.port_label(sp), dport=pkt.dport))
            raise Done("refused")
        svc_ch = svc_chain(svc, sp)
        if svc.external_traffic_policy == "Cluster":
            pkt.mark = True
            self.hop(where, say('{ext}: -j KUBE-MARK-MASQ (externalTrafficPolicy Cluster: masquerade), then -j {svc_ch}', ext=ext, svc_ch=svc_ch))
            self._pick_and_dnat(node, pkt, svc, sp, eps, svc_ch, where)
            return
        cfg = self.scn.proxy
        if is_local(cfg, pkt.src, node.pod_cidr):
            local_net = node.pod_cidr if cfg.detect_local_mode == "NodeCIDR" else cfg.cluster_cidr
            self.hop(where, say('{ext}: -s {local_net} -j {svc_ch} (short-circuit pod traffic: all endpoints, no masquerade)', ext=ext, local_net=local_net, svc_ch=svc_ch))
            self._pick_and_dnat(node, pkt, svc, sp, eps, svc_ch, where)
            return
        if origin == "local":
            pkt.mark = True
            self.hop(where, say('{ext}: -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ, -j {svc_ch} (traffic from the node itself: all endpoints)', ext=ext, svc_ch=svc_ch))
            self._pick_and_dnat(node, pkt, svc, sp, eps, svc_ch, where)
            return
        local = self._usable(node, sp, [e for e in sp.endpoints if e.node_name == node.name], where)
        if not local:
            self.hop(f"{node.ref} iptables filter", say('KUBE-EXTERNAL-SERVICES: {port_label} has no local endpoints (externalTrafficPolicy Local) --dport {dport} -j DROP', port_label=svc.port_label(sp), dport=pkt.dport))
            raise Done("timeout")
        svl = svc_chain(svc, sp, "KUBE-SVL-")
        self.hop(where, say("{ext}: -j {svl} (externalTrafficPolicy Local: only {node}'s endpoints, client address kept)", ext=ext, svl=svl, node=node.ref))
        self._pick_and_dnat(node, pkt, svc, sp, local, svl, where)

    def _pick_and_dnat(self, node: Node, pkt: Packet, svc: Service, sp: ServicePort, eps: list[Endpoint], chain: str, where: str) -> None:
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
            self.hop(where, say('{chain}: -m recent --rcheck --seconds {affinity_timeout} --reap: {client_ip} is pinned to {key} (sessionAffinity ClientIP) -> {sep_chain}', chain=chain, affinity_timeout=svc.affinity_timeout, client_ip=self.client_ip, key=eps[i].key, sep_chain=sep_chain(svc, sp, eps[i])))
        else:
            i = self._statistic(n)
            if n == 1:
                self.hop(where, say('{chain}: single endpoint -> {sep_chain}', chain=chain, sep_chain=sep_chain(svc, sp, eps[i])))
            elif i < n - 1:
                self.hop(where, say('{chain}: rule {rule} of {n} (-m statistic --mode random --probability {probability:.5f}) matches -> {sep_chain}', chain=chain, rule=i + 1, n=n, probability=1.0 / (n - i), sep_chain=sep_chain(svc, sp, eps[i])))
            else:
                self.hop(where, say('{chain}: rule {n} of {n} (no statistic match, catches the rest) -> {sep_chain}', chain=chain, n=n, sep_chain=sep_chain(svc, sp, eps[i])))
            if svc.session_affinity == "ClientIP":
                self.recent[akey] = eps[i].key
                self.hop(where, say('{sep_chain}: -m recent --set: remembers {client_ip} for {affinity_timeout}s (sessionAffinity ClientIP)', sep_chain=sep_chain(svc, sp, eps[i]), client_ip=self.client_ip, affinity_timeout=svc.affinity_timeout))
        ep = eps[i]
        sep = sep_chain(svc, sp, ep)
        if pkt.src == ep.ip:
            pkt.mark = True
            self.hop(where, say('{sep}: -s {ip}/32 -j KUBE-MARK-MASQ (hairpin: the Pod reaches itself through its Service)', sep=sep, ip=ep.ip))
        before = pkt.dst_text
        pkt.dst, pkt.dport = ep.ip, ep.port
        self.hop(where, say('{sep}: DNAT --to-destination {dst_text}', sep=sep, dst_text=pkt.dst_text), {"type": "DNAT", "before": before, "after": pkt.dst_text})

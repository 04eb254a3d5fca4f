"""Trace steps: kube-proxy in nftables mode (``mode: nftables``), naming the table, maps and chains that
:mod:`quizapp.sim.kubernetes.nft_rules` writes (as kube-proxy's pkg/proxy/nftables does).

Same decisions as the iptables mode (traffic policies, endpoint fallback, masquerade marks), with the
differences of this mode: a Cluster IP on a port it does not serve is rejected (``cluster-ips-check``) and an
unallocated address of the service CIDR dropped; NodePorts answer only on the addresses in ``nodeport-ips``
(by default the node's primary address) and never on 127.0.0.1 (handled by the ProxyConfig).
"""

from __future__ import annotations

from ..core.netutil import ip_int
from ..core.packet import Done, Packet
from .model import Endpoint, Node, Service, ServicePort
from .nft_rules import nft_chain, nft_endpoint_chain
from .proxyconfig import is_local
from quizapp.words import say

MASQ = "jump mark-for-masquerade"


class NftProxySteps:
    """Mixin of the tracer (:mod:`quizapp.sim.trace`)."""

    def _nft_where(self, node: Node, origin: str) -> str:
        return f"{node.ref} nftables ip kube-proxy nat-{'output' if origin == 'local' else 'prerouting'}"

    def _nft_filter(self, node: Node, hook: str) -> str:
        return f"{node.ref} nftables ip kube-proxy filter-{hook}"

    def _nft_cluster_ip(self, node: Node, pkt: Packet, svc: Service, sp: ServicePort, where: str, origin: str) -> None:
        chain = nft_chain(svc, sp)
        label = svc.port_label(sp)
        eps = self._usable(node, sp, sp.endpoints, where)
        hook = "output" if origin == "local" else "forward"
        if not eps:
            self.hop(self._nft_filter(node, hook), say('service-endpoints-check: {dst} . {proto} . {dport} in @no-endpoint-services ({label} has no endpoints): goto reject-chain: reject', dst=pkt.dst, proto=pkt.proto, dport=pkt.dport, label=label))
            raise Done("refused")
        if svc.internal_traffic_policy == "Local":
            eps = self._usable(node, sp, [e for e in sp.endpoints if e.node_name == node.name], where)
            if not eps:
                self.hop(self._nft_filter(node, hook), say('service-endpoints-check: {dst} . {proto} . {dport} in @no-endpoint-services ({label} has no local endpoints, internalTrafficPolicy Local): drop', dst=pkt.dst, proto=pkt.proto, dport=pkt.dport, label=label))
                raise Done("timeout")
            chain = nft_chain(svc, sp, "local-")
        self.hop(where, say('services: ip daddr . meta l4proto . th dport vmap @service-ips: {dst} . {proto} . {dport} -> goto {chain} ({label} cluster IP)', dst=pkt.dst, proto=pkt.proto, dport=pkt.dport, chain=chain, label=label))
        cfg = self.scn.proxy
        if cfg.masquerade_all:
            pkt.mark = True
            self.hop(where, say('{chain}: ip daddr {dst} {MASQ} (masqueradeAll)', chain=chain, dst=pkt.dst, MASQ=MASQ))
        elif is_local(cfg, pkt.src, node.pod_cidr) is False:
            pkt.mark = True
            local = node.pod_cidr if cfg.detect_local_mode == "NodeCIDR" else cfg.cluster_cidr
            self.hop(where, say('{chain}: ip daddr {dst} ip saddr != {local} {MASQ} (source outside the Pod network)', chain=chain, dst=pkt.dst, local=local, MASQ=MASQ))
        self._nft_pick_and_dnat(pkt, svc, sp, eps, chain, where)

    def _nft_ext(self, node: Node, pkt: Packet, svc: Service, sp: ServicePort, origin: str, where: str, nodeport: bool) -> None:
        ext = nft_chain(svc, sp, "external-")
        svc_ch = nft_chain(svc, sp)
        label = svc.port_label(sp)
        check = ("filter-input", "nodeport-endpoints-check", "@no-endpoint-nodeports", f"{pkt.proto} . {pkt.dport}") if nodeport else \
                ("filter-forward", "service-endpoints-check", "@no-endpoint-services", f"{pkt.dst} . {pkt.proto} . {pkt.dport}")
        eps = self._usable(node, sp, sp.endpoints, where)
        if not eps:
            self.hop(f"{node.ref} nftables ip kube-proxy {check[0]}", say('{chain}: {key} in {set} ({label} has no endpoints): goto reject-chain: reject', chain=check[1], key=check[3], set=check[2], label=label))
            raise Done("refused")
        how = "ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports" if nodeport else \
              "ip daddr . meta l4proto . th dport vmap @service-ips"
        self.hop(where, say('services: {how} -> goto {ext} ({label} {kind})', how=how, ext=ext, label=label, kind='nodePort' if nodeport else say('external address')))
        if svc.external_traffic_policy == "Cluster":
            pkt.mark = True
            self.hop(where, say('{ext}: {MASQ}; goto {svc_ch} (externalTrafficPolicy Cluster)', ext=ext, MASQ=MASQ, svc_ch=svc_ch))
            self._nft_pick_and_dnat(pkt, svc, sp, eps, svc_ch, where)
            return
        cfg = self.scn.proxy
        if is_local(cfg, pkt.src, node.pod_cidr):
            local_net = node.pod_cidr if cfg.detect_local_mode == "NodeCIDR" else cfg.cluster_cidr
            self.hop(where, say('{ext}: ip saddr {local_net} goto {svc_ch} (short-circuit pod traffic)', ext=ext, local_net=local_net, svc_ch=svc_ch))
            self._nft_pick_and_dnat(pkt, svc, sp, eps, svc_ch, where)
            return
        if origin == "local":
            pkt.mark = True
            self.hop(where, say('{ext}: fib saddr type local {MASQ}; fib saddr type local goto {svc_ch} (short-circuit local traffic)', ext=ext, MASQ=MASQ, svc_ch=svc_ch))
            self._nft_pick_and_dnat(pkt, svc, sp, eps, svc_ch, where)
            return
        local = self._usable(node, sp, [e for e in sp.endpoints if e.node_name == node.name], where)
        if not local:
            self.hop(where, say('{ext}: no rule matches (no local endpoint): the packet is not DNAT-ed', ext=ext))
            self.hop(f"{node.ref} nftables ip kube-proxy {check[0]}", say('{chain}: {key} in {set} ({label} has no local endpoints, externalTrafficPolicy Local): drop', chain=check[1], key=check[3], set=check[2], label=label))
            raise Done("timeout")
        local_ch = nft_chain(svc, sp, "local-")
        self.hop(where, say("{ext}: goto {local_ch} (externalTrafficPolicy Local: only {node}'s endpoints, client address kept)", ext=ext, local_ch=local_ch, node=node.ref))
        self._nft_pick_and_dnat(pkt, svc, sp, local, local_ch, where)

    def _nft_pick_and_dnat(self, pkt: Packet, svc: Service, sp: ServicePort, eps: list[Endpoint], chain: str, where: str) -> None:
        n = len(eps)
        self.candidates = [self._ep_ref(e) for e in eps]
        i = self._statistic(n)  # numgen random mod n: uniform, like the iptables cascade
        ep = eps[i]
        ep_ch = nft_endpoint_chain(svc, sp, ep)
        self.hop(where, say('{chain}: numgen random mod {n} vmap {{ ... {i} : goto {ep_ch} ... }}', chain=chain, n=n, i=i, ep_ch=ep_ch))
        if pkt.src == ep.ip:
            pkt.mark = True
            self.hop(where, say('{ep_ch}: ip saddr {ip} {MASQ} (hairpin: the Pod reaches itself through its Service)', ep_ch=ep_ch, ip=ep.ip, MASQ=MASQ))
        before = pkt.dst_text
        pkt.dst, pkt.dport = ep.ip, ep.port
        self.hop(where, say('{ep_ch}: meta l4proto {proto} dnat to {dst_text}', ep_ch=ep_ch, proto=pkt.proto, dst_text=pkt.dst_text), {"type": "DNAT", "before": before, "after": pkt.dst_text})

    def _nft_firewall(self, node: Node, pkt: Packet, svc: Service, sp: ServicePort, origin: str) -> None:
        """loadBalancerSourceRanges, checked before DNAT in filter-prerouting-pre-dnat / filter-output-pre-dnat."""
        hook = "filter-output-pre-dnat" if origin == "local" else "filter-prerouting-pre-dnat"
        fw = nft_chain(svc, sp, "firewall-")
        ranges = ", ".join(map(str, svc.lb_source_ranges))
        src = ip_int(pkt.src)
        head = f"firewall-check: {pkt.dst} . {pkt.proto} . {pkt.dport} in @firewall-ips: goto {fw}; {fw}: "
        if any((src & int(n.netmask)) == int(n.network_address) for n in svc.lb_source_ranges):
            self.hop(f"{node.ref} nftables ip kube-proxy {hook}", say("{head}{src} is in {{ {ranges} }}: accepted", head=head, src=pkt.src, ranges=ranges))
            return
        self.hop(f"{node.ref} nftables ip kube-proxy {hook}", say("{head}ip saddr != {{ {ranges} }} drop ({label}: {src} is in none of loadBalancerSourceRanges)", head=head, ranges=ranges, label=svc.port_label(sp), src=pkt.src))
        raise Done("timeout")

    def _nft_cluster_ips_check(self, node: Node, pkt: Packet, origin: str) -> None:
        """A packet for the service CIDR that no map entry DNAT-ed: rejected if the address is an active
        Cluster IP (another port), dropped otherwise."""
        active = getattr(self.scn, "_cluster_ips", None)
        if active is None:
            active = {k[0] for k in self.scn.vip_index}
            self.scn._cluster_ips = active
        where = self._nft_filter(node, "output" if origin == "local" else "forward")
        if pkt.dst in active:
            self.hop(where, say('cluster-ips-check: ip daddr @cluster-ips reject ({dst} is a Cluster IP, but not on {dport}/{proto}); the client gets ICMP port unreachable', dst=pkt.dst, dport=pkt.dport, proto=pkt.proto))
            raise Done("refused")
        self.hop(where, say('cluster-ips-check: ip daddr {{ {service_cidr} }} drop ({dst} is no allocated Cluster IP)', service_cidr=self.scn.cluster.service_cidr, dst=pkt.dst))
        raise Done("timeout")

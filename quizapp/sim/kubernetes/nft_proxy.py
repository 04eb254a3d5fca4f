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
            self.hop(self._nft_filter(node, hook), f"service-endpoints-check: {pkt.dst} . {pkt.proto} . {pkt.dport} in @no-endpoint-services ({label} has no endpoints): goto reject-chain: reject")
            raise Done("refused")
        if svc.internal_traffic_policy == "Local":
            eps = self._usable(node, sp, [e for e in sp.endpoints if e.node_name == node.name], where)
            if not eps:
                self.hop(self._nft_filter(node, hook), f"service-endpoints-check: {pkt.dst} . {pkt.proto} . {pkt.dport} in @no-endpoint-services ({label} has no local endpoints, internalTrafficPolicy Local): drop")
                raise Done("timeout")
            chain = nft_chain(svc, sp, "local-")
        self.hop(where, f"services: ip daddr . meta l4proto . th dport vmap @service-ips: {pkt.dst} . {pkt.proto} . {pkt.dport} -> goto {chain} ({label} cluster IP)")
        cfg = self.scn.proxy
        if cfg.masquerade_all:
            pkt.mark = True
            self.hop(where, f"{chain}: ip daddr {pkt.dst} {MASQ} (masqueradeAll)")
        elif is_local(cfg, pkt.src, node.pod_cidr) is False:
            pkt.mark = True
            local = node.pod_cidr if cfg.detect_local_mode == "NodeCIDR" else cfg.cluster_cidr
            self.hop(where, f"{chain}: ip daddr {pkt.dst} ip saddr != {local} {MASQ} (source outside the Pod network)")
        self._nft_pick_and_dnat(pkt, svc, sp, eps, chain, where)

    def _nft_ext(self, node: Node, pkt: Packet, svc: Service, sp: ServicePort, origin: str, where: str, nodeport: bool) -> None:
        ext = nft_chain(svc, sp, "external-")
        svc_ch = nft_chain(svc, sp)
        label = svc.port_label(sp)
        check = ("filter-input", "nodeport-endpoints-check", "@no-endpoint-nodeports", f"{pkt.proto} . {pkt.dport}") if nodeport else \
                ("filter-forward", "service-endpoints-check", "@no-endpoint-services", f"{pkt.dst} . {pkt.proto} . {pkt.dport}")
        eps = self._usable(node, sp, sp.endpoints, where)
        if not eps:
            self.hop(f"{node.ref} nftables ip kube-proxy {check[0]}", f"{check[1]}: {check[3]} in {check[2]} ({label} has no endpoints): goto reject-chain: reject")
            raise Done("refused")
        how = "ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports" if nodeport else \
              "ip daddr . meta l4proto . th dport vmap @service-ips"
        self.hop(where, f"services: {how} -> goto {ext} ({label} {'nodePort' if nodeport else 'external address'})")
        if svc.external_traffic_policy == "Cluster":
            pkt.mark = True
            self.hop(where, f"{ext}: {MASQ}; goto {svc_ch} (externalTrafficPolicy Cluster)")
            self._nft_pick_and_dnat(pkt, svc, sp, eps, svc_ch, where)
            return
        cfg = self.scn.proxy
        if is_local(cfg, pkt.src, node.pod_cidr):
            local_net = node.pod_cidr if cfg.detect_local_mode == "NodeCIDR" else cfg.cluster_cidr
            self.hop(where, f"{ext}: ip saddr {local_net} goto {svc_ch} (short-circuit pod traffic)")
            self._nft_pick_and_dnat(pkt, svc, sp, eps, svc_ch, where)
            return
        if origin == "local":
            pkt.mark = True
            self.hop(where, f"{ext}: fib saddr type local {MASQ}; fib saddr type local goto {svc_ch} (short-circuit local traffic)")
            self._nft_pick_and_dnat(pkt, svc, sp, eps, svc_ch, where)
            return
        local = self._usable(node, sp, [e for e in sp.endpoints if e.node_name == node.name], where)
        if not local:
            self.hop(where, f"{ext}: no rule matches (no local endpoint): the packet is not DNAT-ed")
            self.hop(f"{node.ref} nftables ip kube-proxy {check[0]}", f"{check[1]}: {check[3]} in {check[2]} ({label} has no local endpoints, externalTrafficPolicy Local): drop")
            raise Done("timeout")
        local_ch = nft_chain(svc, sp, "local-")
        self.hop(where, f"{ext}: goto {local_ch} (externalTrafficPolicy Local: only {node.ref}'s endpoints, client address kept)")
        self._nft_pick_and_dnat(pkt, svc, sp, local, local_ch, where)

    def _nft_pick_and_dnat(self, pkt: Packet, svc: Service, sp: ServicePort, eps: list[Endpoint], chain: str, where: str) -> None:
        n = len(eps)
        self.candidates = [self._ep_ref(e) for e in eps]
        i = self._statistic(n)  # numgen random mod n: uniform, like the iptables cascade
        ep = eps[i]
        ep_ch = nft_endpoint_chain(svc, sp, ep)
        self.hop(where, f"{chain}: numgen random mod {n} vmap {{ ... {i} : goto {ep_ch} ... }}")
        if pkt.src == ep.ip:
            pkt.mark = True
            self.hop(where, f"{ep_ch}: ip saddr {ep.ip} {MASQ} (hairpin: the Pod reaches itself through its Service)")
        before = pkt.dst_text
        pkt.dst, pkt.dport = ep.ip, ep.port
        self.hop(where, f"{ep_ch}: meta l4proto {pkt.proto} dnat to {pkt.dst_text}", {"type": "DNAT", "before": before, "after": pkt.dst_text})

    def _nft_firewall(self, node: Node, pkt: Packet, svc: Service, sp: ServicePort, origin: str) -> None:
        """loadBalancerSourceRanges, checked before DNAT in filter-prerouting-pre-dnat / filter-output-pre-dnat."""
        hook = "filter-output-pre-dnat" if origin == "local" else "filter-prerouting-pre-dnat"
        fw = nft_chain(svc, sp, "firewall-")
        ranges = ", ".join(map(str, svc.lb_source_ranges))
        src = ip_int(pkt.src)
        head = f"firewall-check: {pkt.dst} . {pkt.proto} . {pkt.dport} in @firewall-ips: goto {fw}; {fw}: "
        if any((src & int(n.netmask)) == int(n.network_address) for n in svc.lb_source_ranges):
            self.hop(f"{node.ref} nftables ip kube-proxy {hook}", head + f"{pkt.src} is in {{ {ranges} }}: accepted")
            return
        self.hop(f"{node.ref} nftables ip kube-proxy {hook}", head + f"ip saddr != {{ {ranges} }} drop ({svc.port_label(sp)}: {pkt.src} is in none of loadBalancerSourceRanges)")
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
            self.hop(where, f"cluster-ips-check: ip daddr @cluster-ips reject ({pkt.dst} is a Cluster IP, but not on {pkt.dport}/{pkt.proto}); the client gets ICMP port unreachable")
            raise Done("refused")
        self.hop(where, f"cluster-ips-check: ip daddr {{ {self.scn.cluster.service_cidr} }} drop ({pkt.dst} is no allocated Cluster IP)")
        raise Done("timeout")

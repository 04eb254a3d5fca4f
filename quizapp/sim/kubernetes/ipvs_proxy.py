"""Trace steps: kube-proxy in IPVS mode (``mode: ipvs``), as :mod:`.ipvs` describes what it programs.

Per packet that reaches a node: the nat rules kube-proxy still writes with ipsets (``KUBE-SERVICES``: marks for
masquerade by ``KUBE-CLUSTER-IP``, ``KUBE-EXTERNAL-IP``, ``KUBE-LOAD-BALANCER`` and ``KUBE-NODE-PORT``), the filter
rules (``KUBE-PROXY-FIREWALL`` / ``KUBE-SOURCE-RANGES-FIREWALL`` for loadBalancerSourceRanges, ``KUBE-IPVS-OUT-FILTER``
for the node's own connections, ``KUBE-IPVS-FILTER`` for ports on kube-ipvs0 addresses that no virtual server
serves), then the IPVS virtual server: scheduler (or persistence) picks a real server and IPVS rewrites the
destination (forwarding method Masq). Marked packets are masqueraded by ``KUBE-POSTROUTING`` as in iptables mode.

Without SNAT the real server answers the client directly: when that answer does not come back through this node
(the client is neither this node nor one of its Pods, and the real server is elsewhere) the client drops it,
as it expected the virtual address: the connection times out. That is what happens under the Local policies on a
node without endpoints (PR 97081 keeps the cluster-wide real servers for local Pods).

The choice of a real server: ``rr`` / ``wrr`` go round the list, the first connection from the seed (where the
kernel's pointer stands is not known) and each later one of :func:`~quizapp.sim.trace.trace_series` to the next;
``sh`` / ``mh`` and persistence keep a client on its first pick.
"""

from __future__ import annotations

from ..core.packet import Done, Packet
from .ipvs import KINDS, VirtualServer, bound_addresses, real_servers, virtual_server
from .model import Endpoint, Node
from .proxyconfig import is_local
from quizapp.words import Said, say

_SET = {"tcp": "TCP", "udp": "UDP", "sctp": "SCTP"}


class IpvsProxySteps:
    """Mixin of the tracer (:mod:`quizapp.sim.trace`)."""

    def _ipvs_intercept(self, node: Node, pkt: Packet, origin: str) -> bool:
        """Handle ``pkt`` if it is for a virtual server or a kube-ipvs0 address; True when IPVS rewrote it."""
        scn = self.scn
        vs = virtual_server(scn, node, pkt.dst, pkt.dport, pkt.proto)
        bound = pkt.dst in bound_addresses(scn)
        if vs is None and not bound:
            return False
        if bound:
            self.hop(f"{node.ref} kube-ipvs0", say('{dst} is bound to the dummy interface kube-ipvs0 (kube-proxy binds every Cluster IP, external IP and load-balancer IP there, on every node): a local address of the node, which answers ping on it', dst=pkt.dst))
        if vs is None and pkt.proto == "tcp" and pkt.dport in scn.health_ports:
            self.hop(f"{node.ref} iptables filter INPUT", say("KUBE-IPVS-FILTER: -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j RETURN ({dport} is a healthCheckNodePort: kube-proxy's health check server listens on every address)", dport=pkt.dport))
            return False
        if vs is None:
            self.hop(f"{node.ref} iptables filter INPUT",
                     say('KUBE-IPVS-FILTER: {dst}:{dport}/{proto} is in none of KUBE-CLUSTER-IP, KUBE-LOAD-BALANCER, KUBE-EXTERNAL-IP (no virtual server on that port): -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT; the client gets ICMP port unreachable', dst=pkt.dst, dport=pkt.dport, proto=pkt.proto))
            raise Done("refused")
        nat = f"{node.ref} iptables nat {'OUTPUT' if origin == 'local' else 'PREROUTING'}"
        self._ipvs_marks(node, pkt, vs, origin, nat)
        if vs.kind == "lb" and vs.svc.lb_source_ranges:
            self._ipvs_source_ranges(node, pkt, vs, origin)
        self._ipvs_schedule(node, pkt, vs, origin)
        return True

    def _ipvs_marks(self, node: Node, pkt: Packet, vs: VirtualServer, origin: str, nat: str) -> None:
        cfg = self.scn.proxy
        svc = vs.svc
        local_policy = svc.external_traffic_policy == "Local"
        if vs.kind == "cluster":
            rule = "KUBE-SERVICES: -m set --match-set KUBE-CLUSTER-IP dst,dst"
            if cfg.masquerade_all:
                self._ipvs_mark(pkt, nat, say('{rule} -j KUBE-MARK-MASQ (iptables.masqueradeAll)', rule=rule))
            elif cfg.cluster_cidr is not None or cfg.detect_local_mode == "NodeCIDR":
                if is_local(cfg, pkt.src, node.pod_cidr) is False:
                    net = node.pod_cidr if cfg.detect_local_mode == "NodeCIDR" else cfg.cluster_cidr
                    self._ipvs_mark(pkt, nat, say('{rule} ! -s {net} -j KUBE-MARK-MASQ (source outside the Pod network)', rule=rule, net=net))
            elif pkt.src in bound_addresses(self.scn):
                self._ipvs_mark(pkt, nat, say("KUBE-SERVICES: -m set --match-set KUBE-CLUSTER-IP src,dst -j KUBE-MARK-MASQ (no clusterCIDR: the node's own connection, sent from the virtual address {src})", src=pkt.src))
        elif vs.kind == "external":
            if local_policy:
                self.hop(nat, say('KUBE-SERVICES: -m set --match-set KUBE-EXTERNAL-IP-LOCAL dst,dst -j ACCEPT (externalTrafficPolicy Local: no masquerade)'))
            else:
                self._ipvs_mark(pkt, nat, say('KUBE-SERVICES: -m set --match-set KUBE-EXTERNAL-IP dst,dst -j KUBE-MARK-MASQ (externalTrafficPolicy Cluster)'))
        elif vs.kind == "lb":
            jump = "KUBE-SERVICES: -m set --match-set KUBE-LOAD-BALANCER dst,dst -j KUBE-LOAD-BALANCER; KUBE-LOAD-BALANCER: "
            if local_policy:
                self.hop(nat, say('{jump}-m set --match-set KUBE-LOAD-BALANCER-LOCAL dst,dst -j RETURN (externalTrafficPolicy Local: no masquerade)', jump=jump))
            else:
                self._ipvs_mark(pkt, nat, say('{jump}-j KUBE-MARK-MASQ (externalTrafficPolicy Cluster)', jump=jump))
        else:
            proto = _SET.get(pkt.proto, pkt.proto.upper())
            jump = "KUBE-SERVICES: -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT; KUBE-NODE-PORT: "
            if local_policy:
                self.hop(nat, say('{jump}-m set --match-set KUBE-NODE-PORT-LOCAL-{proto} dst -j RETURN (externalTrafficPolicy Local: no masquerade)', jump=jump, proto=proto))
            else:
                self._ipvs_mark(pkt, nat, say('{jump}-m set --match-set KUBE-NODE-PORT-{proto} dst -j KUBE-MARK-MASQ', jump=jump, proto=proto))

    def _ipvs_mark(self, pkt: Packet, where: str, what: Said) -> None:
        pkt.mark = True
        self.hop(where, what)

    def _ipvs_source_ranges(self, node: Node, pkt: Packet, vs: VirtualServer, origin: str) -> None:
        ranges = vs.svc.lb_source_ranges
        text = ", ".join(map(str, ranges))
        if origin == "local":  # the node's own connection leaves from the LB address itself
            ok = any(_in(node.ip, n) for n in ranges)
            if not ok:
                self.hop(f"{node.ref} iptables filter OUTPUT", say('KUBE-IPVS-OUT-FILTER: -s {dst} -m ipvs --vaddr {dst} --vport {dport} -j DROP (the node address {ip} is in none of loadBalancerSourceRanges {text})', dst=pkt.dst, dport=pkt.dport, ip=node.ip, text=text))
                raise Done("timeout")
            self.hop(f"{node.ref} iptables filter INPUT", say('KUBE-SOURCE-RANGES-FIREWALL: KUBE-LOAD-BALANCER-SOURCE-IP -j RETURN (the node address {ip} is in loadBalancerSourceRanges {text})', ip=node.ip, text=text))
            return
        where = f"{node.ref} iptables filter INPUT"
        jump = f"KUBE-PROXY-FIREWALL: -m set --match-set KUBE-LOAD-BALANCER-FW dst,dst -j KUBE-SOURCE-RANGES-FIREWALL; "
        if any(_in(pkt.src, n) for n in ranges):
            self.hop(where, say('{jump}KUBE-SOURCE-RANGES-FIREWALL: -m set --match-set KUBE-LOAD-BALANCER-SOURCE-CIDR dst,dst,src -j RETURN ({src} is in {text})', jump=jump, src=pkt.src, text=text))
            return
        self.hop(where, say('{jump}KUBE-SOURCE-RANGES-FIREWALL: -j DROP ({src} is in none of loadBalancerSourceRanges {text})', jump=jump, src=pkt.src, text=text))
        raise Done("timeout")

    def _ipvs_schedule(self, node: Node, pkt: Packet, vs: VirtualServer, origin: str) -> None:
        sched = self.scn.proxy.ipvs_scheduler
        where = f"{node.ref} IPVS"
        rs, why = real_servers(node, vs)
        label = say("{port} {kind}", port=vs.svc.port_label(vs.sp), kind=KINDS[vs.kind])
        listing = ", ".join(f"-> {e.key} Masq 1" for e in rs) or say("none")
        self.hop(where, say('ipvsadm -Ln: {header} ({label}); real servers ({why}): {listing}', header=vs.header(sched), label=label, why=why, listing=listing))
        if not rs:
            self.hop(where, say('virtual server {key} has no real server: IPVS answers ICMP port unreachable (ip_vs_leave)', key=vs.key))
            raise Done("refused")
        self.candidates = [self._ep_ref(e) for e in rs]
        ep = self._ipvs_pick(vs, rs, sched, where)
        if pkt.src == ep.ip:
            pkt.mark = True
            self.hop(f"{node.ref} iptables nat POSTROUTING", say('KUBE-POSTROUTING: -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE (hairpin: the Pod reaches itself through its Service)'))
        before = pkt.dst_text
        pkt.dst, pkt.dport = ep.ip, ep.port
        self.hop(where, say('forwards to real server {key} (Masq: the destination is rewritten)', key=ep.key),
                 {"type": "DNAT", "before": before, "after": pkt.dst_text})
        elsewhere = ep.node_name != node.name and not self._node_is_local(node, ep.ip)
        if not pkt.mark and elsewhere and not self._ipvs_reply_returns(node, pkt.src, origin):
            self.hop(where, say('no SNAT: {key} answers {src} directly from {ip}, and the answer does not come back through {node} to be rewritten; the client expected {before} and drops it, so the connection times out', key=ep.key, src=pkt.src, ip=ep.ip, node=node.ref, before=before))
            raise Done("timeout")

    def _ipvs_reply_returns(self, node: Node, src: str, origin: str) -> bool:
        """Does an answer to ``src`` come back through ``node``? Yes for the node itself and its Pods."""
        if origin == "local":
            return src not in bound_addresses(self.scn)  # sent from a virtual address: answered to whichever node holds it
        return (node.pod_cidr is not None and _in(src, node.pod_cidr)) or self._node_is_local(node, src)

    def _ipvs_pick(self, vs: VirtualServer, rs: list[Endpoint], sched: str, where: str) -> Endpoint:
        client = self.client_ip
        keys = [e.key for e in rs]
        if vs.svc.session_affinity == "ClientIP":
            akey = ("ipvs-persist", vs.key, client)
            prev = self.recent.get(akey)
            if prev in keys:
                self.hop(where, say('persistent {affinity_timeout}: the connection template pins {client} to {prev} (sessionAffinity ClientIP)', affinity_timeout=vs.svc.affinity_timeout, client=client, prev=prev))
                return rs[keys.index(prev)]
        hashed = sched in ("sh", "mh")
        state = ("ipvs-hash", vs.key, client) if hashed else ("ipvs-rr", vs.key)
        prev = self.recent.get(state)
        if prev in keys:
            i = keys.index(prev) if hashed else (keys.index(prev) + 1) % len(rs)
            how = (say("{sched}: {client} hashes to the same real server as before", sched=sched, client=client) if hashed
                   else say("{sched}: the next real server after {prev}", sched=sched, prev=prev))
        else:
            i = self.rng.randrange(len(rs)) if len(rs) > 1 else 0
            how = (say("{sched}: {client} hashes to one real server (which one depends on the table kube-proxy built)",
                       sched=sched, client=client) if hashed
                   else say("{sched}: the real server in turn (where the round stands is not known: drawn from the seed)",
                            sched=sched))
        self.recent[state] = keys[i]
        if vs.svc.session_affinity == "ClientIP":
            self.recent[("ipvs-persist", vs.key, client)] = keys[i]
            how = say("{how}; persistent {timeout}: a template remembers {client}", how=how,
                      timeout=vs.svc.affinity_timeout, client=client)
        self.hop(where, say('{how} -> {server}', how=how, server=keys[i]))
        return rs[i]


def _in(ip: str, net) -> bool:
    n = sum(int(x) << (24 - 8 * i) for i, x in enumerate(ip.split(".")))
    return (n & int(net.netmask)) == int(net.network_address)

"""The iptables rules of a Kubernetes node, in the shape kube-proxy (iptables mode), the CNI ``portmap`` plugin
and flannel (``--ip-masq``) write them: :func:`node_rules`.

Chain names are the tracer's (:func:`~quizapp.sim.kubernetes.names.svc_chain`, ``sep_chain``) and endpoints are
the Service ports' endpoint lists in kube-proxy's order: the rules and the simulator cannot drift apart.
Versions followed: kube-proxy v1.28+ (KUBE-EXT / KUBE-SVL chains, filter ``KUBE-EXTERNAL-SERVICES`` DROP for
``externalTrafficPolicy: Local`` without local endpoints, REJECT for Services without endpoints), portmap with
``snat: true`` (mark 0x2000, ``-s <podIP>/32`` and ``-s 127.0.0.1`` marked), flannel's ``FLANNEL-POSTRTG``
chain. SCTP ports are left out (no SCTP in the harness).
"""

from __future__ import annotations

import hashlib

from ..core.model import Scenario
from ..core.tables import Tables, quote
from .model import Node, Pod, usable_endpoints
from .names import sep_chain, svc_chain
from .netpol_rules import netpol_rules

KUBE_MARK = "0x4000"
PORTMAP_MARK = "0x2000"


def _kube_proxy(scn: Scenario, node: Node, t: Tables) -> None:
    cfg = scn.proxy
    # kube-proxy's local-traffic detector: the cluster CIDR, the node's podCIDR, or none (no clusterCIDR set)
    cc = str(node.pod_cidr) if cfg.detect_local_mode == "NodeCIDR" else (str(cfg.cluster_cidr) if cfg.cluster_cidr else None)
    nat, flt = "nat", "filter"
    for ch in ("KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"):
        t.chain(nat, ch)
    for ch in ("KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD"):
        t.chain(flt, ch)
    t.rule(nat, "PREROUTING", f"-m comment --comment {quote('kubernetes service portals')} -j KUBE-SERVICES")
    t.rule(nat, "OUTPUT", f"-m comment --comment {quote('kubernetes service portals')} -j KUBE-SERVICES")
    t.rule(nat, "POSTROUTING", f"-m comment --comment {quote('kubernetes postrouting rules')} -j KUBE-POSTROUTING")
    t.rule(nat, "KUBE-MARK-MASQ", f"-j MARK --or-mark {KUBE_MARK}")
    t.rule(nat, "KUBE-POSTROUTING", f"-m mark ! --mark {KUBE_MARK}/{KUBE_MARK} -j RETURN")
    t.rule(nat, "KUBE-POSTROUTING", f"-j MARK --xor-mark {KUBE_MARK}")
    t.rule(nat, "KUBE-POSTROUTING", f"-m comment --comment {quote('kubernetes service traffic requiring SNAT')} -j MASQUERADE --random-fully")
    t.rule(flt, "INPUT", f"-m conntrack --ctstate NEW -m comment --comment {quote('kubernetes externally-visible service portals')} -j KUBE-EXTERNAL-SERVICES")
    t.rule(flt, "FORWARD", f"-m comment --comment {quote('kubernetes forwarding rules')} -j KUBE-FORWARD")
    t.rule(flt, "FORWARD", f"-m conntrack --ctstate NEW -m comment --comment {quote('kubernetes service portals')} -j KUBE-SERVICES")
    t.rule(flt, "FORWARD", f"-m conntrack --ctstate NEW -m comment --comment {quote('kubernetes externally-visible service portals')} -j KUBE-EXTERNAL-SERVICES")
    t.rule(flt, "OUTPUT", f"-m conntrack --ctstate NEW -m comment --comment {quote('kubernetes service portals')} -j KUBE-SERVICES")
    # iptables.localhostNodePorts (default true): route_localnet=1 (see topology) and this mitigation
    if cfg.localhost_nodeports:
        t.chain(flt, "KUBE-FIREWALL")
        t.rule(flt, "INPUT", "-j KUBE-FIREWALL")
        t.rule(flt, "OUTPUT", "-j KUBE-FIREWALL")
        t.rule(flt, "KUBE-FIREWALL", f"! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment {quote('block incoming localnet connections')} -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP")
    t.rule(flt, "KUBE-FORWARD", f"-m comment --comment {quote('kubernetes forwarding rules')} -m mark --mark {KUBE_MARK}/{KUBE_MARK} -j ACCEPT")
    t.rule(flt, "KUBE-FORWARD", f"-m comment --comment {quote('kubernetes forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")

    nodeport_rules: list[str] = []
    fw_hooked = False  # filter KUBE-PROXY-FIREWALL, hooked once when a Service has loadBalancerSourceRanges
    for svc in scn.services.values():
        if svc.type == "ExternalName" or svc.headless or not svc.cluster_ip:
            continue
        for sp in svc.ports:
            proto = sp.protocol.lower()
            if proto not in ("tcp", "udp"):
                continue
            label = svc.port_label(sp)
            cip = svc.cluster_ip
            eps = usable_endpoints(sp.endpoints)  # ready, else serving-terminating
            local_eps = usable_endpoints([e for e in sp.endpoints if e.node_name == node.name])
            svc_ch = svc_chain(svc, sp)
            svl_ch = svc_chain(svc, sp, "KUBE-SVL-")
            ext_ch = svc_chain(svc, sp, "KUBE-EXT-")
            match = f"-p {proto} -m {proto}"
            if not eps:
                t.rule(flt, "KUBE-SERVICES", f"-d {cip}/32 {match} --dport {sp.port} -m comment --comment {quote(label + ' has no endpoints')} -j REJECT")
                if sp.node_port:
                    t.rule(flt, "KUBE-EXTERNAL-SERVICES", f"-m addrtype --dst-type LOCAL {match} --dport {sp.node_port} -m comment --comment {quote(label + ' has no endpoints')} -j REJECT")
                for lb in svc.lb_ips + svc.external_ips:
                    t.rule(flt, "KUBE-EXTERNAL-SERVICES", f"-d {lb}/32 {match} --dport {sp.port} -m comment --comment {quote(label + ' has no endpoints')} -j REJECT")
                continue
            internal_local = svc.internal_traffic_policy == "Local"
            external_local = svc.external_traffic_policy == "Local"
            has_external = bool(sp.node_port or svc.lb_ips or svc.external_ips)
            # the cluster policy chain: every endpoint
            # off-cluster traffic to the cluster IP is masqueraded, in the internal traffic policy's chain
            masq = None
            if cfg.masquerade_all:
                masq = f"-d {cip}/32 {match} --dport {sp.port} -m comment --comment {quote(label + ' cluster IP')} -j KUBE-MARK-MASQ"
            elif cc:
                masq = f"! -s {cc} -d {cip}/32 {match} --dport {sp.port} -m comment --comment {quote(label + ' cluster IP')} -j KUBE-MARK-MASQ"
            t.chain(nat, svc_ch)
            if not internal_local and masq:
                t.rule(nat, svc_ch, masq)
            _balance(t, svc, sp, eps, svc_ch, label)
            if (internal_local or (external_local and has_external)) and local_eps:
                t.chain(nat, svl_ch)
                if internal_local and masq:
                    t.rule(nat, svl_ch, masq)
                _balance(t, svc, sp, local_eps, svl_ch, label)
            for ep in eps + [e for e in local_eps if e not in eps]:
                sep = sep_chain(svc, sp, ep)
                t.chain(nat, sep)
                t.rule(nat, sep, f"-s {ep.ip}/32 -m comment --comment {quote(label)} -j KUBE-MARK-MASQ")
                recent = f" -m recent --set --name {sep} --mask 255.255.255.255 --rsource" if svc.session_affinity == "ClientIP" else ""
                t.rule(nat, sep, f"{match} -m comment --comment {quote(label)}{recent} -j DNAT --to-destination {ep.ip}:{ep.port}")
            # cluster IP
            if internal_local and not local_eps:
                t.rule(flt, "KUBE-SERVICES", f"-d {cip}/32 {match} --dport {sp.port} -m comment --comment {quote(label + ' has no local endpoints')} -j DROP")
            else:
                t.rule(nat, "KUBE-SERVICES", f"-d {cip}/32 {match} --dport {sp.port} -m comment --comment {quote(label + ' cluster IP')} -j {svl_ch if internal_local else svc_ch}")
            if not has_external:
                continue
            # external destinations: nodePort and load-balancer IPs
            t.chain(nat, ext_ch)
            if external_local:
                if cc:
                    t.rule(nat, ext_ch, f"-s {cc} -m comment --comment {quote('pod traffic for ' + label + ' external destinations')} -j {svc_ch}")
                t.rule(nat, ext_ch, f"-m comment --comment {quote('masquerade LOCAL traffic for ' + label + ' external destinations')} -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ")
                t.rule(nat, ext_ch, f"-m comment --comment {quote('route LOCAL traffic for ' + label + ' external destinations')} -m addrtype --src-type LOCAL -j {svc_ch}")
                if local_eps:
                    t.rule(nat, ext_ch, f"-j {svl_ch}")
                else:
                    if sp.node_port:
                        t.rule(flt, "KUBE-EXTERNAL-SERVICES", f"-m addrtype --dst-type LOCAL {match} --dport {sp.node_port} -m comment --comment {quote(label + ' has no local endpoints')} -j DROP")
                    for lb in svc.lb_ips + svc.external_ips:
                        t.rule(flt, "KUBE-EXTERNAL-SERVICES", f"-d {lb}/32 {match} --dport {sp.port} -m comment --comment {quote(label + ' has no local endpoints')} -j DROP")
            else:
                t.rule(nat, ext_ch, f"-m comment --comment {quote('masquerade traffic for ' + label + ' external destinations')} -j KUBE-MARK-MASQ")
                t.rule(nat, ext_ch, f"-j {svc_ch}")
            lb_target = ext_ch
            if svc.lb_source_ranges and svc.lb_ips:
                # loadBalancerSourceRanges: only allowed sources are DNAT-ed; the rest meet KUBE-PROXY-FIREWALL's DROP
                lb_target = svc_chain(svc, sp, "KUBE-FW-")
                t.chain(nat, lb_target)
                for net in svc.lb_source_ranges:
                    t.rule(nat, lb_target, f"-s {net} -m comment --comment {quote(label + ' loadbalancer IP')} -j {ext_ch}")
                if not fw_hooked:
                    fw_hooked = True
                    t.chain(flt, "KUBE-PROXY-FIREWALL")
                    for hook in ("INPUT", "FORWARD", "OUTPUT"):
                        t.rule(flt, hook, f"-m conntrack --ctstate NEW -m comment --comment {quote('kube-proxy firewall rules')} -j KUBE-PROXY-FIREWALL")
                for lb in svc.lb_ips:
                    t.rule(flt, "KUBE-PROXY-FIREWALL", f"-d {lb}/32 {match} --dport {sp.port} -m comment --comment {quote(label + ' traffic not accepted by ' + lb_target)} -j DROP")
            for lb in svc.lb_ips:
                t.rule(nat, "KUBE-SERVICES", f"-d {lb}/32 {match} --dport {sp.port} -m comment --comment {quote(label + ' loadbalancer IP')} -j {lb_target}")
            for eip in svc.external_ips:
                t.rule(nat, "KUBE-SERVICES", f"-d {eip}/32 {match} --dport {sp.port} -m comment --comment {quote(label + ' external IP')} -j {ext_ch}")
            if sp.node_port:
                nodeport_rules.append(f"{match} --dport {sp.node_port} -m comment --comment {quote(label)} -j {ext_ch}")
    for spec in nodeport_rules:
        t.rule(nat, "KUBE-NODEPORTS", spec)
    last = quote('kubernetes service nodeports; NOTE: this must be the last rule in this chain')
    if cfg.node_port_addresses and "all" not in cfg.node_port_addresses:
        for addr in (node.ip, *node.extra_ips, node.bridge_ip, node.vtep_ip, "127.0.0.1"):
            if cfg.nodeport_on(addr, node.ip):
                t.rule(nat, "KUBE-SERVICES", f"-d {addr}/32 -m comment --comment {last} -j KUBE-NODEPORTS")
    else:
        lo = "" if cfg.localhost_nodeports else " ! -d 127.0.0.0/8"
        t.rule(nat, "KUBE-SERVICES", f"-m comment --comment {last} -m addrtype --dst-type LOCAL{lo} -j KUBE-NODEPORTS")


def _balance(t: Tables, svc, sp, eps, chain: str, label: str) -> None:
    """kube-proxy's load balancing: recent-match rules for ClientIP affinity, then endpoint i of n with
    probability 1/(n-i), the last one unconditional."""
    if svc.session_affinity == "ClientIP":
        for ep in eps:
            sep = sep_chain(svc, sp, ep)
            t.rule("nat", chain, f"-m comment --comment {quote(label + ' -> ' + ep.key)} -m recent --name {sep} --mask 255.255.255.255 --rsource --rcheck --seconds {svc.affinity_timeout} --reap -j {sep}")
    n = len(eps)
    for i, ep in enumerate(eps):
        prob = f" -m statistic --mode random --probability {1.0 / (n - i):.10f}" if i < n - 1 else ""
        t.rule("nat", chain, f"-m comment --comment {quote(label + ' -> ' + ep.key)}{prob} -j {sep_chain(svc, sp, ep)}")


def portmap_chain(pod: Pod) -> str:
    """The CNI portmap plugin's per-container chain: CNI-DN- + 17 hex digits of sha512(network + id)."""
    return "CNI-DN-" + hashlib.sha512(f"cbr0{pod.namespace}/{pod.name}".encode()).hexdigest()[:17]


def _portmap(node: Node, t: Tables) -> None:
    entries = [(key, pod, cport, hip) for key, lst in sorted(node.host_ports.items()) for pod, cport, hip in lst
               if key[1] in ("tcp", "udp")]
    if not entries:
        return
    nat = "nat"
    for ch in ("CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-SETMARK", "CNI-HOSTPORT-MASQ"):
        t.chain(nat, ch)
    t.rule(nat, "PREROUTING", "-m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT")
    t.rule(nat, "OUTPUT", "-m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT")
    t.rule(nat, "POSTROUTING", f"-m comment --comment {quote('CNI portfwd requiring masquerade')} -j CNI-HOSTPORT-MASQ")
    t.rule(nat, "CNI-HOSTPORT-MASQ", f"-m mark --mark {PORTMAP_MARK}/{PORTMAP_MARK} -j MASQUERADE")
    t.rule(nat, "CNI-HOSTPORT-SETMARK", f"-m comment --comment {quote('CNI portfwd masquerade mark')} -j MARK --set-xmark {PORTMAP_MARK}/{PORTMAP_MARK}")
    for (hport, proto), pod, cport, hip in entries:
        ch = portmap_chain(pod)
        t.chain(nat, ch)
        comment = quote(f'dnat name: "cbr0" id: "{pod.namespace}/{pod.name}"')
        t.rule(nat, "CNI-HOSTPORT-DNAT", f"-p {proto} -m comment --comment {comment} -m multiport --dports {hport} -j {ch}")
        dst = f"-d {hip}/32 " if hip and hip != "0.0.0.0" else ""
        t.rule(nat, ch, f"{dst}-s {pod.ip}/32 -p {proto} -m {proto} --dport {hport} -j CNI-HOSTPORT-SETMARK")
        t.rule(nat, ch, f"{dst}-s 127.0.0.1/32 -p {proto} -m {proto} --dport {hport} -j CNI-HOSTPORT-SETMARK")
        t.rule(nat, ch, f"{dst}-p {proto} -m {proto} --dport {hport} -j DNAT --to-destination {pod.ip}:{cport}")


def _flannel(scn: Scenario, node: Node, t: Tables) -> None:
    if not scn.cluster.ip_masq:
        return
    cc = str(scn.cluster.cluster_cidr)
    pc = str(node.pod_cidr)
    nat = "nat"
    c = f"-m comment --comment {quote('flanneld masq')}"
    t.chain(nat, "FLANNEL-POSTRTG")
    t.rule(nat, "POSTROUTING", f"{c} -j FLANNEL-POSTRTG")
    t.rule(nat, "FLANNEL-POSTRTG", f"-m mark --mark {KUBE_MARK}/{KUBE_MARK} {c} -j RETURN")
    t.rule(nat, "FLANNEL-POSTRTG", f"-s {pc} -d {cc} {c} -j RETURN")
    t.rule(nat, "FLANNEL-POSTRTG", f"-s {cc} -d {pc} {c} -j RETURN")
    t.rule(nat, "FLANNEL-POSTRTG", f"! -s {cc} -d {pc} {c} -j RETURN")
    t.rule(nat, "FLANNEL-POSTRTG", f"-s {cc} ! -d 224.0.0.0/4 {c} -j MASQUERADE --random-fully")
    t.rule(nat, "FLANNEL-POSTRTG", f"! -s {cc} -d {cc} {c} -j MASQUERADE --random-fully")


def node_rules(scn: Scenario, node: Node) -> str:
    """The iptables-restore text for one Kubernetes node: the NetworkPolicy controller (when policies are
    enforced), kube-proxy, CNI portmap, flannel."""
    t = Tables()
    if scn.policies is not None:  # the policy controller's FORWARD jump comes first, before kube-proxy's ACCEPTs
        netpol_rules(t, scn.policies, node.pods, scn.pods.values())
    if scn.proxy.mode == "iptables":  # in nftables mode kube-proxy writes its own table (nft_rules)
        _kube_proxy(scn, node, t)
    _portmap(node, t)
    _flannel(scn, node, t)
    return t.render()

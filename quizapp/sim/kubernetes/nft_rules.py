"""kube-proxy's nftables mode: the ``ip kube-proxy`` table it writes (pkg/proxy/nftables/proxier.go), as an
``nft -f`` ruleset, for one node.

The base chains, sets and maps are kube-proxy's, word for word: ``services`` dispatches through the
``service-ips`` and ``service-nodeports`` verdict maps; ``service-<hash>-ns/name/proto/port`` chains
load-balance with ``numgen random mod N vmap``; ``endpoint-<hash>-...__ip/port`` chains DNAT;
``external-...`` and ``local-...`` chains carry the external and Local traffic policies;
``no-endpoint-services`` / ``no-endpoint-nodeports`` reject (no endpoints) or drop (no local endpoints);
``cluster-ips-check`` rejects other ports of a Cluster IP and drops unallocated addresses of the service
CIDR; ``mark-for-masquerade`` / ``masquerading`` SNAT with mark 0x4000. NodePorts answer on the addresses
in ``nodeport-ips`` (``nodePortAddresses``, default ``primary``), never on 127.0.0.1. Chain names use
kube-proxy's hash: base32(sha256(name))[:8].

``firewall-ips`` sends new connections to a load-balancer IP with loadBalancerSourceRanges to its
``firewall-...`` chain (``ip saddr != { ranges } drop``) in the filter hooks before DNAT.

Pure: the model in, text out. Session affinity is refused in this mode when the scenario is loaded, so it never
reaches here.
"""

from __future__ import annotations

import base64
import hashlib

from ..core.model import Scenario
from .model import Endpoint, Node, Service, ServicePort, usable_endpoints

T = "ip kube-proxy"


def _hash_name(name: str) -> str:
    return base64.b32encode(hashlib.sha256(name.encode()).digest()).decode()[:8] + "-" + name


def nft_base(svc: Service, sp: ServicePort) -> str:
    return _hash_name(f"{svc.namespace}/{svc.name}/{sp.protocol.lower()}/{sp.name or ''}")


def nft_chain(svc: Service, sp: ServicePort, prefix: str = "service-") -> str:
    """``service-``, ``local-`` or ``external-`` + kube-proxy's chain name base."""
    return prefix + nft_base(svc, sp)


def nft_endpoint_chain(svc: Service, sp: ServicePort, ep: Endpoint) -> str:
    base = f"{svc.namespace}/{svc.name}/{sp.protocol.lower()}/{sp.name or ''}__{ep.ip}/{ep.port}"
    return "endpoint-" + _hash_name(base)


def _q(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


BASE = f"""add table {T} {{ comment "rules for kube-proxy" ; }}
add set {T} cluster-ips {{ type ipv4_addr ; comment "Active ClusterIPs" ; }}
add set {T} nodeport-ips {{ type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }}
add map {T} firewall-ips {{ type ipv4_addr . inet_proto . inet_service : verdict ; comment "destinations that are subject to LoadBalancerSourceRanges" ; }}
add map {T} no-endpoint-nodeports {{ type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }}
add map {T} no-endpoint-services {{ type ipv4_addr . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }}
add map {T} service-ips {{ type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }}
add map {T} service-nodeports {{ type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }}
add chain {T} cluster-ips-check
add chain {T} filter-prerouting-pre-dnat {{ type filter hook prerouting priority -110 ; }}
add chain {T} filter-output-pre-dnat {{ type filter hook output priority -110 ; }}
add chain {T} filter-forward {{ type filter hook forward priority 0 ; }}
add chain {T} filter-input {{ type filter hook input priority 0 ; }}
add chain {T} filter-output {{ type filter hook output priority 0 ; }}
add chain {T} firewall-check
add chain {T} mark-for-masquerade
add chain {T} masquerading
add chain {T} nat-output {{ type nat hook output priority -100 ; }}
add chain {T} nat-postrouting {{ type nat hook postrouting priority 100 ; }}
add chain {T} nat-prerouting {{ type nat hook prerouting priority -100 ; }}
add chain {T} nodeport-endpoints-check
add chain {T} reject-chain {{ comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }}
add chain {T} services
add chain {T} service-endpoints-check
add rule {T} cluster-ips-check ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"
add rule {T} cluster-ips-check ip daddr {{ SERVICE_CIDR }} drop comment "Drop traffic to unallocated ClusterIPs"
add rule {T} filter-prerouting-pre-dnat ct state new jump firewall-check
add rule {T} filter-forward ct state new jump service-endpoints-check
add rule {T} filter-forward ct state new jump cluster-ips-check
add rule {T} filter-input ct state new jump nodeport-endpoints-check
add rule {T} filter-input ct state new jump service-endpoints-check
add rule {T} filter-output ct state new jump service-endpoints-check
add rule {T} filter-output-pre-dnat ct state new jump firewall-check
add rule {T} filter-output ct state new jump cluster-ips-check
add rule {T} firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips
add rule {T} mark-for-masquerade mark set mark or 0x4000
add rule {T} masquerading mark and 0x4000 == 0 return
add rule {T} masquerading mark set mark xor 0x4000
add rule {T} masquerading masquerade fully-random
add rule {T} nat-output jump services
add rule {T} nat-postrouting jump masquerading
add rule {T} nat-prerouting jump services
add rule {T} nodeport-endpoints-check ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports
add rule {T} reject-chain reject
add rule {T} services ip daddr . meta l4proto . th dport vmap @service-ips
add rule {T} services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports
add rule {T} service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services
"""


def nft_node_rules(scn: Scenario, node: Node) -> str:
    """The ``nft -f`` ruleset kube-proxy (nftables mode) writes on ``node``."""
    cfg = scn.proxy
    out = [BASE.replace("SERVICE_CIDR", str(scn.cluster.service_cidr))]
    for addr in (node.ip, *node.extra_ips, node.bridge_ip, node.vtep_ip):
        if cfg.nodeport_on(addr, node.ip):
            out.append(f"add element {T} nodeport-ips {{ {addr} }}")
    local_net = str(node.pod_cidr) if cfg.detect_local_mode == "NodeCIDR" else (str(cfg.cluster_cidr) if cfg.cluster_cidr else None)
    per_service: list[str] = []
    for svc in scn.services.values():
        if svc.type == "ExternalName" or svc.headless or not svc.cluster_ip:
            continue
        for sp in svc.ports:
            per_service.extend(_service_port(svc, sp, node, local_net, cfg.masquerade_all))
    # nft resolves a goto when it reads it: every chain is declared before the rules that name it
    out += [line for line in per_service if line.startswith("add chain")]
    out += [line for line in per_service if not line.startswith("add chain")]
    return "\n".join(out) + "\n"


def _balance(chain: str, svc: Service, sp: ServicePort, eps: list[Endpoint]) -> str:
    targets = " , ".join(f"{i} : goto {nft_endpoint_chain(svc, sp, ep)}" for i, ep in enumerate(eps))
    return f"add rule {T} {chain} numgen random mod {len(eps)} vmap {{ {targets} }}"


def _firewall(svc: Service, sp: ServicePort, node: Node, proto: str, label: str) -> list[str]:
    """loadBalancerSourceRanges: the service port's firewall chain and its firewall-ips entries."""
    if not (svc.lb_ips and svc.lb_source_ranges):
        return []
    ch = nft_chain(svc, sp, "firewall-")
    sources = [str(n) for n in svc.lb_source_ranges]
    if any(_contains(n, node.ip) for n in svc.lb_source_ranges):
        sources += list(svc.lb_ips)  # from the node itself the source may be the load-balancer IP (allowFromNode)
    out = [f"add chain {T} {ch}", f"add rule {T} {ch} ip saddr != {{ {', '.join(sources)} }} drop"]
    for ip in svc.lb_ips:
        out.append(f"add element {T} firewall-ips {{ {ip} . {proto} . {sp.port} comment {_q(label)} : goto {ch} }}")
    return out


def _contains(net, ip: str) -> bool:
    n = sum(int(x) << (24 - 8 * i) for i, x in enumerate(ip.split(".")))
    return (n & int(net.netmask)) == int(net.network_address)


def _service_port(svc: Service, sp: ServicePort, node: Node, local_net: str | None, masq_all: bool) -> list[str]:
    proto = sp.protocol.lower()
    label = svc.port_label(sp)
    cip = svc.cluster_ip
    eps = usable_endpoints(sp.endpoints)
    local_eps = usable_endpoints([e for e in sp.endpoints if e.node_name == node.name])
    svc_ch, local_ch, ext_ch = (nft_chain(svc, sp, p) for p in ("service-", "local-", "external-"))
    external_addrs = list(svc.external_ips) + list(svc.lb_ips)
    has_external = bool(sp.node_port or external_addrs)
    internal_local = svc.internal_traffic_policy == "Local"
    external_local = svc.external_traffic_policy == "Local"
    out = [f"add element {T} cluster-ips {{ {cip} }}"]
    out += _firewall(svc, sp, node, proto, label)
    reject = "goto reject-chain"
    if not eps:
        out.append(f"add element {T} no-endpoint-services {{ {cip} . {proto} . {sp.port} comment {_q(label)} : {reject} }}")
        for addr in external_addrs:
            out.append(f"add element {T} no-endpoint-services {{ {addr} . {proto} . {sp.port} comment {_q(label)} : {reject} }}")
        if sp.node_port:
            out.append(f"add element {T} no-endpoint-nodeports {{ {proto} . {sp.node_port} comment {_q(label)} : {reject} }}")
        return out
    masq = f"ip daddr {cip} jump mark-for-masquerade" if masq_all else (
        f"ip daddr {cip} ip saddr != {local_net} jump mark-for-masquerade" if local_net else None)
    out.append(f"add chain {T} {svc_ch}")
    if masq and not internal_local:
        out.append(f"add rule {T} {svc_ch} {masq}")
    out.append(_balance(svc_ch, svc, sp, eps))
    if local_eps and (internal_local or (external_local and has_external)):
        out.append(f"add chain {T} {local_ch}")
        if masq and internal_local:
            out.append(f"add rule {T} {local_ch} {masq}")
        out.append(_balance(local_ch, svc, sp, local_eps))
    for ep in eps + [e for e in local_eps if e not in eps]:
        ch = nft_endpoint_chain(svc, sp, ep)
        out.append(f"add chain {T} {ch}")
        out.append(f"add rule {T} {ch} ip saddr {ep.ip} jump mark-for-masquerade")
        out.append(f"add rule {T} {ch} meta l4proto {proto} dnat to {ep.ip}:{ep.port}")
    if internal_local and not local_eps:
        out.append(f"add element {T} no-endpoint-services {{ {cip} . {proto} . {sp.port} comment {_q(label)} : drop }}")
    else:
        out.append(f"add element {T} service-ips {{ {cip} . {proto} . {sp.port} : goto {local_ch if internal_local else svc_ch} }}")
    if not has_external:
        return out
    out.append(f"add chain {T} {ext_ch}")
    if external_local:
        if local_net:
            out.append(f'add rule {T} {ext_ch} ip saddr {local_net} goto {svc_ch} comment "short-circuit pod traffic"')
        out.append(f'add rule {T} {ext_ch} fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"')
        out.append(f'add rule {T} {ext_ch} fib saddr type local goto {svc_ch} comment "short-circuit local traffic"')
        if local_eps:
            out.append(f"add rule {T} {ext_ch} goto {local_ch}")
        else:
            for addr in external_addrs:
                out.append(f"add element {T} no-endpoint-services {{ {addr} . {proto} . {sp.port} comment {_q(label)} : drop }}")
            if sp.node_port:
                out.append(f"add element {T} no-endpoint-nodeports {{ {proto} . {sp.node_port} comment {_q(label)} : drop }}")
    else:
        out.append(f"add rule {T} {ext_ch} jump mark-for-masquerade")
        out.append(f"add rule {T} {ext_ch} goto {svc_ch}")
    for addr in external_addrs:
        out.append(f"add element {T} service-ips {{ {addr} . {proto} . {sp.port} : goto {ext_ch} }}")
    if sp.node_port:
        out.append(f"add element {T} service-nodeports {{ {proto} . {sp.node_port} : goto {ext_ch} }}")
    return out

"""kube-proxy's IPVS mode (``mode: ipvs``): the virtual servers and real servers it programs on a node, as
``ipvsadm -Ln`` lists them.

Source: kubernetes ``pkg/proxy/ipvs/proxier.go`` (``syncProxyRules``, ``syncService``, ``syncEndpoint``,
``writeIptablesRules``) and ``pkg/proxy/ipvs/README.md``:

* every Cluster IP, and every external IP and load-balancer IP that is not already a node address, is bound to the
  dummy interface ``kube-ipvs0`` on every node (the ipset ``KUBE-IPVS-IPS``), so the node treats it as its own
  address: it answers ping, and a port that no virtual server serves reaches the node's own stack, where
  ``KUBE-IPVS-FILTER`` (filter INPUT, kubernetes issue 72236) rejects new connections to it;
* one virtual server per Service port on the Cluster IP, on each external IP and load-balancer IP, and a NodePort
  virtual server on each node address (``GetAllLocalAddressesExcept(kube-ipvs0)``: loopback excluded; or the
  addresses ``nodePortAddresses`` selects), with the configured scheduler and, for ``sessionAffinity: ClientIP``,
  the persistent flag and timeout;
* real servers (forwarding ``Masq``, weight 1): the usable endpoints (``CategorizeEndpoints``: ready ones, else the
  serving-terminating ones); for the Local traffic policies only this node's, and when the node has none, the
  cluster-wide ones (kubernetes PR 97081: local Pods can still reach the Service) - empty for a Cluster IP with
  ``internalTrafficPolicy: Local`` that is reachable from nowhere else;
* a virtual server without real servers answers ICMP port unreachable (``ip_vs_leave`` in the kernel's
  ``net/netfilter/ipvs/ip_vs_core.c``).

Pure: scenario and node in, plain values out. The trace steps are in :mod:`.ipvs_proxy`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.model import Scenario
from .model import Endpoint, Node, Service, ServicePort, usable_endpoints
from quizapp.words import Said, say

KINDS = {"cluster": say("cluster IP"), "external": say("external IP"), "lb": say("load-balancer IP"), "nodeport": "nodePort"}


@dataclass(frozen=True)
class VirtualServer:
    addr: str
    port: int
    proto: str  # tcp | udp | sctp
    svc: Service
    sp: ServicePort
    kind: str  # cluster | external | lb | nodeport

    @property
    def key(self) -> str:
        return f"{self.proto.upper()} {self.addr}:{self.port}"

    def header(self, scheduler: str) -> str:
        """The virtual server's line of ``ipvsadm -Ln``."""
        flags = f" persistent {self.svc.affinity_timeout}" if self.svc.session_affinity == "ClientIP" else ""
        return f"{self.proto.upper():<4} {self.addr}:{self.port} {scheduler}{flags}"

    @property
    def only_local(self) -> bool:
        if self.kind == "cluster":
            return self.svc.internal_traffic_policy == "Local"
        return self.svc.external_traffic_policy == "Local"


def bound_addresses(scn: Scenario) -> set[str]:
    """The addresses on kube-ipvs0 (ipset KUBE-IPVS-IPS): Cluster IPs, and external and load-balancer IPs that are
    not a node's own address (cached on the scenario)."""
    cache = getattr(scn, "_ipvs_bound", None)
    if cache is None:
        cache = {k[0] for k in scn.vip_index}
        cache |= {k[0] for k in scn.ext_index if k[0] not in scn.node_by_ip}
        scn._ipvs_bound = cache
    return cache


def nodeport_addresses(scn: Scenario, node: Node) -> list[str]:
    """The node addresses that get a NodePort virtual server: every local address but kube-ipvs0's and loopback
    (cni0's and flannel.1's included), or those ``nodePortAddresses`` covers."""
    addrs = [node.ip, *node.extra_ips, node.bridge_ip]
    if scn.cluster.backend == "vxlan":
        addrs.append(node.vtep_ip)
    return [a for a in addrs if a and scn.proxy.nodeport_on(a, node.ip)]


def virtual_server(scn: Scenario, node: Node, addr: str, port: int, proto: str) -> VirtualServer | None:
    hit = scn.vip_index.get((addr, port, proto))
    if hit is not None:
        return VirtualServer(addr, port, proto, hit[0], hit[1], "cluster")
    hit = scn.ext_index.get((addr, port, proto))
    if hit is not None:
        return VirtualServer(addr, port, proto, hit[0], hit[1], "external" if addr in hit[0].external_ips else "lb")
    hit = scn.nodeport_index.get((port, proto))
    if hit is not None and addr in nodeport_addresses(scn, node):
        return VirtualServer(addr, port, proto, hit[0], hit[1], "nodeport")
    return None


def uses_cluster_endpoints(svc: Service) -> bool:
    """pkg/proxy BaseServicePortInfo.UsesClusterEndpoints: internal policy Cluster, or reachable from outside."""
    externally = svc.type in ("NodePort", "LoadBalancer") or bool(svc.external_ips)
    return svc.internal_traffic_policy != "Local" or externally


def real_servers(node: Node, vs: VirtualServer) -> tuple[list[Endpoint], Said]:
    """The real servers of ``vs`` on ``node`` in ipvsadm's order (kube-proxy's ip:port order), and why."""
    eps = vs.sp.endpoints
    cluster = usable_endpoints(eps) if uses_cluster_endpoints(vs.svc) else []
    if not vs.only_local:
        return cluster, say("every endpoint")
    policy = "internalTrafficPolicy" if vs.kind == "cluster" else "externalTrafficPolicy"
    local = usable_endpoints([e for e in eps if e.node_name == node.name])
    if local:
        return local, say("{policy} Local: {node}'s endpoints only", policy=policy, node=node.ref)
    if cluster:
        return cluster, say("{policy} Local but {node} has no endpoint: kube-proxy keeps every endpoint as real server "
                            "(PR 97081, so local Pods still reach the Service)", policy=policy, node=node.ref)
    return [], say("{policy} Local and {node} has no endpoint", policy=policy, node=node.ref)


def virtual_servers(scn: Scenario, node: Node) -> list[VirtualServer]:
    """Every virtual server kube-proxy programs on ``node``."""
    out: list[VirtualServer] = []
    for (addr, port, proto), (svc, sp) in scn.vip_index.items():
        out.append(VirtualServer(addr, port, proto, svc, sp, "cluster"))
    for (addr, port, proto), (svc, sp) in scn.ext_index.items():
        out.append(VirtualServer(addr, port, proto, svc, sp, "external" if addr in svc.external_ips else "lb"))
    for (port, proto), (svc, sp) in scn.nodeport_index.items():
        for addr in nodeport_addresses(scn, node):
            out.append(VirtualServer(addr, port, proto, svc, sp, "nodeport"))
    return sorted(out, key=lambda v: (v.proto, tuple(int(x) for x in v.addr.split(".")), v.port))


def ipvsadm_list(scn: Scenario, node: Node) -> str:
    """``ipvsadm -Ln`` on ``node``: each virtual server and its real servers (Masq, weight 1, no connections)."""
    lines = ["IP Virtual Server version 1.2.1 (size=4096)", "Prot LocalAddress:Port Scheduler Flags",
             "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn"]
    for vs in virtual_servers(scn, node):
        lines.append(vs.header(scn.proxy.ipvs_scheduler))
        for ep in real_servers(node, vs)[0]:
            lines.append(f"  -> {ep.key:<28} Masq    1      0          0")
    return "\n".join(lines) + "\n"

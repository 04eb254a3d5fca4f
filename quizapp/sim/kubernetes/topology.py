"""The Kubernetes part of the kernel topology: a namespace per node (cni0, flannel.1 and its VXLAN peers or
host-gw routes, kube-proxy's rules) and per Pod (veth on cni0, its listeners)."""

from __future__ import annotations

import hashlib
import ipaddress

from ..core.model import Scenario
from ..core.topology import FdbEntry, Interface, Lan, Listener, Namespace, Neighbour, Route
from .model import Node
from .names import pod_name
from .nft_rules import nft_node_rules
from .rules import node_rules

VXLAN_PORT = 8472
VXLAN_ID = 1
VXLAN_MTU = 1450


def vtep_mac(node: Node) -> str:
    """A stable locally administered MAC for a node's flannel.1 (flannel stores it in a Node annotation)."""
    d = hashlib.sha256(f"flannel.1/{node.name}".encode()).digest()
    return "0a:" + ":".join(f"{b:02x}" for b in d[:5])


def load_balancer_routes(scn: Scenario) -> dict[str, Node]:
    """Load-balancer IPs the kernel tier can stand in for: those the simulator's load balancer can send to one node
    only (externalTrafficPolicy Local with ready endpoints on a single node); a static route to that node plays the
    load balancer. Other load-balancer IPs are left unrouted (the choice between nodes is the simulator's seed)."""
    routes: dict[str, Node] = {}
    for (ip, _port, _proto), (svc, sp) in scn.ext_index.items():
        if ip not in svc.lb_ips or svc.external_traffic_policy != "Local":
            continue
        names = {e.node_name for e in sp.endpoints if e.ready and e.node_name in scn.nodes}
        if len(names) == 1:
            routes[ip] = scn.nodes[names.pop()]
    return routes


def add_kubernetes(scn: Scenario, lan: Lan, spaces: list[Namespace], aliases: dict[str, str]) -> None:
    """Append the namespaces of every node and Pod to ``spaces``; ``aliases`` maps trace sources to them."""
    if scn.proxy.mode == "ipvs":
        raise ValueError("kube-proxy's IPVS mode cannot be built for real here: its virtual servers need the kernel's "
                         "ip_vs module, which the kernel tier does not have (IPVS mode is unit-tested against the "
                         "documented behaviour only)")
    router = lan.router
    cl = scn.cluster
    if cl.service_route_via is not None:  # the service CIDR routed to one node: the router and outside clients
        lan.ns.routes.append(Route(str(cl.service_cidr), via=scn.nodes[cl.service_route_via].ip))
        for ext in spaces:
            if ext.role == "external":
                gw = next(r.via for r in ext.routes if r.dst == str(lan.net))
                ext.routes.append(Route(str(cl.service_cidr), via=gw))
    for ip, node in sorted(load_balancer_routes(scn).items()):  # the load balancer: a route to the node it sends to
        lan.ns.routes.append(Route(f"{ip}/32", via=node.ip))
        for ext in spaces:
            if ext.role == "external":
                gw = next(r.via for r in ext.routes if r.dst == str(lan.net))
                ext.routes.append(Route(f"{ip}/32", via=gw))
    for node in scn.nodes.values():
        # route_localnet: kube-proxy (NodePorts on localhost) and portmap (hostPorts on localhost) set it
        ns = Namespace(node.ref, "node", sysctls={"net.ipv4.ip_forward": "1", "net.bridge.bridge-nf-call-iptables": "1",
                                                  "net.ipv4.conf.all.route_localnet": "1"})
        lan.plug(ns, node.ip)
        eth0 = next(i for i in ns.interfaces if i.name == "eth0")
        for x in node.extra_ips:  # further addresses on eth0; the LAN and the outside clients route them to the node
            in_lan = ipaddress.IPv4Address(x) in lan.net
            eth0.addresses.append(f"{x}/{lan.prefixlen}" if in_lan else f"{x}/32")
            if not in_lan:
                lan.ns.routes.append(Route(f"{x}/32", via=node.ip))
                for ext in spaces:
                    if ext.role == "external":
                        gw = next(r.via for r in ext.routes if r.dst == str(lan.net))
                        ext.routes.append(Route(f"{x}/32", via=gw))
        ns.routes.append(Route("default", via=router))
        ns.interfaces.append(Interface("cni0", "bridge", [f"{node.bridge_ip}/{node.pod_cidr.prefixlen}"]))
        if cl.backend == "vxlan":
            ns.interfaces.append(Interface("flannel.1", "vxlan", [f"{node.vtep_ip}/32"], mac=vtep_mac(node), mtu=VXLAN_MTU,
                                           vxlan={"id": VXLAN_ID, "dstport": VXLAN_PORT, "local": node.ip, "dev": "eth0", "learning": False}))
        for other in scn.nodes.values():
            if other is node:
                continue
            if cl.backend == "vxlan":
                ns.routes.append(Route(str(other.pod_cidr), via=other.vtep_ip, dev="flannel.1", onlink=True))
                ns.neighbours.append(Neighbour(other.vtep_ip, vtep_mac(other), "flannel.1"))
                ns.fdb.append(FdbEntry(vtep_mac(other), "flannel.1", other.ip))
            else:
                ns.routes.append(Route(str(other.pod_cidr), via=other.ip, dev="eth0"))
        ns.iptables = node_rules(scn, node)
        if scn.proxy.mode == "nftables":
            ns.nftables = nft_node_rules(scn, node)
        for port in sorted(scn.health_ports):  # kube-proxy's health check servers listen on every node
            ns.listeners.append(Listener(port, "tcp", "node", node.name))
        for (port, proto), pod in sorted(node.host_listeners.items()):
            if proto in ("tcp", "udp"):
                ns.listeners.append(Listener(port, proto, "pod", pod_name(pod)))
        spaces.append(ns)
        aliases[node.ref] = ns.name
        for i, pod in enumerate(node.pods):
            key = f"pod/{pod.namespace}/{pod.name}"
            if pod.host_network:
                aliases[key] = ns.name
                continue
            if not pod.ip:
                continue
            pns = Namespace(key, "pod")
            veth = f"vp{i}"
            pns.interfaces.append(Interface("eth0", "veth", [f"{pod.ip}/{node.pod_cidr.prefixlen}"], peer=(ns.name, veth)))
            ns.interfaces.append(Interface(veth, "veth", peer=(pns.name, "eth0"), master="cni0", hairpin=cl.hairpin_mode))
            pns.routes.append(Route("default", via=node.bridge_ip))
            for port, proto in sorted(pod.listens):
                if proto in ("tcp", "udp"):
                    pns.listeners.append(Listener(port, proto, "pod", pod_name(pod)))
            spaces.append(pns)
            aliases[key] = pns.name

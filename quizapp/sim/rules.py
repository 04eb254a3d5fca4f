"""What the Linux kernel needs to run a loaded :class:`~quizapp.sim.model.Scenario` for real.

Pure (standard library only): from the simulator's own model objects this module produces

* per Kubernetes node, an ``iptables-restore`` text in the shape kube-proxy (iptables mode), the CNI
  ``portmap`` plugin and flannel (``--ip-masq``) write it: :func:`node_rules`;
* per Docker host, the nat and filter rules dockerd writes (Docker 27 layout without the ipset:
  ``DOCKER``, ``DOCKER-ISOLATION-STAGE-1/2``, ``DOCKER-USER``): :func:`docker_rules`;
* a neutral description of the topology (:func:`topology`): one namespace per node, Docker host, Pod,
  container namespace and external client, plus a ``lan`` namespace acting as the LAN switch and the
  router towards the outside world (its default route is a blackhole: "nothing answers"); the bridges
  with their addresses, veth pairs, routes, flannel VXLAN peers (onlink routes, permanent neighbours,
  forwarding database entries), sysctls, and who listens where (TCP/UDP ports per namespace, with the
  identity the simulator would report), and the docker-proxy listeners of every published port.

Chain names are the simulator's (:func:`~quizapp.sim.trace.svc_chain`, :func:`~quizapp.sim.trace.sep_chain`),
endpoints are the Service ports' endpoint lists in kube-proxy's order, addresses are the model's: the rules and
the simulator cannot drift apart. ``tests/kernel`` builds the topology in network namespaces, loads the rules with
``iptables-restore --noflush`` and compares real connections with :func:`quizapp.sim.trace`.

Choices where the tools differ between versions: kube-proxy as of v1.28+ (KUBE-EXT / KUBE-SVL chains, filter
``KUBE-EXTERNAL-SERVICES`` DROP for ``externalTrafficPolicy: Local`` without local endpoints, REJECT for
Services without endpoints), portmap with ``snat: true`` (mark 0x2000, ``-s <podIP>/32`` and ``-s 127.0.0.1``
marked), flannel's ``FLANNEL-POSTRTG`` chain. SCTP ports are left out (no SCTP in the harness).
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass, field

from .model import DockerHost, DockerNetwork, Node, Pod, Scenario
from .netutil import int_ip
from .trace import DEFAULT_EXTERNAL_IP, sep_chain, svc_chain

KUBE_MARK = "0x4000"
PORTMAP_MARK = "0x2000"
VXLAN_PORT = 8472
VXLAN_ID = 1
VXLAN_MTU = 1450


# ------------------------------------------------------------------------------------------ tables

class Tables:
    """An ``iptables-restore`` document built table by table (chains declared once, rules in order)."""

    def __init__(self) -> None:
        self._chains: dict[str, dict[str, str]] = {}  # table -> chain -> policy ("-" for user chains)
        self._rules: dict[str, list[str]] = {}

    def chain(self, table: str, name: str, policy: str = "-") -> None:
        chains = self._chains.setdefault(table, {})
        if name not in chains or policy != "-":
            chains[name] = policy
        self._rules.setdefault(table, [])

    def rule(self, table: str, chain: str, spec: str) -> None:
        builtin = chain in ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING")
        self.chain(table, chain, self._chains.get(table, {}).get(chain, "ACCEPT" if builtin else "-"))
        self._rules[table].append(f"-A {chain} {spec}")

    def rules(self, table: str) -> list[str]:
        return list(self._rules.get(table, []))

    def render(self) -> str:
        out: list[str] = []
        for table in ("raw", "mangle", "nat", "filter"):
            if table not in self._chains:
                continue
            out.append(f"*{table}")
            for name, policy in self._chains[table].items():
                out.append(f":{name} {policy} [0:0]")
            out.extend(self._rules[table])
            out.append("COMMIT")
        return "\n".join(out) + "\n"


def _q(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


# ------------------------------------------------------------------------------------------ kubernetes

def _kube_proxy(scn: Scenario, node: Node, t: Tables) -> None:
    cc = str(scn.cluster.cluster_cidr)
    nat, flt = "nat", "filter"
    for ch in ("KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"):
        t.chain(nat, ch)
    for ch in ("KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD"):
        t.chain(flt, ch)
    t.rule(nat, "PREROUTING", f"-m comment --comment {_q('kubernetes service portals')} -j KUBE-SERVICES")
    t.rule(nat, "OUTPUT", f"-m comment --comment {_q('kubernetes service portals')} -j KUBE-SERVICES")
    t.rule(nat, "POSTROUTING", f"-m comment --comment {_q('kubernetes postrouting rules')} -j KUBE-POSTROUTING")
    t.rule(nat, "KUBE-MARK-MASQ", f"-j MARK --or-mark {KUBE_MARK}")
    t.rule(nat, "KUBE-POSTROUTING", f"-m mark ! --mark {KUBE_MARK}/{KUBE_MARK} -j RETURN")
    t.rule(nat, "KUBE-POSTROUTING", f"-j MARK --xor-mark {KUBE_MARK}")
    t.rule(nat, "KUBE-POSTROUTING", f"-m comment --comment {_q('kubernetes service traffic requiring SNAT')} -j MASQUERADE --random-fully")
    t.rule(flt, "INPUT", f"-m conntrack --ctstate NEW -m comment --comment {_q('kubernetes externally-visible service portals')} -j KUBE-EXTERNAL-SERVICES")
    t.rule(flt, "FORWARD", f"-m comment --comment {_q('kubernetes forwarding rules')} -j KUBE-FORWARD")
    t.rule(flt, "FORWARD", f"-m conntrack --ctstate NEW -m comment --comment {_q('kubernetes service portals')} -j KUBE-SERVICES")
    t.rule(flt, "FORWARD", f"-m conntrack --ctstate NEW -m comment --comment {_q('kubernetes externally-visible service portals')} -j KUBE-EXTERNAL-SERVICES")
    t.rule(flt, "OUTPUT", f"-m conntrack --ctstate NEW -m comment --comment {_q('kubernetes service portals')} -j KUBE-SERVICES")
    # --iptables-localhost-nodeports (default true): route_localnet=1 (see topology) and this mitigation
    t.chain(flt, "KUBE-FIREWALL")
    t.rule(flt, "INPUT", "-j KUBE-FIREWALL")
    t.rule(flt, "OUTPUT", "-j KUBE-FIREWALL")
    t.rule(flt, "KUBE-FIREWALL", f"! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment {_q('block incoming localnet connections')} -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP")
    t.rule(flt, "KUBE-FORWARD", f"-m comment --comment {_q('kubernetes forwarding rules')} -m mark --mark {KUBE_MARK}/{KUBE_MARK} -j ACCEPT")
    t.rule(flt, "KUBE-FORWARD", f"-m comment --comment {_q('kubernetes forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")

    nodeport_rules: list[str] = []
    for svc in scn.services.values():
        if svc.type == "ExternalName" or svc.headless or not svc.cluster_ip:
            continue
        for sp in svc.ports:
            proto = sp.protocol.lower()
            if proto not in ("tcp", "udp"):
                continue
            label = svc.port_label(sp)
            cip = svc.cluster_ip
            eps = list(sp.endpoints)
            local_eps = [e for e in eps if e.node_name == node.name]
            svc_ch = svc_chain(svc, sp)
            svl_ch = svc_chain(svc, sp, "KUBE-SVL-")
            ext_ch = svc_chain(svc, sp, "KUBE-EXT-")
            match = f"-p {proto} -m {proto}"
            if not eps:
                t.rule(flt, "KUBE-SERVICES", f"-d {cip}/32 {match} --dport {sp.port} -m comment --comment {_q(label + ' has no endpoints')} -j REJECT")
                if sp.node_port:
                    t.rule(flt, "KUBE-EXTERNAL-SERVICES", f"-m addrtype --dst-type LOCAL {match} --dport {sp.node_port} -m comment --comment {_q(label + ' has no endpoints')} -j REJECT")
                for lb in svc.lb_ips:
                    t.rule(flt, "KUBE-EXTERNAL-SERVICES", f"-d {lb}/32 {match} --dport {sp.port} -m comment --comment {_q(label + ' has no endpoints')} -j REJECT")
                continue
            internal_local = svc.internal_traffic_policy == "Local"
            external_local = svc.external_traffic_policy == "Local"
            has_external = bool(sp.node_port or svc.lb_ips)
            # the cluster policy chain: every endpoint
            # off-cluster traffic to the cluster IP is masqueraded, in the internal traffic policy's chain
            masq = f"! -s {cc} -d {cip}/32 {match} --dport {sp.port} -m comment --comment {_q(label + ' cluster IP')} -j KUBE-MARK-MASQ"
            t.chain(nat, svc_ch)
            if not internal_local:
                t.rule(nat, svc_ch, masq)
            _balance(t, svc, sp, eps, svc_ch, label)
            if (internal_local or (external_local and has_external)) and local_eps:
                t.chain(nat, svl_ch)
                if internal_local:
                    t.rule(nat, svl_ch, masq)
                _balance(t, svc, sp, local_eps, svl_ch, label)
            for ep in eps:
                sep = sep_chain(svc, sp, ep)
                t.chain(nat, sep)
                t.rule(nat, sep, f"-s {ep.ip}/32 -m comment --comment {_q(label)} -j KUBE-MARK-MASQ")
                recent = f" -m recent --set --name {sep} --mask 255.255.255.255 --rsource" if svc.session_affinity == "ClientIP" else ""
                t.rule(nat, sep, f"{match} -m comment --comment {_q(label)}{recent} -j DNAT --to-destination {ep.ip}:{ep.port}")
            # cluster IP
            if internal_local and not local_eps:
                t.rule(flt, "KUBE-SERVICES", f"-d {cip}/32 {match} --dport {sp.port} -m comment --comment {_q(label + ' has no local endpoints')} -j DROP")
            else:
                t.rule(nat, "KUBE-SERVICES", f"-d {cip}/32 {match} --dport {sp.port} -m comment --comment {_q(label + ' cluster IP')} -j {svl_ch if internal_local else svc_ch}")
            if not has_external:
                continue
            # external destinations: nodePort and load-balancer IPs
            t.chain(nat, ext_ch)
            if external_local:
                t.rule(nat, ext_ch, f"-s {cc} -m comment --comment {_q('pod traffic for ' + label + ' external destinations')} -j {svc_ch}")
                t.rule(nat, ext_ch, f"-m comment --comment {_q('masquerade LOCAL traffic for ' + label + ' external destinations')} -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ")
                t.rule(nat, ext_ch, f"-m comment --comment {_q('route LOCAL traffic for ' + label + ' external destinations')} -m addrtype --src-type LOCAL -j {svc_ch}")
                if local_eps:
                    t.rule(nat, ext_ch, f"-j {svl_ch}")
                else:
                    if sp.node_port:
                        t.rule(flt, "KUBE-EXTERNAL-SERVICES", f"-m addrtype --dst-type LOCAL {match} --dport {sp.node_port} -m comment --comment {_q(label + ' has no local endpoints')} -j DROP")
                    for lb in svc.lb_ips:
                        t.rule(flt, "KUBE-EXTERNAL-SERVICES", f"-d {lb}/32 {match} --dport {sp.port} -m comment --comment {_q(label + ' has no local endpoints')} -j DROP")
            else:
                t.rule(nat, ext_ch, f"-m comment --comment {_q('masquerade traffic for ' + label + ' external destinations')} -j KUBE-MARK-MASQ")
                t.rule(nat, ext_ch, f"-j {svc_ch}")
            for lb in svc.lb_ips:
                t.rule(nat, "KUBE-SERVICES", f"-d {lb}/32 {match} --dport {sp.port} -m comment --comment {_q(label + ' loadbalancer IP')} -j {ext_ch}")
            if sp.node_port:
                nodeport_rules.append(f"{match} --dport {sp.node_port} -m comment --comment {_q(label)} -j {ext_ch}")
    for spec in nodeport_rules:
        t.rule(nat, "KUBE-NODEPORTS", spec)
    t.rule(nat, "KUBE-SERVICES", f"-m comment --comment {_q('kubernetes service nodeports; NOTE: this must be the last rule in this chain')} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS")


def _balance(t: Tables, svc, sp, eps, chain: str, label: str) -> None:
    """kube-proxy's load balancing: recent-match rules for ClientIP affinity, then endpoint i of n with
    probability 1/(n-i), the last one unconditional."""
    if svc.session_affinity == "ClientIP":
        for ep in eps:
            sep = sep_chain(svc, sp, ep)
            t.rule("nat", chain, f"-m comment --comment {_q(label + ' -> ' + ep.key)} -m recent --name {sep} --mask 255.255.255.255 --rsource --rcheck --seconds {svc.affinity_timeout} --reap -j {sep}")
    n = len(eps)
    for i, ep in enumerate(eps):
        prob = f" -m statistic --mode random --probability {1.0 / (n - i):.10f}" if i < n - 1 else ""
        t.rule("nat", chain, f"-m comment --comment {_q(label + ' -> ' + ep.key)}{prob} -j {sep_chain(svc, sp, ep)}")


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
    t.rule(nat, "POSTROUTING", f"-m comment --comment {_q('CNI portfwd requiring masquerade')} -j CNI-HOSTPORT-MASQ")
    t.rule(nat, "CNI-HOSTPORT-MASQ", f"-m mark --mark {PORTMAP_MARK}/{PORTMAP_MARK} -j MASQUERADE")
    t.rule(nat, "CNI-HOSTPORT-SETMARK", f"-m comment --comment {_q('CNI portfwd masquerade mark')} -j MARK --set-xmark {PORTMAP_MARK}/{PORTMAP_MARK}")
    for (hport, proto), pod, cport, hip in entries:
        ch = portmap_chain(pod)
        t.chain(nat, ch)
        comment = _q(f'dnat name: "cbr0" id: "{pod.namespace}/{pod.name}"')
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
    c = f"-m comment --comment {_q('flanneld masq')}"
    t.chain(nat, "FLANNEL-POSTRTG")
    t.rule(nat, "POSTROUTING", f"{c} -j FLANNEL-POSTRTG")
    t.rule(nat, "FLANNEL-POSTRTG", f"-m mark --mark {KUBE_MARK}/{KUBE_MARK} {c} -j RETURN")
    t.rule(nat, "FLANNEL-POSTRTG", f"-s {pc} -d {cc} {c} -j RETURN")
    t.rule(nat, "FLANNEL-POSTRTG", f"-s {cc} -d {pc} {c} -j RETURN")
    t.rule(nat, "FLANNEL-POSTRTG", f"! -s {cc} -d {pc} {c} -j RETURN")
    t.rule(nat, "FLANNEL-POSTRTG", f"-s {cc} ! -d 224.0.0.0/4 {c} -j MASQUERADE --random-fully")
    t.rule(nat, "FLANNEL-POSTRTG", f"! -s {cc} -d {cc} {c} -j MASQUERADE --random-fully")


def node_rules(scn: Scenario, node: Node) -> str:
    """The iptables-restore text for one Kubernetes node: kube-proxy, CNI portmap, flannel."""
    t = Tables()
    _kube_proxy(scn, node, t)
    _portmap(node, t)
    _flannel(scn, node, t)
    return t.render()


# ------------------------------------------------------------------------------------------ docker

def bridge_networks(host: DockerHost) -> list[DockerNetwork]:
    """The host's bridge networks, in creation order (docker0 first)."""
    return [n for n in host.networks.values() if n.driver == "bridge" and n.subnet is not None]


def _mappings(host: DockerHost) -> list[tuple]:
    out = []
    for (proto, _hport), lst in sorted(host.mappings.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        for m, c in lst:
            if proto in ("tcp", "udp") and c.attachments:
                out.append((m, c, c.attachments[0]))
    return out


def docker_rules(host: DockerHost) -> str:
    """The nat and filter rules dockerd writes for ``host`` (userland proxy on, the default)."""
    t = Tables()
    nets = bridge_networks(host)
    newest_first = list(reversed(nets))  # dockerd inserts each new network's rules at the top
    nat, flt = "nat", "filter"
    t.chain(nat, "DOCKER")
    t.rule(nat, "PREROUTING", "-m addrtype --dst-type LOCAL -j DOCKER")
    t.rule(nat, "OUTPUT", "! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER")
    for net in newest_first:
        if not net.internal:
            t.rule(nat, "POSTROUTING", f"-s {net.subnet} ! -o {net.bridge} -j MASQUERADE")
    for net in newest_first:
        t.rule(nat, "DOCKER", f"-i {net.bridge} -j RETURN")
    maps = _mappings(host)
    for m, c, att in maps:
        dst = f"-d {m.host_ip}/32 " if m.host_ip != "0.0.0.0" else ""
        t.rule(nat, "DOCKER", f"{dst}! -i {att.network.bridge} -p {m.proto} -m {m.proto} --dport {m.host_port} -j DNAT --to-destination {att.ip}:{m.container_port}")

    t.chain(flt, "FORWARD", "DROP")  # dockerd sets the policy when it enables ip_forward itself
    for ch in ("DOCKER", "DOCKER-ISOLATION-STAGE-1", "DOCKER-ISOLATION-STAGE-2", "DOCKER-USER"):
        t.chain(flt, ch)
    t.rule(flt, "FORWARD", "-j DOCKER-USER")
    t.rule(flt, "FORWARD", "-j DOCKER-ISOLATION-STAGE-1")
    for net in newest_first:
        b = net.bridge
        t.rule(flt, "FORWARD", f"-o {b} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
        t.rule(flt, "FORWARD", f"-o {b} -j DOCKER")
        t.rule(flt, "FORWARD", f"-i {b} ! -o {b} -j ACCEPT")
        t.rule(flt, "FORWARD", f"-i {b} -o {b} -j ACCEPT")
    for m, c, att in maps:
        b = att.network.bridge
        t.rule(flt, "DOCKER", f"-d {att.ip}/32 ! -i {b} -o {b} -p {m.proto} -m {m.proto} --dport {m.container_port} -j ACCEPT")
    for net in nets:
        t.rule(flt, "DOCKER", f"! -i {net.bridge} -o {net.bridge} -j DROP")
    for net in newest_first:
        b = net.bridge
        if net.internal:
            t.rule(flt, "DOCKER-ISOLATION-STAGE-1", f"! -s {net.subnet} -o {b} -j DROP")
            t.rule(flt, "DOCKER-ISOLATION-STAGE-1", f"! -d {net.subnet} -i {b} -j DROP")
        else:
            t.rule(flt, "DOCKER-ISOLATION-STAGE-1", f"-i {b} ! -o {b} -j DOCKER-ISOLATION-STAGE-2")
    for net in newest_first:
        if not net.internal:
            t.rule(flt, "DOCKER-ISOLATION-STAGE-2", f"-o {net.bridge} -j DROP")
    t.rule(flt, "DOCKER-USER", "-j RETURN")
    return t.render()


# ------------------------------------------------------------------------------------------ topology

@dataclass
class Interface:
    """A network interface inside one namespace. ``kind``: veth, bridge or vxlan (``lo`` is implied)."""

    name: str
    kind: str
    addresses: list[str] = field(default_factory=list)  # CIDR notation, e.g. 10.244.1.1/24
    peer: tuple[str, str] | None = None  # veth: (namespace, interface) of the other end
    master: str | None = None  # the bridge this interface is a port of
    hairpin: bool = False  # bridge port hairpin mode
    mac: str | None = None
    mtu: int | None = None
    vxlan: dict | None = None  # {"id", "dstport", "local", "dev", "learning"}


@dataclass
class Route:
    dst: str  # "default" or a CIDR
    via: str | None = None
    dev: str | None = None
    onlink: bool = False
    type: str = "unicast"  # or "blackhole"


@dataclass
class Neighbour:
    ip: str
    mac: str
    dev: str


@dataclass
class FdbEntry:
    mac: str
    dev: str
    dst: str


@dataclass
class Listener:
    """A process listening on every address of its namespace; ``kind``/``name`` as the simulator names the
    endpoint (``pod`` ``shop/api-a``, ``container`` ``web``)."""

    port: int
    proto: str  # tcp | udp
    kind: str
    name: str


@dataclass
class Proxy:
    """docker-proxy: listens on ``host_ip:host_port`` in the host namespace, connects to the container."""

    host_ip: str
    host_port: int
    proto: str
    target_ip: str
    target_port: int


@dataclass
class Namespace:
    name: str  # logical: lan, external/203.0.113.10, node/n1, pod/default/web-1, host/h1, container/web
    role: str  # lan | external | node | pod | host | container
    # in creation order, as on a real machine (eth0 first): the order is visible to the kernel, e.g.
    # MASQUERADE of a packet leaving through lo takes the address of the first device that has one
    interfaces: list[Interface] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    neighbours: list[Neighbour] = field(default_factory=list)
    fdb: list[FdbEntry] = field(default_factory=list)
    sysctls: dict[str, str] = field(default_factory=dict)
    iptables: str | None = None  # iptables-restore text
    listeners: list[Listener] = field(default_factory=list)
    proxies: list[Proxy] = field(default_factory=list)

    def iface(self, name: str) -> Interface:
        return next(i for i in self.interfaces if i.name == name)


@dataclass
class Topology:
    namespaces: list[Namespace]
    aliases: dict[str, str]  # trace source (pod/ns/x, container/x, external:IP...) -> namespace name
    lan: str  # the LAN subnet
    router: str  # the router's LAN address

    def namespace(self, name: str) -> Namespace:
        return next(n for n in self.namespaces if n.name == name)

    def namespace_of(self, src: str) -> str:
        """The namespace a trace source (``--from``) runs in."""
        if src == "external":
            src = f"external:{DEFAULT_EXTERNAL_IP}"
        if src.startswith("pod/") and src.count("/") == 1:
            src = f"pod/default/{src[4:]}"
        return self.aliases[src]


def vtep_mac(node: Node) -> str:
    """A stable locally administered MAC for a node's flannel.1 (flannel stores it in a Node annotation)."""
    d = hashlib.sha256(f"flannel.1/{node.name}".encode()).digest()
    return "0a:" + ":".join(f"{b:02x}" for b in d[:5])


def _lan_subnet(ips: list[str]) -> ipaddress.IPv4Network:
    prefix = 24
    while prefix >= 8:
        net = ipaddress.IPv4Network(f"{ips[0]}/{prefix}", strict=False)
        if all(ipaddress.IPv4Address(ip) in net for ip in ips):
            return net
        prefix -= 1
    raise ValueError("the nodes and hosts of this scenario are not on one /8 LAN")


def _free_host(net: ipaddress.IPv4Network, used: set[str]) -> str:
    for cand in (1, net.num_addresses - 2, *range(2, net.num_addresses - 2)):
        ip = int_ip(int(net.network_address) + cand)
        if ip not in used:
            return ip
    raise ValueError(f"no free address left in {net} for the router")


def _pod_name(pod: Pod) -> str:
    return pod.name if pod.namespace == "default" else f"{pod.namespace}/{pod.name}"


def topology(scn: Scenario, external_ips: list[str] | tuple[str, ...] = (DEFAULT_EXTERNAL_IP,)) -> Topology:
    """The namespaces, links, routes, rules and listeners that run ``scn`` on a real kernel."""
    machines = [n.ip for n in scn.nodes.values()] + [h.ip for h in scn.hosts.values()]
    if not machines:
        raise ValueError("the scenario has neither nodes nor Docker hosts")
    lan = _lan_subnet(machines)
    router = _free_host(lan, set(machines))
    plen = lan.prefixlen
    spaces: list[Namespace] = []
    aliases: dict[str, str] = {}
    lan_ns = Namespace("lan", "lan", sysctls={"net.ipv4.ip_forward": "1"})
    lan_ns.interfaces.append(Interface("lan0", "bridge", [f"{router}/{plen}"]))
    lan_ns.routes.append(Route("default", type="blackhole"))  # the Internet: nothing answers
    spaces.append(lan_ns)
    port_no = 0

    def lan_port(ns: Namespace, ip: str) -> None:
        nonlocal port_no
        port = f"l{port_no}"
        port_no += 1
        ns.interfaces.append(Interface("eth0", "veth", [f"{ip}/{plen}"], peer=("lan", port)))
        lan_ns.interfaces.append(Interface(port, "veth", peer=(ns.name, "eth0"), master="lan0"))

    # external clients, each behind the router on its own /24
    ext_nets: dict[str, str] = {}
    for i, ip in enumerate(external_ips):
        net = ipaddress.IPv4Network(f"{ip}/24", strict=False)
        if ipaddress.IPv4Address(ip) in lan:
            raise ValueError(f"external client {ip} lies inside the LAN {lan}")
        gw = ext_nets.get(str(net))
        if gw is None:
            gw = _free_host(net, set(external_ips))
            ext_nets[str(net)] = gw
            lan_ns.interfaces.append(Interface(f"x{len(ext_nets) - 1}", "bridge", [f"{gw}/24"]))
        br = f"x{list(ext_nets).index(str(net))}"
        ns = Namespace(f"external/{ip}", "external")
        ns.interfaces.append(Interface("eth0", "veth", [f"{ip}/24"], peer=("lan", f"e{i}")))
        lan_ns.interfaces.append(Interface(f"e{i}", "veth", peer=(ns.name, "eth0"), master=br))
        ns.routes.append(Route(str(lan), via=gw))  # no default route: only the LAN is reachable
        spaces.append(ns)
        aliases[f"external:{ip}"] = ns.name

    # Kubernetes nodes and Pods
    cl = scn.cluster
    for node in scn.nodes.values():
        # route_localnet: kube-proxy (NodePorts on localhost) and portmap (hostPorts on localhost) set it
        ns = Namespace(node.ref, "node", sysctls={"net.ipv4.ip_forward": "1", "net.bridge.bridge-nf-call-iptables": "1",
                                                  "net.ipv4.conf.all.route_localnet": "1"})
        lan_port(ns, node.ip)
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
        for (port, proto), pod in sorted(node.host_listeners.items()):
            if proto in ("tcp", "udp"):
                ns.listeners.append(Listener(port, proto, "pod", _pod_name(pod)))
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
                    pns.listeners.append(Listener(port, proto, "pod", _pod_name(pod)))
            spaces.append(pns)
            aliases[key] = pns.name

    # Docker hosts and containers
    for host in scn.hosts.values():
        ns = Namespace(host.ref, "host", sysctls={"net.ipv4.ip_forward": "1", "net.bridge.bridge-nf-call-iptables": "1"})
        lan_port(ns, host.ip)
        ns.routes.append(Route("default", via=router))
        for net in bridge_networks(host):
            ns.interfaces.append(Interface(net.bridge, "bridge", [f"{net.gateway}/{net.subnet.prefixlen}"]))
        ns.iptables = docker_rules(host)
        for m, c, att in _mappings(host):
            ns.proxies.append(Proxy(m.host_ip, m.host_port, m.proto, att.ip, m.container_port))
        for (port, proto), c in sorted(host.host_listeners.items()):
            if proto in ("tcp", "udp"):
                ns.listeners.append(Listener(port, proto, "container", c.name))
        spaces.append(ns)
        aliases[host.ref] = ns.name
        vc = 0
        owners: dict[int, Namespace] = {}
        for c in host.containers.values():
            owner = c.ns_owner
            if owner.mode == "host":
                aliases[f"container/{c.name}"] = ns.name
                continue
            cns = owners.get(id(owner))
            if cns is None:
                cns = Namespace(f"container/{owner.name}", "container")
                owners[id(owner)] = cns
                spaces.append(cns)
                for k, att in enumerate(owner.attachments):
                    veth = f"vc{vc}"
                    vc += 1
                    cns.interfaces.append(Interface(f"eth{k}", "veth", [f"{att.ip}/{att.network.subnet.prefixlen}"], peer=(ns.name, veth)))
                    ns.interfaces.append(Interface(veth, "veth", peer=(cns.name, f"eth{k}"), master=att.network.bridge))
                if owner.attachments and not owner.attachments[0].network.internal:
                    cns.routes.append(Route("default", via=owner.attachments[0].network.gateway))
                seen: set[tuple[int, str]] = set()
                for member in host.ns_members.get(id(owner), [owner]):
                    for port, proto in sorted(member.listens):
                        if proto in ("tcp", "udp") and (port, proto) not in seen:
                            seen.add((port, proto))
                            cns.listeners.append(Listener(port, proto, "container", member.name))
            aliases[f"container/{c.name}"] = cns.name
            aliases[f"container/{host.name}/{c.name}"] = cns.name
    return Topology(spaces, aliases, str(lan), router)


__all__ = [
    "FdbEntry", "Interface", "Listener", "Namespace", "Neighbour", "Proxy", "Route", "Tables", "Topology",
    "bridge_networks", "docker_rules", "node_rules", "portmap_chain", "topology", "vtep_mac",
]

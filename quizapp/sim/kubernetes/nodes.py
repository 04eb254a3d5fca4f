"""``kind: Node``: a node's address and podCIDR (given, or the next free /24 as the node IPAM controller
hands them out)."""

from __future__ import annotations

from ..core.context import BuildState, Ctx
from ..core.errors import Problem
from ..core.netutil import is_ip, network, nth
from .model import Node
from .validation import DNS1123_SUBDOMAIN
from quizapp.words import say


class NodeBuilder:
    """Reads Node documents, then (:meth:`index`) gives podCIDRs to the nodes without one and indexes them."""

    def __init__(self, state: BuildState):
        self.scn = state.scn
        self.lan_ips = state.lan_ips
        self.problems = state.problems
        self._cidrs: dict[int, dict[int, Node]] = {}  # prefix length -> network number -> node

    def add(self, ctx: Ctx, obj: dict) -> None:
        meta = ctx.mapping(obj.get("metadata"), "metadata", required=True)
        name = ctx.string(meta, "name", "metadata", required=True)
        if name is None:
            return
        if not DNS1123_SUBDOMAIN.match(name):
            ctx.err("metadata.name", say("Invalid value: {name}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'", name=repr(name)))
            return
        if name in self.scn.nodes:
            ctx.err("metadata.name", say('nodes "{name}" already exists (document {doc}); give each Node its own name', name=name, doc=self.scn.nodes[name].doc))
            return
        spec = ctx.mapping(obj.get("spec"), "spec")
        status = ctx.mapping(obj.get("status"), "status")
        ip = None
        addrs = ctx.seq(status.get("addresses"), "status.addresses")
        for i, a in enumerate(addrs):
            a = ctx.mapping(a, f"status.addresses[{i}]")
            if a.get("type") == "InternalIP":
                ip = ctx.string(a, "address", f"status.addresses[{i}]", required=True)
                if ip is not None and not is_ip(ip):
                    ctx.err(f"status.addresses[{i}].address", say('Invalid value: {ip}: must be a valid IPv4 address', ip=repr(ip)))
                    return
                break
        if ip is None:
            ctx.err("status.addresses", say('the Node needs an address of type InternalIP (status.addresses: [{{type: InternalIP, address: 192.168.1.11}}])'))
            return
        if ip in self.lan_ips:
            ctx.err("status.addresses", say('address {ip} is already used by {owner}', ip=ip, owner=self.lan_ips[ip]))
            return
        if self.scn.in_cluster_cidr(ip) or self.scn.in_service_cidr(ip):
            ctx.err("status.addresses", say('node address {ip} lies inside the cluster CIDR or the service CIDR; pick an address on the node LAN', ip=ip))
            return
        cidr = ctx.string(spec, "podCIDR", "spec")
        pod_cidr = None
        if cidr is not None:
            try:
                pod_cidr = network(cidr)
            except ValueError as exc:
                ctx.err("spec.podCIDR", say('Invalid value: {cidr}: {exc}', cidr=repr(cidr), exc=exc))
                return
            if not pod_cidr.subnet_of(self.scn.cluster.cluster_cidr):
                ctx.err("spec.podCIDR", say('{pod_cidr} is not inside the cluster CIDR {cluster_cidr} (set it in a kind: Cluster document if yours differs)', pod_cidr=pod_cidr, cluster_cidr=self.scn.cluster.cluster_cidr))
                return
            if pod_cidr.prefixlen > 30:
                ctx.err("spec.podCIDR", say("{pod_cidr} is too small for a node's pods", pod_cidr=pod_cidr))
                return
            other = self._cidr_overlap(pod_cidr)
            if other is not None:
                ctx.err("spec.podCIDR", say("{pod_cidr} overlaps node {name}'s podCIDR {pod_cidr2}", pod_cidr=pod_cidr, name=other.name, pod_cidr2=other.pod_cidr))
                return
        taints = ctx.seq(spec.get("taints"), "spec.taints")
        schedulable = not spec.get("unschedulable") and not any(
            isinstance(t, dict) and t.get("effect") in ("NoSchedule", "NoExecute") for t in taints)
        extra = self._extra_addresses(ctx, addrs, ip)
        if extra is None:
            return
        node = Node(name, ip, pod_cidr, ctx.labels(meta.get("labels"), "metadata.labels"), schedulable, ctx.doc.index)  # type: ignore[arg-type]
        node.extra_ips = extra
        for x in extra:
            self.lan_ips[x] = node.ref
        self.scn.nodes[name] = node
        if pod_cidr is not None:
            self._cidrs.setdefault(pod_cidr.prefixlen, {})[int(pod_cidr.network_address) >> (32 - pod_cidr.prefixlen)] = node
        self.lan_ips[ip] = node.ref

    def _extra_addresses(self, ctx: Ctx, addrs: list, primary: str) -> list[str] | None:
        """The node's other addresses (further InternalIPs, ExternalIPs): local addresses of the node, on which
        NodePorts answer too unless kube-proxy's nodePortAddresses excludes them."""
        extra: list[str] = []
        first = next(i for i, a in enumerate(addrs) if isinstance(a, dict) and a.get("type") == "InternalIP")
        for i, a in enumerate(addrs):
            if i == first or not isinstance(a, dict) or a.get("type") not in ("InternalIP", "ExternalIP"):
                continue
            x = a.get("address")
            path = f"status.addresses[{i}].address"
            if not is_ip(x):
                ctx.err(path, say('Invalid value: {x}: must be a valid IPv4 address', x=repr(x)))
                return None
            if x == primary or x in extra or x in self.lan_ips:
                ctx.err(path, say('address {x} is already used by {owner}', x=x, owner=self.lan_ips.get(x, 'this node')))
                return None
            if self.scn.in_cluster_cidr(x) or self.scn.in_service_cidr(x):
                ctx.err(path, say('node address {x} lies inside the cluster CIDR or the service CIDR', x=x))
                return None
            extra.append(x)
        return extra

    def _cidr_overlap(self, net) -> Node | None:
        """The node whose podCIDR overlaps ``net`` (indexed by prefix length: no scan over all nodes)."""
        start = int(net.network_address)
        end = int(net.broadcast_address)
        for q, table in self._cidrs.items():
            if q <= net.prefixlen:
                hit = table.get(start >> (32 - q))
                if hit is not None:
                    return hit
            else:
                lo, hi = start >> (32 - q), end >> (32 - q)
                if hi - lo < len(table):
                    for k in range(lo, hi + 1):
                        if k in table:
                            return table[k]
                else:
                    for k, node in table.items():
                        if lo <= k <= hi:
                            return node
        return None

    def index(self) -> None:
        # podCIDRs not given: the node IPAM controller hands out /24s in order (skipping given ones)
        cc = self.scn.cluster.cluster_cidr
        candidates = cc.subnets(new_prefix=24) if cc.prefixlen <= 24 else iter([cc])
        for node in self.scn.nodes.values():
            if node.pod_cidr is None:
                for cand in candidates:
                    if self._cidr_overlap(cand) is None:
                        node.pod_cidr = cand
                        self._cidrs.setdefault(cand.prefixlen, {})[int(cand.network_address) >> (32 - cand.prefixlen)] = node
                        break
                else:
                    self.problems.append(Problem(node.doc, None, "spec.podCIDR", say('the cluster CIDR has no /24 left for this node')))
                    continue
            node.bridge_ip = nth(node.pod_cidr, 1)
            node.vtep_ip = nth(node.pod_cidr, 0)
            self.scn.node_by_ip[node.ip] = node
            for x in node.extra_ips:
                self.scn.node_by_ip[x] = node
            p = node.pod_cidr.prefixlen
            self.scn.subnet_prefixes.add(p)
            self.scn.node_by_subnet[(p, int(node.pod_cidr.network_address) >> (32 - p))] = node
        self.scn.sorted_nodes = sorted(self.scn.nodes.values(), key=lambda n: n.name)

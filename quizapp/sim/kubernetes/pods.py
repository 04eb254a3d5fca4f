"""``kind: Pod`` and ``kind: Deployment``: Pods with their containers and ports, placed on nodes (given, or
round-robin like a simple scheduler), with IPs from their node's podCIDR (given, or host-local IPAM order)."""

from __future__ import annotations

import hashlib
import json

from ..core.context import BuildState, Ctx
from ..core.errors import said_of
from ..core.netutil import int_ip, ip_int, is_ip
from ..core.ports import LISTEN_KEY, PortSpecError, parse_port_list
from ..core.source import join
from .model import Container, ContainerPort, Node, Pod
from .resolver import parse_dns_config
from .validation import DNS1123_LABEL, DNS1123_SUBDOMAIN, PROTOCOLS, iana_ok, safe_encode
from quizapp.words import say


class PodBuilder:
    """Collects Pod documents and Deployment replicas (:meth:`add_pod`, :meth:`add_deployment`), then places
    them all in document order (:meth:`place`). Needs the nodes indexed first."""

    def __init__(self, state: BuildState):
        self.scn = state.scn
        self.pod_specs: list[tuple[Ctx, str, dict, dict, str | None, dict]] = []  # ctx, path, meta, spec, owner, status
        self._seen_names: set = set()
        self.label_index: dict[tuple[str, str, str], list[Pod]] = {}  # (namespace, key, value) -> Pods
        self._sched_nodes = [n for n in self.scn.sorted_nodes if n.schedulable]
        self._sched_next = 0

    def add_pod(self, ctx: Ctx, obj: dict) -> None:
        meta = ctx.mapping(obj.get("metadata"), "metadata", required=True)
        spec = ctx.mapping(obj.get("spec"), "spec", required=True)
        status = ctx.mapping(obj.get("status"), "status")
        self.pod_specs.append((ctx, "", meta, spec, None, status))  # type: ignore[arg-type]

    def add_deployment(self, ctx: Ctx, obj: dict) -> None:
        meta = ctx.mapping(obj.get("metadata"), "metadata", required=True)
        name = ctx.string(meta, "name", "metadata", required=True)
        ns = ctx.string(meta, "namespace", "metadata", default="default") or "default"
        spec = ctx.mapping(obj.get("spec"), "spec", required=True)
        if name is None:
            return
        if not DNS1123_SUBDOMAIN.match(name):
            ctx.err("metadata.name", say('Invalid value: {name}: must be a lowercase RFC 1123 subdomain', name=repr(name)))
            return
        key = ("Deployment", ns, name)
        if key in self._seen_names:
            ctx.err("metadata.name", say('deployments.apps "{name}" already exists in namespace {ns}', name=name, ns=ns))
            return
        self._seen_names.add(key)
        replicas = 1 if spec.get("replicas") is None else ctx.integer(spec, "replicas", "spec", 0, 100000)
        if replicas is None:
            return
        template = ctx.mapping(spec.get("template"), "spec.template", required=True)
        tmeta = ctx.mapping(template.get("metadata"), "spec.template.metadata")
        tlabels = ctx.labels(tmeta.get("labels"), "spec.template.metadata.labels")
        sel = ctx.mapping(spec.get("selector"), "spec.selector", required=True)
        match = ctx.labels(sel.get("matchLabels"), "spec.selector.matchLabels")
        if not match and not sel.get("matchExpressions"):
            ctx.err("spec.selector", say('Invalid value: empty selector is invalid for deployment'))
            return
        if sel.get("matchExpressions"):
            ctx.err("spec.selector.matchExpressions", say('matchExpressions are not modelled; use matchLabels'))
            return
        if any(tlabels.get(k) != v for k, v in match.items()):
            ctx.err("spec.template.metadata.labels", say('Invalid value: `selector` does not match template `labels`'))
            return
        tspec = ctx.mapping(template.get("spec"), "spec.template.spec", required=True)
        digest = hashlib.sha256(json.dumps(template, sort_keys=True, default=str).encode()).digest()
        pth = safe_encode(digest, 10)
        for i in range(replicas):
            suffix = safe_encode(hashlib.sha256(f"{ns}/{name}/{pth}/{i}".encode()).digest(), 5)
            pmeta = {"name": f"{name}-{pth}-{suffix}", "namespace": ns,
                     "labels": {**tlabels, "pod-template-hash": pth},
                     "annotations": dict(tmeta.get("annotations") or {})}
            self.pod_specs.append((ctx, "spec.template", pmeta, tspec, name, {}))  # type: ignore[arg-type]

    def place(self) -> None:
        scn = self.scn
        pending_ip: list[Pod] = []
        used_ips: dict[str, Pod] = {}
        for ctx, base, meta, spec, owner, status in self.pod_specs:  # type: ignore[misc]
            mp = join(base, "metadata") if base else "metadata"
            sp = join(base, "spec") if base else "spec"
            name = meta.get("name") if owner else ctx.string(meta, "name", mp, required=True)
            if name is None:
                continue
            if not DNS1123_SUBDOMAIN.match(name) or len(name) > 253:
                ctx.err(join(mp, "name"), say("Invalid value: {name}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'", name=repr(name)))
                continue
            ns = (meta.get("namespace") if owner else ctx.string(meta, "namespace", mp, default="default")) or "default"
            if not DNS1123_LABEL.match(ns):
                ctx.err(join(mp, "namespace"), say('Invalid value: {ns}: a namespace must be a lowercase RFC 1123 label', ns=repr(ns)))
                continue
            if (ns, name) in scn.pods:
                ctx.err(join(mp, "name"), say('pods "{name}" already exists in namespace {ns} (document {doc})', name=name, ns=ns, doc=scn.pods[ns, name].doc))
                continue
            labels = ctx.labels(meta.get("labels"), join(mp, "labels"))
            annotations = ctx.labels(meta.get("annotations"), join(mp, "annotations"))
            host_network = ctx.boolean(spec, "hostNetwork", sp)
            dns_policy = ctx.string(spec, "dnsPolicy", sp, default="ClusterFirst")
            if dns_policy not in ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"):
                ctx.err(join(sp, "dnsPolicy"), say('Unsupported value: {dns_policy}: supported values: "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"', dns_policy=repr(dns_policy)))
                dns_policy = "ClusterFirst"
            dns_config = parse_dns_config(spec.get("dnsConfig"), join(sp, "dnsConfig"), ctx.err)
            if dns_policy == "None" and (dns_config is None or not dns_config.nameservers):
                ctx.err(join(sp, "dnsConfig"), say('Required value: must provide at least one DNS nameserver when `dnsPolicy` is None'))
            hostname = ctx.string(spec, "hostname", sp)
            subdomain = ctx.string(spec, "subdomain", sp)
            for key, value in (("hostname", hostname), ("subdomain", subdomain)):
                if value is not None and (not DNS1123_LABEL.match(value) or len(value) > 63):
                    ctx.err(join(sp, key), say('Invalid value: {value}: must be a lowercase RFC 1123 label', value=repr(value)))
            containers, ok = self._containers(ctx, spec, sp, host_network)
            if not ok:
                continue
            # node
            node = None
            node_name = ctx.string(spec, "nodeName", sp)
            if node_name is not None:
                node = scn.nodes.get(node_name)
                if node is None:
                    ctx.err(join(sp, "nodeName"), say('no Node named {node_name} in the scenario (add a kind: Node document, or leave nodeName out to let the scheduler place the Pod)', node_name=repr(node_name)))
                    continue
            # readiness
            ready = True
            conds = status.get("conditions") if isinstance(status, dict) else None
            if conds is not None:
                for i, cnd in enumerate(ctx.seq(conds, "status.conditions")):
                    if isinstance(cnd, dict) and cnd.get("type") == "Ready":
                        ready = str(cnd.get("status")) == "True"
            if isinstance(status, dict) and status.get("phase") not in (None, "Running"):
                ready = False
            pod = Pod(ns, name, node, None, host_network, labels, annotations, containers, ready,
                      dns_policy or "ClusterFirst", ctx.doc.index, owner)
            pod.dns_config, pod.hostname, pod.subdomain = dns_config, hostname, subdomain
            pod._ctx = ctx  # type: ignore[attr-defined]
            pod._sp = sp  # type: ignore[attr-defined]
            pod._status_path = "status"  # type: ignore[attr-defined]
            for c in containers:
                for p in c.ports:
                    if p.name:
                        pod.named_ports[(p.name, p.protocol)] = p.container_port
            if LISTEN_KEY in annotations:
                try:
                    pod.listens = parse_port_list(annotations[LISTEN_KEY], f"port in annotation {LISTEN_KEY}")
                except PortSpecError as exc:
                    ctx.err(f'{mp}.annotations["{LISTEN_KEY}"]', said_of(exc))
                    continue
            else:
                pod.listens = {(p.container_port, p.protocol.lower()) for c in containers for p in c.ports}
            if node is None:
                node = self._schedule(pod)
                pod.node = node
                if node is None:
                    self.scn.warning(say('{ref}: Pending - no schedulable node can take it; it has no IP and receives no traffic', ref=pod.ref))
            if not self._host_ports(pod, ctx, sp):
                continue
            # IP
            pod_ip = status.get("podIP") if isinstance(status, dict) else None
            if node is not None:
                if host_network:
                    if pod_ip is not None and pod_ip != node.ip:
                        ctx.err("status.podIP", say("a hostNetwork Pod's IP is its node's IP ({ip}), not {pod_ip}", ip=node.ip, pod_ip=pod_ip))
                        continue
                    pod.ip = node.ip
                elif pod_ip is not None:
                    if not is_ip(pod_ip):
                        ctx.err("status.podIP", say('Invalid value: {pod_ip}: must be a valid IPv4 address', pod_ip=repr(pod_ip)))
                        continue
                    n = ip_int(pod_ip)
                    net = node.pod_cidr
                    if (n & int(net.netmask)) != int(net.network_address):
                        ctx.err("status.podIP", say("{pod_ip} is outside node {name}'s podCIDR {net}: the CNI plugin allocates Pod IPs from the node's podCIDR", pod_ip=pod_ip, name=node.name, net=net))
                        continue
                    if n in (int(net.network_address), int(net.network_address) + 1, int(net.broadcast_address)):
                        ctx.err("status.podIP", say('{pod_ip} is the network, bridge (cni0) or broadcast address of {net}', pod_ip=pod_ip, net=net))
                        continue
                    if pod_ip in used_ips:
                        ctx.err("status.podIP", say('{pod_ip} is already the IP of {ref}', pod_ip=pod_ip, ref=used_ips[pod_ip].ref))
                        continue
                    pod.ip = pod_ip
                    used_ips[pod_ip] = pod
                else:
                    pending_ip.append(pod)
            scn.pods[(ns, name)] = pod
            if node is not None:
                node.pods.append(pod)
        # host-local IPAM: lowest free address from .2 of the node's podCIDR, in document order
        cursor: dict[str, int] = {}
        for pod in pending_ip:
            node = pod.node
            net = node.pod_cidr
            n = cursor.get(node.name, int(net.network_address) + 2)
            last = int(net.broadcast_address) - 1
            while n <= last and int_ip(n) in used_ips:
                n += 1
            if n > last:
                pod._ctx.err("status.podIP", say("node {name}'s podCIDR {net} has no free address left", name=node.name, net=net))
                del scn.pods[(pod.namespace, pod.name)]
                continue
            pod.ip = int_ip(n)
            used_ips[pod.ip] = pod
            cursor[node.name] = n + 1
        for pod in scn.pods.values():
            if pod.ip and not pod.host_network:
                scn.pod_by_ip[pod.ip] = pod
        # label index for selectors
        idx: dict[tuple[str, str, str], list[Pod]] = {}
        for pod in scn.pods.values():
            for k, v in pod.labels.items():
                idx.setdefault((pod.namespace, k, v), []).append(pod)
        self.label_index = idx

    def _schedule(self, pod: Pod) -> Node | None:
        nodes = self._sched_nodes
        if not nodes:
            return None
        wanted = [(p.host_port, p.protocol) for c in pod.containers for p in c.ports if p.host_port]
        if pod.host_network:
            wanted = [(p.container_port, p.protocol) for c in pod.containers for p in c.ports]
        for k in range(len(nodes)):
            node = nodes[(self._sched_next + k) % len(nodes)]
            busy = any((hp, proto.lower()) in node.host_ports or (hp, proto.lower()) in node.host_listeners
                       for hp, proto in wanted)
            if not busy:
                self._sched_next = (self._sched_next + k + 1) % len(nodes)
                return node
        return None

    def _containers(self, ctx: Ctx, spec: dict, sp: str, host_network: bool) -> tuple[list[Container], bool]:
        ok = True
        containers: list[Container] = []
        items = ctx.seq(spec.get("containers"), join(sp, "containers"))
        if not items:
            ctx.err(join(sp, "containers"), say('Required value: a Pod needs at least one container'))
            return [], False
        names: set[str] = set()
        port_names: dict[str, str] = {}
        bound: dict[tuple[int, str], str] = {}
        for i, c in enumerate(items):
            cp = f"{join(sp, 'containers')}[{i}]"
            c = ctx.mapping(c, cp)
            cname = ctx.string(c, "name", cp, required=True)
            if cname is None:
                ok = False
                continue
            if cname in names:
                ctx.err(join(cp, "name"), say('Duplicate value: {cname}: container names must be unique within a Pod', cname=repr(cname)))
                ok = False
            names.add(cname)
            ports = []
            for j, p in enumerate(ctx.seq(c.get("ports"), join(cp, "ports"))):
                pp = f"{join(cp, 'ports')}[{j}]"
                p = ctx.mapping(p, pp)
                port = ctx.integer(p, "containerPort", pp, 1, 65535, required=True)
                proto = ctx.string(p, "protocol", pp, default="TCP")
                if proto not in PROTOCOLS:
                    ctx.err(join(pp, "protocol"), say('Unsupported value: {proto}: supported values: "SCTP", "TCP", "UDP"', proto=repr(proto)))
                    ok = False
                    continue
                pname = ctx.string(p, "name", pp)
                if pname is not None:
                    if not iana_ok(pname):
                        ctx.err(join(pp, "name"), say("Invalid value: {pname}: must be an IANA_SVC_NAME (at most 15 characters, lowercase letters, digits and '-', at least one letter)", pname=repr(pname)))
                        ok = False
                    elif pname in port_names:
                        ctx.err(join(pp, "name"), say('Duplicate value: {pname}: port names must be unique within a Pod (also used in {port_names})', pname=repr(pname), port_names=port_names[pname]))
                        ok = False
                    port_names[pname] = pp
                host_port = ctx.integer(p, "hostPort", pp, 1, 65535)
                host_ip = ctx.string(p, "hostIP", pp)
                if host_ip is not None and not is_ip(host_ip):
                    ctx.err(join(pp, "hostIP"), say('Invalid value: {host_ip}: must be a valid IPv4 address', host_ip=repr(host_ip)))
                    ok = False
                if port is None:
                    ok = False
                    continue
                if host_network:
                    if host_port is not None and host_port != port:
                        ctx.err(join(pp, "hostPort"), say('Invalid value: {host_port}: must match `containerPort` when `hostNetwork` is true', host_port=host_port))
                        ok = False
                        continue
                    host_port = None
                key = (port, proto)
                if key in bound:
                    ctx.err(join(pp, "containerPort"), say('port {port}/{proto} is already declared by {bound}: all containers of a Pod share one network namespace, so only one of them can listen on it', port=port, proto=proto, bound=bound[key]))
                    ok = False
                    continue
                bound[key] = f"container {cname!r}"
                ports.append(ContainerPort(port, proto, pname, host_port, host_ip))
            containers.append(Container(cname, ports))
        return containers, ok

    def _host_ports(self, pod: Pod, ctx: Ctx, sp: str) -> bool:
        node = pod.node
        if node is None:
            return True
        for ci, c in enumerate(pod.containers):
            for pi, p in enumerate(c.ports):
                proto = p.protocol.lower()
                if pod.host_network:
                    key = (p.container_port, proto)
                    other = node.host_listeners.get(key)
                    clash = other or (node.host_ports.get(key) or [(None,)])[0][0]
                    if clash is not None:
                        ctx.err(f"{sp}.containers[{ci}].ports[{pi}].containerPort",
                                say('node {name} already has port {container_port}/{protocol} in use by {ref}: a hostNetwork Pod binds it on the node', name=node.name, container_port=p.container_port, protocol=p.protocol, ref=clash.ref))
                        return False
                    node.host_listeners[key] = pod
                elif p.host_port:
                    key = (p.host_port, proto)
                    hip = p.host_ip or "0.0.0.0"
                    for other, _cp, ohip in node.host_ports.get(key, []):
                        if ohip == "0.0.0.0" or hip == "0.0.0.0" or ohip == hip:
                            ctx.err(f"{sp}.containers[{ci}].ports[{pi}].hostPort",
                                    say('hostPort {host_port}/{protocol} is already taken on node {name} by {ref}: the scheduler would not place both Pods there', host_port=p.host_port, protocol=p.protocol, name=node.name, ref=other.ref))
                            return False
                    if key in node.host_listeners:
                        ctx.err(f"{sp}.containers[{ci}].ports[{pi}].hostPort",
                                say('port {host_port}/{protocol} is already bound on node {name} by hostNetwork {ref}', host_port=p.host_port, protocol=p.protocol, name=node.name, ref=node.host_listeners[key].ref))
                        return False
                    node.host_ports.setdefault(key, []).append((pod, p.container_port, hip))
        return True

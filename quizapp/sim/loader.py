"""Building a :class:`~quizapp.sim.model.Scenario` from documents, with Kubernetes' and Docker's checks.

Kinds: ``Node``, ``Pod``, ``Service``, ``Deployment``, ``EndpointSlice`` (real manifests; ``Namespace`` is
accepted and ignored; ``List`` items are read), ``DockerHost`` and ``Cluster`` (``apiVersion: quizapp.io/v1``).

``kind: Cluster`` (at most one; every field optional)::

    apiVersion: quizapp.io/v1
    kind: Cluster
    metadata: {name: demo}
    spec:
      clusterCIDR: 10.244.0.0/16      # flannel Network; podCIDRs are /24s out of it
      serviceCIDR: 10.96.0.0/12       # kubeadm default
      hairpinMode: true               # CNI bridge plugin hairpinMode (flannel's default conflist sets it)
      backend: vxlan                  # flannel backend: vxlan (flannel.1, UDP 8472) or host-gw
      clusterDomain: cluster.local
      nodePortRange: 30000-32767
      ipMasq: true                    # flannel --ip-masq: pod traffic leaving the cluster CIDR is masqueraded

Deterministic stand-ins for what a real cluster decides at random (documented in the package docstring):
Node podCIDRs, Pod IPs, ClusterIPs, nodePorts, Deployment Pod names and scheduling.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from . import docker as dk
from .errors import Problem, ScenarioError
from .model import (Cluster, Container, ContainerPort, DockerHost, Endpoint, Node, Pod, Scenario, Service,
                    ServicePort)
from .netutil import int_ip, ip_int, is_ip, network, nth
from .source import Document, join, parse_yaml

LISTEN_KEY = "quizapp.io/listen"

_API = {
    "Node": {"v1"}, "Pod": {"v1"}, "Service": {"v1"}, "Namespace": {"v1"}, "List": {"v1"},
    "Deployment": {"apps/v1"}, "EndpointSlice": {"discovery.k8s.io/v1"},
    "DockerHost": {"quizapp.io/v1"}, "Cluster": {"quizapp.io/v1"},
}
_QUIZAPP_KINDS = {"DockerHost", "Cluster"}

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_IANA_SVC_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_PROTOCOLS = ("TCP", "UDP", "SCTP")
_HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # k8s rand.SafeEncodeString alphabet


def _safe_encode(digest: bytes, n: int) -> str:
    return "".join(_HASH_ALPHABET[b % len(_HASH_ALPHABET)] for b in digest[:n])


def _iana_ok(name: str) -> bool:
    return (len(name) <= 15 and bool(_IANA_SVC_NAME.match(name)) and "--" not in name
            and any(ch.isalpha() for ch in name))


def load_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Load a multi-document YAML scenario. Raises :class:`ScenarioError` listing every problem."""
    docs, problems = parse_yaml(text, source)
    if problems:
        raise ScenarioError(problems, source)
    return _build(docs, source)


def load_scenario_documents(documents: list[Any], source: str = "<scenario>") -> Scenario:
    """Load a scenario from already-parsed documents (a list of dicts, e.g. edited by a variant generator).

    Problems carry the 1-based index of the dict in ``documents`` and no line number.
    """
    if not isinstance(documents, (list, tuple)):
        raise ScenarioError([Problem(None, None, "", "expected a list of documents (dicts)")], source)
    docs = [Document(i + 1, _plain_copy(d)) for i, d in enumerate(documents) if d is not None]
    return _build(docs, source)


def _plain_copy(obj: Any) -> Any:
    """A deep copy of plain YAML data (dicts, lists, scalars), several times faster than copy.deepcopy."""
    if isinstance(obj, dict):
        return {k: _plain_copy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain_copy(v) for v in obj]
    return obj


# ------------------------------------------------------------------------------------------ helpers

class _Ctx:
    def __init__(self, doc: Document):
        self.doc = doc

    def err(self, path: str, message: str) -> None:
        self.doc.problem(path, message)

    def mapping(self, obj: Any, path: str, required: bool = False) -> dict:
        if obj is None:
            if required:
                self.err(path, "Required value: this field must be set")
            return {}
        if not isinstance(obj, dict):
            self.err(path, f"must be a mapping, not {type(obj).__name__}")
            return {}
        return obj

    def seq(self, obj: Any, path: str) -> list:
        if obj is None:
            return []
        if not isinstance(obj, list):
            self.err(path, f"must be a list, not {type(obj).__name__}")
            return []
        return obj

    def string(self, obj: dict, key: str, path: str, required: bool = False, default: str | None = None) -> str | None:
        v = obj.get(key)
        if v.__class__ is str:
            return v
        p = join(path, key)
        if v is None:
            if required:
                self.err(p, "Required value: this field must be set")
            return default
        self.err(p, f"must be a string, not {type(v).__name__} {v!r}; quote it")
        return default

    def integer(self, obj: dict, key: str, path: str, lo: int, hi: int, required: bool = False) -> int | None:
        v = obj.get(key)
        if v.__class__ is int and lo <= v <= hi:
            return v
        p = join(path, key)
        if v is None:
            if required:
                self.err(p, "Required value: this field must be set")
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            self.err(p, f"Invalid value: {v!r}: must be an integer")
            return None
        if not lo <= v <= hi:
            self.err(p, f"Invalid value: {v}: must be between {lo} and {hi}, inclusive")
            return None
        return v

    def boolean(self, obj: dict, key: str, path: str, default: bool = False) -> bool:
        v = obj.get(key)
        if v is None:
            return default
        if not isinstance(v, bool):
            self.err(join(path, key), f"Invalid value: {v!r}: must be true or false")
            return default
        return v

    def labels(self, obj: Any, path: str) -> dict[str, str]:
        m = self.mapping(obj, path)
        out = {}
        for k, v in m.items():
            if not isinstance(v, str):
                self.err(join(path, k), f"Invalid value: {v!r}: label and annotation values must be strings; quote it")
                continue
            out[str(k)] = v
        return out


class _Builder:
    def __init__(self, docs: list[Document], source: str):
        self.docs = docs
        self.source = source
        self.problems: list[Problem] = []
        self.scn = Scenario(source, [d.data for d in docs], Cluster())
        self.by_kind: dict[str, list[tuple[_Ctx, dict]]] = {}
        self.pod_specs: list[tuple[_Ctx, str, dict, dict, str | None]] = []  # ctx, path, meta, spec, owner
        self.lan_ips: dict[str, str] = {}  # ip -> "node/x" | "host/y"
        self._seen_names: set = set()
        self._vips: dict[str, str] = {}
        self._nodeports: dict[int, tuple] = {}
        self.label_index: dict = {}
        self._cidrs: dict[int, dict[int, Node]] = {}

    # -- driver -----------------------------------------------------------------------------------
    def build(self) -> Scenario:
        for doc in self.docs:
            self._classify(_Ctx(doc), doc.data, "")
        self._cluster()
        for ctx, obj in self.by_kind.get("Node", []):
            self._node(ctx, obj)
        self._index_nodes()
        for ctx, obj in self.by_kind.get("Pod", []):
            self._pod_doc(ctx, obj)
        for ctx, obj in self.by_kind.get("Deployment", []):
            self._deployment(ctx, obj)
        self._pods()
        for ctx, obj in self.by_kind.get("Service", []):
            self._service(ctx, obj)
        self._allocate_services()
        self._endpoints()
        for ctx, obj in self.by_kind.get("EndpointSlice", []):
            self._endpoint_slice(ctx, obj)
        for svc in self.scn.services.values():
            for sp in svc.ports:
                sp.endpoints.sort(key=lambda e: e.key)
        for ctx, obj in self.by_kind.get("DockerHost", []):
            self._docker_host(ctx, obj)
        self._index_docker()
        problems = [p for d in self.docs for p in d.problems]
        if problems:
            # one document may have collected problems through several child contexts: dedupe, keep order
            seen = set()
            unique = []
            for p in problems:
                if p not in seen:
                    seen.add(p)
                    unique.append(p)
            unique.sort(key=lambda p: (p.document or 0, p.line or 0))
            raise ScenarioError(unique, self.source)
        self.scn.has_kubernetes = bool(self.scn.nodes)
        return self.scn

    def _classify(self, ctx: _Ctx, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            ctx.err(path, f"a document must be a mapping with apiVersion and kind, not {type(data).__name__}")
            return
        kind = data.get("kind")
        if kind is None:
            ctx.err(join(path, "kind"), "Required value: every document needs a kind (Node, Pod, Service, Deployment, EndpointSlice, DockerHost, Cluster)")
            return
        if kind not in _API:
            ctx.err(join(path, "kind"), f"unknown kind {kind!r}: the simulator models {', '.join(sorted(_API))}")
            return
        api = data.get("apiVersion")
        if api is None:
            if kind not in _QUIZAPP_KINDS:
                ctx.err(join(path, "apiVersion"), f"Required value: apiVersion not set (kind {kind} is {sorted(_API[kind])[0]})")
                return
        elif api not in _API[kind]:
            ctx.err(join(path, "apiVersion"), f'no matches for kind "{kind}" in version "{api}": use apiVersion {sorted(_API[kind])[0]}')
            return
        if kind == "List":
            for i, item in enumerate(ctx.seq(data.get("items"), join(path, "items"))):
                sub = _Ctx(ctx.doc.child(f"items[{i}]", item))
                self._classify(sub, item, "")
            return
        if kind == "Namespace":
            return
        self.by_kind.setdefault(kind, []).append((ctx, data))

    # -- Cluster ----------------------------------------------------------------------------------
    def _cluster(self) -> None:
        items = self.by_kind.get("Cluster", [])
        c = self.scn.cluster
        c.cluster_cidr = network("10.244.0.0/16")
        c.service_cidr = network("10.96.0.0/12")
        for n, (ctx, obj) in enumerate(items):
            if n > 0:
                ctx.err("kind", "only one kind: Cluster document is allowed per scenario")
                continue
            meta = ctx.mapping(obj.get("metadata"), "metadata")
            c.name = ctx.string(meta, "name", "metadata", default="cluster") or "cluster"
            spec = ctx.mapping(obj.get("spec"), "spec")
            known = {"clusterCIDR", "serviceCIDR", "hairpinMode", "backend", "clusterDomain", "nodePortRange", "ipMasq"}
            for k in spec:
                if k not in known:
                    ctx.err(join("spec", k), f"unknown field; Cluster takes {', '.join(sorted(known))}")
            for key, attr in (("clusterCIDR", "cluster_cidr"), ("serviceCIDR", "service_cidr")):
                v = ctx.string(spec, key, "spec")
                if v is not None:
                    try:
                        setattr(c, attr, network(v))
                    except ValueError as exc:
                        ctx.err(join("spec", key), f"Invalid value: {v!r}: {exc}")
            if c.cluster_cidr.overlaps(c.service_cidr):
                ctx.err("spec.serviceCIDR", f"the service CIDR {c.service_cidr} overlaps the cluster (pod) CIDR {c.cluster_cidr}")
            c.hairpin_mode = ctx.boolean(spec, "hairpinMode", "spec", True)
            c.ip_masq = ctx.boolean(spec, "ipMasq", "spec", True)
            backend = ctx.string(spec, "backend", "spec", default="vxlan")
            if backend not in ("vxlan", "host-gw"):
                ctx.err("spec.backend", f"Unsupported value: {backend!r}: supported values: \"vxlan\", \"host-gw\"")
            else:
                c.backend = backend
            c.domain = (ctx.string(spec, "clusterDomain", "spec", default="cluster.local") or "cluster.local").rstrip(".")
            rng = spec.get("nodePortRange")
            if rng is not None:
                m = re.match(r"^\s*(\d+)\s*-\s*(\d+)\s*$", str(rng))
                if not m or not (1 <= int(m.group(1)) <= int(m.group(2)) <= 65535):
                    ctx.err("spec.nodePortRange", f"Invalid value: {rng!r}: write it as LOW-HIGH, e.g. 30000-32767")
                else:
                    c.node_port_range = (int(m.group(1)), int(m.group(2)))

    # -- Nodes ------------------------------------------------------------------------------------
    def _node(self, ctx: _Ctx, obj: dict) -> None:
        meta = ctx.mapping(obj.get("metadata"), "metadata", required=True)
        name = ctx.string(meta, "name", "metadata", required=True)
        if name is None:
            return
        if not _DNS1123_SUBDOMAIN.match(name):
            ctx.err("metadata.name", f"Invalid value: {name!r}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'")
            return
        if name in self.scn.nodes:
            ctx.err("metadata.name", f'nodes "{name}" already exists (document {self.scn.nodes[name].doc}); give each Node its own name')
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
                    ctx.err(f"status.addresses[{i}].address", f"Invalid value: {ip!r}: must be a valid IPv4 address")
                    return
                break
        if ip is None:
            ctx.err("status.addresses", "the Node needs an address of type InternalIP (status.addresses: [{type: InternalIP, address: 192.168.1.11}])")
            return
        if ip in self.lan_ips:
            ctx.err("status.addresses", f"address {ip} is already used by {self.lan_ips[ip]}")
            return
        if self.scn.in_cluster_cidr(ip) or self.scn.in_service_cidr(ip):
            ctx.err("status.addresses", f"node address {ip} lies inside the cluster CIDR or the service CIDR; pick an address on the node LAN")
            return
        cidr = ctx.string(spec, "podCIDR", "spec")
        pod_cidr = None
        if cidr is not None:
            try:
                pod_cidr = network(cidr)
            except ValueError as exc:
                ctx.err("spec.podCIDR", f"Invalid value: {cidr!r}: {exc}")
                return
            if not pod_cidr.subnet_of(self.scn.cluster.cluster_cidr):
                ctx.err("spec.podCIDR", f"{pod_cidr} is not inside the cluster CIDR {self.scn.cluster.cluster_cidr} (set it in a kind: Cluster document if yours differs)")
                return
            if pod_cidr.prefixlen > 30:
                ctx.err("spec.podCIDR", f"{pod_cidr} is too small for a node's pods")
                return
            other = self._cidr_overlap(pod_cidr)
            if other is not None:
                ctx.err("spec.podCIDR", f"{pod_cidr} overlaps node {other.name}'s podCIDR {other.pod_cidr}")
                return
        taints = ctx.seq(spec.get("taints"), "spec.taints")
        schedulable = not spec.get("unschedulable") and not any(
            isinstance(t, dict) and t.get("effect") in ("NoSchedule", "NoExecute") for t in taints)
        node = Node(name, ip, pod_cidr, ctx.labels(meta.get("labels"), "metadata.labels"), schedulable, ctx.doc.index)  # type: ignore[arg-type]
        self.scn.nodes[name] = node
        if pod_cidr is not None:
            self._cidrs.setdefault(pod_cidr.prefixlen, {})[int(pod_cidr.network_address) >> (32 - pod_cidr.prefixlen)] = node
        self.lan_ips[ip] = node.ref

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

    def _index_nodes(self) -> None:
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
                    self.problems.append(Problem(node.doc, None, "spec.podCIDR", "the cluster CIDR has no /24 left for this node"))
                    continue
            node.bridge_ip = nth(node.pod_cidr, 1)
            node.vtep_ip = nth(node.pod_cidr, 0)
            self.scn.node_by_ip[node.ip] = node
            p = node.pod_cidr.prefixlen
            self.scn.subnet_prefixes.add(p)
            self.scn.node_by_subnet[(p, int(node.pod_cidr.network_address) >> (32 - p))] = node
        self.scn.sorted_nodes = sorted(self.scn.nodes.values(), key=lambda n: n.name)
        self._sched_nodes = [n for n in self.scn.sorted_nodes if n.schedulable]
        self._sched_next = 0

    # -- Pods -------------------------------------------------------------------------------------
    def _pod_doc(self, ctx: _Ctx, obj: dict) -> None:
        meta = ctx.mapping(obj.get("metadata"), "metadata", required=True)
        spec = ctx.mapping(obj.get("spec"), "spec", required=True)
        status = ctx.mapping(obj.get("status"), "status")
        self.pod_specs.append((ctx, "", meta, spec, None, status))  # type: ignore[arg-type]

    def _deployment(self, ctx: _Ctx, obj: dict) -> None:
        meta = ctx.mapping(obj.get("metadata"), "metadata", required=True)
        name = ctx.string(meta, "name", "metadata", required=True)
        ns = ctx.string(meta, "namespace", "metadata", default="default") or "default"
        spec = ctx.mapping(obj.get("spec"), "spec", required=True)
        if name is None:
            return
        if not _DNS1123_SUBDOMAIN.match(name):
            ctx.err("metadata.name", f"Invalid value: {name!r}: must be a lowercase RFC 1123 subdomain")
            return
        key = ("Deployment", ns, name)
        if key in self._seen_names:
            ctx.err("metadata.name", f'deployments.apps "{name}" already exists in namespace {ns}')
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
            ctx.err("spec.selector", "Invalid value: empty selector is invalid for deployment")
            return
        if sel.get("matchExpressions"):
            ctx.err("spec.selector.matchExpressions", "matchExpressions are not modelled; use matchLabels")
            return
        if any(tlabels.get(k) != v for k, v in match.items()):
            ctx.err("spec.template.metadata.labels", "Invalid value: `selector` does not match template `labels`")
            return
        tspec = ctx.mapping(template.get("spec"), "spec.template.spec", required=True)
        digest = hashlib.sha256(json.dumps(template, sort_keys=True, default=str).encode()).digest()
        pth = _safe_encode(digest, 10)
        for i in range(replicas):
            suffix = _safe_encode(hashlib.sha256(f"{ns}/{name}/{pth}/{i}".encode()).digest(), 5)
            pmeta = {"name": f"{name}-{pth}-{suffix}", "namespace": ns,
                     "labels": {**tlabels, "pod-template-hash": pth},
                     "annotations": dict(tmeta.get("annotations") or {})}
            self.pod_specs.append((ctx, "spec.template", pmeta, tspec, name, {}))  # type: ignore[arg-type]

    def _pods(self) -> None:
        scn = self.scn
        pending_ip: list[Pod] = []
        used_ips: dict[str, Pod] = {}
        for ctx, base, meta, spec, owner, status in self.pod_specs:  # type: ignore[misc]
            mp = join(base, "metadata") if base else "metadata"
            sp = join(base, "spec") if base else "spec"
            name = meta.get("name") if owner else ctx.string(meta, "name", mp, required=True)
            if name is None:
                continue
            if not _DNS1123_SUBDOMAIN.match(name) or len(name) > 253:
                ctx.err(join(mp, "name"), f"Invalid value: {name!r}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'")
                continue
            ns = (meta.get("namespace") if owner else ctx.string(meta, "namespace", mp, default="default")) or "default"
            if not _DNS1123_LABEL.match(ns):
                ctx.err(join(mp, "namespace"), f"Invalid value: {ns!r}: a namespace must be a lowercase RFC 1123 label")
                continue
            if (ns, name) in scn.pods:
                ctx.err(join(mp, "name"), f'pods "{name}" already exists in namespace {ns} (document {scn.pods[(ns, name)].doc})')
                continue
            labels = ctx.labels(meta.get("labels"), join(mp, "labels"))
            annotations = ctx.labels(meta.get("annotations"), join(mp, "annotations"))
            host_network = ctx.boolean(spec, "hostNetwork", sp)
            dns_policy = ctx.string(spec, "dnsPolicy", sp, default="ClusterFirst")
            if dns_policy not in ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"):
                ctx.err(join(sp, "dnsPolicy"), f'Unsupported value: {dns_policy!r}: supported values: "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"')
                dns_policy = "ClusterFirst"
            containers, ok = self._containers(ctx, spec, sp, host_network)
            if not ok:
                continue
            # node
            node = None
            node_name = ctx.string(spec, "nodeName", sp)
            if node_name is not None:
                node = scn.nodes.get(node_name)
                if node is None:
                    ctx.err(join(sp, "nodeName"), f"no Node named {node_name!r} in the scenario (add a kind: Node document, or leave nodeName out to let the scheduler place the Pod)")
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
            pod._ctx = ctx  # type: ignore[attr-defined]
            pod._sp = sp  # type: ignore[attr-defined]
            pod._status_path = "status"  # type: ignore[attr-defined]
            for c in containers:
                for p in c.ports:
                    if p.name:
                        pod.named_ports[(p.name, p.protocol)] = p.container_port
            if LISTEN_KEY in annotations:
                try:
                    pod.listens = dk.parse_port_list(annotations[LISTEN_KEY], f"port in annotation {LISTEN_KEY}")
                except dk.CommandError as exc:
                    ctx.err(f'{mp}.annotations["{LISTEN_KEY}"]', str(exc))
                    continue
            else:
                pod.listens = {(p.container_port, p.protocol.lower()) for c in containers for p in c.ports}
            if node is None:
                node = self._schedule(pod)
                pod.node = node
                if node is None:
                    self.scn.warnings.append(f"{pod.ref}: Pending - no schedulable node can take it; it has no IP and receives no traffic")
            if not self._host_ports(pod, ctx, sp):
                continue
            # IP
            pod_ip = status.get("podIP") if isinstance(status, dict) else None
            if node is not None:
                if host_network:
                    if pod_ip is not None and pod_ip != node.ip:
                        ctx.err("status.podIP", f"a hostNetwork Pod's IP is its node's IP ({node.ip}), not {pod_ip}")
                        continue
                    pod.ip = node.ip
                elif pod_ip is not None:
                    if not is_ip(pod_ip):
                        ctx.err("status.podIP", f"Invalid value: {pod_ip!r}: must be a valid IPv4 address")
                        continue
                    n = ip_int(pod_ip)
                    net = node.pod_cidr
                    if (n & int(net.netmask)) != int(net.network_address):
                        ctx.err("status.podIP", f"{pod_ip} is outside node {node.name}'s podCIDR {net}: the CNI plugin allocates Pod IPs from the node's podCIDR")
                        continue
                    if n in (int(net.network_address), int(net.network_address) + 1, int(net.broadcast_address)):
                        ctx.err("status.podIP", f"{pod_ip} is the network, bridge (cni0) or broadcast address of {net}")
                        continue
                    if pod_ip in used_ips:
                        ctx.err("status.podIP", f"{pod_ip} is already the IP of {used_ips[pod_ip].ref}")
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
                pod._ctx.err("status.podIP", f"node {node.name}'s podCIDR {net} has no free address left")
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

    def _containers(self, ctx: _Ctx, spec: dict, sp: str, host_network: bool) -> tuple[list[Container], bool]:
        ok = True
        containers: list[Container] = []
        items = ctx.seq(spec.get("containers"), join(sp, "containers"))
        if not items:
            ctx.err(join(sp, "containers"), "Required value: a Pod needs at least one container")
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
                ctx.err(join(cp, "name"), f"Duplicate value: {cname!r}: container names must be unique within a Pod")
                ok = False
            names.add(cname)
            ports = []
            for j, p in enumerate(ctx.seq(c.get("ports"), join(cp, "ports"))):
                pp = f"{join(cp, 'ports')}[{j}]"
                p = ctx.mapping(p, pp)
                port = ctx.integer(p, "containerPort", pp, 1, 65535, required=True)
                proto = ctx.string(p, "protocol", pp, default="TCP")
                if proto not in _PROTOCOLS:
                    ctx.err(join(pp, "protocol"), f'Unsupported value: {proto!r}: supported values: "SCTP", "TCP", "UDP"')
                    ok = False
                    continue
                pname = ctx.string(p, "name", pp)
                if pname is not None:
                    if not _iana_ok(pname):
                        ctx.err(join(pp, "name"), f"Invalid value: {pname!r}: must be an IANA_SVC_NAME (at most 15 characters, lowercase letters, digits and '-', at least one letter)")
                        ok = False
                    elif pname in port_names:
                        ctx.err(join(pp, "name"), f"Duplicate value: {pname!r}: port names must be unique within a Pod (also used in {port_names[pname]})")
                        ok = False
                    port_names[pname] = pp
                host_port = ctx.integer(p, "hostPort", pp, 1, 65535)
                host_ip = ctx.string(p, "hostIP", pp)
                if host_ip is not None and not is_ip(host_ip):
                    ctx.err(join(pp, "hostIP"), f"Invalid value: {host_ip!r}: must be a valid IPv4 address")
                    ok = False
                if port is None:
                    ok = False
                    continue
                if host_network:
                    if host_port is not None and host_port != port:
                        ctx.err(join(pp, "hostPort"), f"Invalid value: {host_port}: must match `containerPort` when `hostNetwork` is true")
                        ok = False
                        continue
                    host_port = None
                key = (port, proto)
                if key in bound:
                    ctx.err(join(pp, "containerPort"), f"port {port}/{proto} is already declared by {bound[key]}: all containers of a Pod share one network namespace, so only one of them can listen on it")
                    ok = False
                    continue
                bound[key] = f"container {cname!r}"
                ports.append(ContainerPort(port, proto, pname, host_port, host_ip))
            containers.append(Container(cname, ports))
        return containers, ok

    def _host_ports(self, pod: Pod, ctx: _Ctx, sp: str) -> bool:
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
                                f"node {node.name} already has port {p.container_port}/{p.protocol} in use by {clash.ref}: a hostNetwork Pod binds it on the node")
                        return False
                    node.host_listeners[key] = pod
                elif p.host_port:
                    key = (p.host_port, proto)
                    hip = p.host_ip or "0.0.0.0"
                    for other, _cp, ohip in node.host_ports.get(key, []):
                        if ohip == "0.0.0.0" or hip == "0.0.0.0" or ohip == hip:
                            ctx.err(f"{sp}.containers[{ci}].ports[{pi}].hostPort",
                                    f"hostPort {p.host_port}/{p.protocol} is already taken on node {node.name} by {other.ref}: the scheduler would not place both Pods there")
                            return False
                    if key in node.host_listeners:
                        ctx.err(f"{sp}.containers[{ci}].ports[{pi}].hostPort",
                                f"port {p.host_port}/{p.protocol} is already bound on node {node.name} by hostNetwork {node.host_listeners[key].ref}")
                        return False
                    node.host_ports.setdefault(key, []).append((pod, p.container_port, hip))
        return True

    # -- Services ---------------------------------------------------------------------------------
    def _service(self, ctx: _Ctx, obj: dict) -> None:
        meta = ctx.mapping(obj.get("metadata"), "metadata", required=True)
        name = ctx.string(meta, "name", "metadata", required=True)
        ns = ctx.string(meta, "namespace", "metadata", default="default") or "default"
        spec = ctx.mapping(obj.get("spec"), "spec", required=True)
        status = ctx.mapping(obj.get("status"), "status")
        if name is None:
            return
        if not _DNS1035_LABEL.match(name) or len(name) > 63:
            ctx.err("metadata.name", f"Invalid value: {name!r}: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with a letter and end with an alphanumeric character")
            return
        if (ns, name) in self.scn.services:
            ctx.err("metadata.name", f'services "{name}" already exists in namespace {ns} (document {self.scn.services[(ns, name)].doc})')
            return
        ok = True
        stype = ctx.string(spec, "type", "spec", default="ClusterIP")
        if stype not in ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"):
            ctx.err("spec.type", f'Unsupported value: {stype!r}: supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"')
            return
        cip = spec.get("clusterIP")
        headless = cip == "None"
        if cip is not None and not headless:
            if not isinstance(cip, str) or not is_ip(cip):
                ctx.err("spec.clusterIP", f"Invalid value: {cip!r}: must be a valid IP address or None")
                ok = False
            elif stype == "ExternalName":
                ctx.err("spec.clusterIP", "Forbidden: may not be set for ExternalName services")
                ok = False
            elif not self.scn.in_service_cidr(cip):
                ctx.err("spec.clusterIP", f"Invalid value: {cip!r}: provided IP is not in the valid range; the service CIDR is {self.scn.cluster.service_cidr}")
                ok = False
            elif cip in self._vips:
                ctx.err("spec.clusterIP", f"Invalid value: {cip!r}: provided IP is already allocated (to {self._vips[cip]})")
                ok = False
        if headless and stype != "ClusterIP":
            ctx.err("spec.clusterIP", f"Invalid value: \"None\": may not be set to 'None' for {stype} services")
            ok = False
        ext_name = None
        if stype == "ExternalName":
            ext_name = ctx.string(spec, "externalName", "spec", required=True)
            if ext_name is not None and not _DNS1123_SUBDOMAIN.match(ext_name.rstrip(".").lower()):
                ctx.err("spec.externalName", f"Invalid value: {ext_name!r}: must be a DNS name")
                ok = False
        etp = ctx.string(spec, "externalTrafficPolicy", "spec")
        if etp is not None:
            if etp not in ("Cluster", "Local"):
                ctx.err("spec.externalTrafficPolicy", f'Unsupported value: {etp!r}: supported values: "Cluster", "Local"')
                ok = False
            elif stype not in ("NodePort", "LoadBalancer"):
                ctx.err("spec.externalTrafficPolicy", "Invalid value: may only be set for externally-accessible services (type NodePort or LoadBalancer)")
                ok = False
        itp = ctx.string(spec, "internalTrafficPolicy", "spec", default="Cluster")
        if itp not in ("Cluster", "Local"):
            ctx.err("spec.internalTrafficPolicy", f'Unsupported value: {itp!r}: supported values: "Cluster", "Local"')
            ok = False
        aff = ctx.string(spec, "sessionAffinity", "spec", default="None")
        if aff not in ("None", "ClientIP"):
            ctx.err("spec.sessionAffinity", f'Unsupported value: {aff!r}: supported values: "ClientIP", "None"')
            ok = False
        timeout = 10800
        sac = ctx.mapping(spec.get("sessionAffinityConfig"), "spec.sessionAffinityConfig")
        if sac:
            cip_cfg = ctx.mapping(sac.get("clientIP"), "spec.sessionAffinityConfig.clientIP")
            t = ctx.integer(cip_cfg, "timeoutSeconds", "spec.sessionAffinityConfig.clientIP", 1, 86400)
            if t is not None:
                timeout = t
        selector = None
        if spec.get("selector") is not None:
            selector = ctx.labels(spec.get("selector"), "spec.selector") or None
        ports: list[ServicePort] = []
        items = ctx.seq(spec.get("ports"), "spec.ports")
        if not items and stype not in ("ExternalName",) and not headless:
            ctx.err("spec.ports", "Required value: a Service needs at least one port")
            ok = False
        seen_names: set[str] = set()
        seen_ports: set[tuple[int, str]] = set()
        own_np: set[tuple[int, str]] = set()  # registered only if the whole Service is accepted
        for i, p in enumerate(items):
            pp = f"spec.ports[{i}]"
            p = ctx.mapping(p, pp)
            pname = ctx.string(p, "name", pp)
            if len(items) > 1 and not pname:
                ctx.err(join(pp, "name"), "Required value: every port of a multi-port Service must be named")
                ok = False
            if pname:
                if not _DNS1123_LABEL.match(pname) or len(pname) > 63:
                    ctx.err(join(pp, "name"), f"Invalid value: {pname!r}: must be a lowercase RFC 1123 label")
                    ok = False
                elif pname in seen_names:
                    ctx.err(join(pp, "name"), f"Duplicate value: {pname!r}")
                    ok = False
                seen_names.add(pname)
            port = ctx.integer(p, "port", pp, 1, 65535, required=True)
            proto = ctx.string(p, "protocol", pp, default="TCP")
            if proto not in _PROTOCOLS:
                ctx.err(join(pp, "protocol"), f'Unsupported value: {proto!r}: supported values: "SCTP", "TCP", "UDP"')
                ok = False
                continue
            if port is None:
                ok = False
                continue
            if (port, proto) in seen_ports:
                ctx.err(join(pp, "port"), f"Duplicate value: {port}/{proto}: each port/protocol may appear once")
                ok = False
            seen_ports.add((port, proto))
            tp = p.get("targetPort", port)
            if isinstance(tp, bool) or not isinstance(tp, (int, str)):
                ctx.err(join(pp, "targetPort"), f"Invalid value: {tp!r}: must be a port number or a port name")
                ok = False
                continue
            if isinstance(tp, str) and tp.isdigit():
                tp = int(tp)
            if isinstance(tp, int) and not 1 <= tp <= 65535:
                ctx.err(join(pp, "targetPort"), f"Invalid value: {tp}: must be between 1 and 65535, inclusive")
                ok = False
                continue
            if isinstance(tp, str) and not _iana_ok(tp):
                ctx.err(join(pp, "targetPort"), f"Invalid value: {tp!r}: must be a port number or an IANA_SVC_NAME (at most 15 characters, lowercase letters, digits and '-', at least one letter)")
                ok = False
                continue
            np_ = None
            if p.get("nodePort") is not None:
                if stype not in ("NodePort", "LoadBalancer"):
                    ctx.err(join(pp, "nodePort"), f"Forbidden: may not be used when `type` is '{stype}'")
                    ok = False
                    continue
                lo, hi = self.scn.cluster.node_port_range
                np_ = ctx.integer(p, "nodePort", pp, 0, 65535)
                if np_ is None:
                    ok = False
                    continue
                if not lo <= np_ <= hi:
                    ctx.err(join(pp, "nodePort"), f"Invalid value: {np_}: provided port is not in the valid range. The range of valid ports is {lo}-{hi}")
                    ok = False
                    continue
                owner = self._nodeports.get(np_)
                if owner is not None:
                    ctx.err(join(pp, "nodePort"), f"Invalid value: {np_}: provided port is already allocated (to {owner[1]})")
                    ok = False
                    continue
                if (np_, proto) in own_np:
                    ctx.err(join(pp, "nodePort"), f"Duplicate value: {np_}/{proto}")
                    ok = False
                    continue
                own_np.add((np_, proto))
            ports.append(ServicePort(pname or None, port, proto, tp, np_))
        lb_ips: list[str] = []
        if stype == "LoadBalancer":
            lb = ctx.mapping(status.get("loadBalancer"), "status.loadBalancer")
            for i, ing in enumerate(ctx.seq(lb.get("ingress"), "status.loadBalancer.ingress")):
                ing = ctx.mapping(ing, f"status.loadBalancer.ingress[{i}]")
                ip = ctx.string(ing, "ip", f"status.loadBalancer.ingress[{i}]")
                if ip is not None:
                    if not is_ip(ip):
                        ctx.err(f"status.loadBalancer.ingress[{i}].ip", f"Invalid value: {ip!r}: must be a valid IPv4 address")
                        ok = False
                    else:
                        lb_ips.append(ip)
        if not ok:
            return
        svc = Service(ns, name, stype, None if headless else cip, headless, ports, selector,
                      etp or "Cluster", itp or "Cluster", aff or "None", timeout, ext_name, lb_ips,
                      bool(spec.get("publishNotReadyAddresses")), ctx.doc.index)
        if svc.cluster_ip:
            self._vips[svc.cluster_ip] = f"service {ns}/{name}"
        for np_, _proto in own_np:
            self._nodeports[np_] = ((ns, name), f"service {ns}/{name}")
        self.scn.services[(ns, name)] = svc

    def _allocate_services(self) -> None:
        scn = self.scn
        net = scn.cluster.service_cidr
        size = net.num_addresses
        # ServiceIPStaticSubrange: dynamic allocation prefers the upper band, offset min(max(16, size/16), 256)
        offset = min(max(16, size // 16), 256)
        base = int(net.network_address)
        reserved = {base, base + 1, base + 10, int(net.broadcast_address)}  # kubernetes, kube-dns
        used = {ip_int(ip) for ip in self._vips} | reserved
        cursor = base + offset
        lo, hi = scn.cluster.node_port_range
        np_size = hi - lo + 1
        np_offset = min(max(16, np_size // 32), 128)
        np_cursor = lo + np_offset
        for svc in scn.services.values():
            if svc.type != "ExternalName" and not svc.headless and svc.cluster_ip is None:
                while cursor in used and cursor < int(net.broadcast_address):
                    cursor += 1
                svc.cluster_ip = int_ip(cursor)
                used.add(cursor)
            if svc.type in ("NodePort", "LoadBalancer"):
                for sp in svc.ports:
                    if sp.node_port is None:
                        tries = 0
                        while np_cursor in self._nodeports and tries <= np_size:
                            np_cursor = lo + (np_cursor - lo + 1) % np_size
                            tries += 1
                        if tries > np_size:
                            self.problems.append(Problem(svc.doc, None, "spec.ports", "no free nodePort left in the range"))
                            continue
                        sp.node_port = np_cursor
                        self._nodeports[np_cursor] = ((svc.namespace, svc.name), f"service {svc.namespace}/{svc.name}")
            # indexes
            if svc.cluster_ip:
                for sp in svc.ports:
                    scn.vip_index[(svc.cluster_ip, sp.port, sp.protocol.lower())] = (svc, sp)
            for ip in svc.lb_ips:
                scn.lb_ips.add(ip)
                for sp in svc.ports:
                    scn.ext_index[(ip, sp.port, sp.protocol.lower())] = (svc, sp)
            for sp in svc.ports:
                if sp.node_port:
                    scn.nodeport_index[(sp.node_port, sp.protocol.lower())] = (svc, sp)
            d = scn.cluster.domain
            scn.dns[f"{svc.name}.{svc.namespace}.svc.{d}"] = svc

    def _endpoints(self) -> None:
        for svc in self.scn.services.values():
            if not svc.selector or svc.type == "ExternalName":
                continue
            items = list(svc.selector.items())
            lists = [self.label_index.get((svc.namespace, k, v), []) for k, v in items]
            smallest = min(lists, key=len)
            for pod in smallest:
                if any(pod.labels.get(k) != v for k, v in items):
                    continue
                if pod.ip is None:
                    continue
                ready = pod.ready
                if not ready and not svc.publish_not_ready:
                    continue
                for sp in svc.ports:
                    if isinstance(sp.target_port, int):
                        port = sp.target_port
                    else:
                        port = pod.named_ports.get((sp.target_port, sp.protocol))
                        if port is None:
                            # the EndpointSlice controller leaves the Pod out for this port
                            continue
                    sp.endpoints.append(Endpoint(pod.ip, port, True, pod.node.name if pod.node else None, pod))

    def _endpoint_slice(self, ctx: _Ctx, obj: dict) -> None:
        meta = ctx.mapping(obj.get("metadata"), "metadata", required=True)
        ns = ctx.string(meta, "namespace", "metadata", default="default") or "default"
        labels = ctx.labels(meta.get("labels"), "metadata.labels")
        svc_name = labels.get("kubernetes.io/service-name")
        if not svc_name:
            ctx.err("metadata.labels", "an EndpointSlice needs the label kubernetes.io/service-name naming its Service")
            return
        svc = self.scn.services.get((ns, svc_name))
        if svc is None:
            ctx.err('metadata.labels["kubernetes.io/service-name"]', f"no Service {ns}/{svc_name} in the scenario")
            return
        at = obj.get("addressType", "IPv4")
        if at != "IPv4":
            ctx.err("addressType", f"Unsupported value: {at!r}: only IPv4 is modelled")
            return
        ports = []
        for i, p in enumerate(ctx.seq(obj.get("ports"), "ports")):
            p = ctx.mapping(p, f"ports[{i}]")
            port = ctx.integer(p, "port", f"ports[{i}]", 1, 65535)
            ports.append((p.get("name") or None, port, p.get("protocol", "TCP")))
        eps = []
        for i, e in enumerate(ctx.seq(obj.get("endpoints"), "endpoints")):
            ep = f"endpoints[{i}]"
            e = ctx.mapping(e, ep)
            addrs = ctx.seq(e.get("addresses"), join(ep, "addresses"))
            if not addrs:
                ctx.err(join(ep, "addresses"), "Required value: an endpoint needs one address")
                continue
            ip = addrs[0]
            if not is_ip(ip):
                ctx.err(f"{ep}.addresses[0]", f"Invalid value: {ip!r}: must be a valid IPv4 address")
                continue
            cond = ctx.mapping(e.get("conditions"), join(ep, "conditions"))
            ready = cond.get("ready", True) is not False
            eps.append((ip, ready, e.get("nodeName")))
        for sp in svc.ports:
            for pname, port, proto in ports:
                if pname == sp.name and proto == sp.protocol and port:
                    have = {e.key for e in sp.endpoints}
                    for ip, ready, node_name in eps:
                        if not ready and not svc.publish_not_ready:
                            continue
                        pod = self.scn.pod_by_ip.get(ip)
                        if node_name is None:
                            node = pod.node if pod else self.scn.node_for_pod_ip(ip) or self.scn.node_by_ip.get(ip)
                            node_name = node.name if node else None
                        if f"{ip}:{port}" not in have:
                            sp.endpoints.append(Endpoint(ip, port, ready, node_name, pod))

    # -- Docker hosts -----------------------------------------------------------------------------
    def _docker_host(self, ctx: _Ctx, obj: dict) -> None:
        meta = ctx.mapping(obj.get("metadata"), "metadata", required=True)
        name = ctx.string(meta, "name", "metadata", required=True)
        spec = ctx.mapping(obj.get("spec"), "spec", required=True)
        if name is None:
            return
        if not _DNS1123_SUBDOMAIN.match(name):
            ctx.err("metadata.name", f"Invalid value: {name!r}: use a lowercase host name")
            return
        if name in self.scn.hosts or name in self.scn.nodes:
            ctx.err("metadata.name", f"a host or node named {name!r} already exists; give each machine its own name")
            return
        for k in spec:
            if k not in ("ip", "commands"):
                ctx.err(join("spec", k), "unknown field; a DockerHost takes ip and commands")
        ip = ctx.string(spec, "ip", "spec", required=True)
        if ip is None:
            return
        if not is_ip(ip):
            ctx.err("spec.ip", f"Invalid value: {ip!r}: must be a valid IPv4 address")
            return
        if ip in self.lan_ips:
            ctx.err("spec.ip", f"address {ip} is already used by {self.lan_ips[ip]}")
            return
        host = DockerHost(name, ip, ctx.doc.index)
        builder = dk.DockerBuilder(host)
        for i, line in enumerate(ctx.seq(spec.get("commands"), "spec.commands")):
            path = f"spec.commands[{i}]"
            if not isinstance(line, str):
                ctx.err(path, "each command must be a string (a docker command line)")
                continue
            try:
                builder.apply(line, i)
            except dk.CommandError as exc:
                ctx.err(path, str(exc))
        for net in host.networks.values():
            if net.subnet is not None and (net.subnet.overlaps(self.scn.cluster.cluster_cidr) and self.scn.nodes):
                self.scn.warnings.append(f"{host.ref}: network {net.name} {net.subnet} overlaps the cluster CIDR")
        self.scn.hosts[name] = host
        self.lan_ips[ip] = host.ref
        self.scn.warnings.extend(f"{host.ref}: {w}" for w in host.warnings)

    def _index_docker(self) -> None:
        for host in self.scn.hosts.values():
            self.scn.host_by_ip[host.ip] = host
            for c in host.containers.values():
                self.scn.containers.setdefault(c.name, []).append(c)


def _build(docs: list[Document], source: str) -> Scenario:
    b = _Builder(docs, source)
    scn = b.build()
    if b.problems:
        raise ScenarioError(b.problems, source)
    return scn

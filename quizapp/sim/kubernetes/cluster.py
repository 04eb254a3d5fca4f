"""``kind: Cluster`` (apiVersion quizapp.io/v1): cluster-wide settings, at most one, every field optional::

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
      networkPolicy: ignored          # enforced: the network plugin implements NetworkPolicy (Calico, Cilium,
                                      # kube-router, flannel's netpol option); ignored: flannel alone
      serviceRouteVia: n1             # the LAN routes the service CIDR to node n1 (a static route, or the
                                      # ClusterIPs advertised by BGP): outside clients reach Cluster IPs
      loadBalancer: metallb           # externalTrafficPolicy Local with no healthy node: metallb (nobody
                                      # announces the address) or cloud (GCE, AWS NLB: sent to every node)
"""

from __future__ import annotations

import re

from ..core.context import Ctx
from ..core.model import Scenario
from ..core.netutil import network
from ..core.source import join
from quizapp.words import say


def build_cluster(scn: Scenario, items: list[tuple[Ctx, dict]]) -> None:
    """Apply the scenario's ``kind: Cluster`` document (if any) over kubeadm's and flannel's defaults."""
    c = scn.cluster
    c.cluster_cidr = network("10.244.0.0/16")
    c.service_cidr = network("10.96.0.0/12")
    for n, (ctx, obj) in enumerate(items):
        if n > 0:
            ctx.err("kind", say('only one kind: Cluster document is allowed per scenario'))
            continue
        meta = ctx.mapping(obj.get("metadata"), "metadata")
        c.name = ctx.string(meta, "name", "metadata", default="cluster") or "cluster"
        spec = ctx.mapping(obj.get("spec"), "spec")
        known = {"clusterCIDR", "serviceCIDR", "hairpinMode", "backend", "clusterDomain", "nodePortRange", "ipMasq",
                 "networkPolicy", "loadBalancer", "serviceRouteVia"}
        for k in spec:
            if k not in known:
                ctx.err(join("spec", k), say('unknown field; Cluster takes {known}', known=', '.join(sorted(known))))
        for key, attr in (("clusterCIDR", "cluster_cidr"), ("serviceCIDR", "service_cidr")):
            v = ctx.string(spec, key, "spec")
            if v is not None:
                try:
                    setattr(c, attr, network(v))
                except ValueError as exc:
                    ctx.err(join("spec", key), say('Invalid value: {v}: {exc}', v=repr(v), exc=exc))
        if c.cluster_cidr.overlaps(c.service_cidr):
            ctx.err("spec.serviceCIDR", say('the service CIDR {service_cidr} overlaps the cluster (pod) CIDR {cluster_cidr}', service_cidr=c.service_cidr, cluster_cidr=c.cluster_cidr))
        c.hairpin_mode = ctx.boolean(spec, "hairpinMode", "spec", True)
        c.ip_masq = ctx.boolean(spec, "ipMasq", "spec", True)
        backend = ctx.string(spec, "backend", "spec", default="vxlan")
        if backend not in ("vxlan", "host-gw"):
            ctx.err("spec.backend", say('Unsupported value: {backend}: supported values: "vxlan", "host-gw"', backend=repr(backend)))
        else:
            c.backend = backend
        policy = ctx.string(spec, "networkPolicy", "spec", default="ignored")
        if policy not in ("enforced", "ignored"):
            ctx.err("spec.networkPolicy", say('Unsupported value: {policy}: supported values: "enforced" (Calico, Cilium, kube-router, flannel with netpol), "ignored" (flannel alone)', policy=repr(policy)))
        else:
            c.network_policy = policy
        lb = ctx.string(spec, "loadBalancer", "spec", default="metallb")
        if lb not in ("metallb", "cloud"):
            ctx.err("spec.loadBalancer", say('Unsupported value: {lb}: supported values: "metallb" (only nodes with a ready local endpoint announce a Local Service), "cloud" (all nodes when none is healthy)', lb=repr(lb)))
        else:
            c.load_balancer = lb
        c.service_route_via = ctx.string(spec, "serviceRouteVia", "spec")  # checked against the Nodes later
        c.domain = (ctx.string(spec, "clusterDomain", "spec", default="cluster.local") or "cluster.local").rstrip(".")
        rng = spec.get("nodePortRange")
        if rng is not None:
            m = re.match(r"^\s*(\d+)\s*-\s*(\d+)\s*$", str(rng))
            if not m or not (1 <= int(m.group(1)) <= int(m.group(2)) <= 65535):
                ctx.err("spec.nodePortRange", say('Invalid value: {rng}: write it as LOW-HIGH, e.g. 30000-32767', rng=repr(rng)))
            else:
                c.node_port_range = (int(m.group(1)), int(m.group(2)))

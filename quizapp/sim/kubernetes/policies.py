"""Building the scenario's Namespaces, NetworkPolicies and kube-proxy configuration.

* ``Namespace`` documents give namespaces their labels (plus the automatic ``kubernetes.io/metadata.name``),
  which ``namespaceSelector`` peers match.
* ``NetworkPolicy`` documents are parsed with the API server's checks (:mod:`.netpol_parse`). Whether they
  act depends on the network plugin: ``kind: Cluster`` ``spec.networkPolicy: enforced`` (Calico, Cilium,
  kube-router, flannel with its netpol option) puts them into :attr:`Scenario.policies`; ``ignored`` (the
  default, flannel alone) keeps them as documents that change nothing, with a warning saying so.
* ``KubeProxyConfiguration`` (at most one): :mod:`.proxyconfig`.
"""

from __future__ import annotations

from ..core.context import Ctx
from ..core.model import Scenario
from ..core.source import join
from .netpol import PolicySet
from .netpol_parse import parse_network_policy
from .proxyconfig import default_proxy_config, parse_proxy_config
from .validation import DNS1123_LABEL
from quizapp.words import say


def build_policies(scn: Scenario, namespaces: list[tuple[Ctx, dict]], policies: list[tuple[Ctx, dict]]) -> None:
    labels: dict[str, dict[str, str]] = {}
    for ctx, obj in namespaces:
        meta = ctx.mapping(obj.get("metadata"), "metadata", required=True)
        name = ctx.string(meta, "name", "metadata", required=True)
        if name is None:
            continue
        if not DNS1123_LABEL.match(name) or len(name) > 63:
            ctx.err("metadata.name", say('Invalid value: {name}: a namespace must be a lowercase RFC 1123 label', name=repr(name)))
            continue
        if name in labels:
            ctx.err("metadata.name", say('namespaces "{name}" already exists', name=name))
            continue
        labels[name] = {**ctx.labels(meta.get("labels"), "metadata.labels"), "kubernetes.io/metadata.name": name}
    parsed = []
    seen: set[tuple[str, str]] = set()
    for ctx, obj in policies:
        pol = parse_network_policy(obj, ctx.err, ctx.doc.index)
        if pol is None:
            continue
        if (pol.namespace, pol.name) in seen:
            ctx.err("metadata.name", say('networkpolicies.networking.k8s.io "{name}" already exists in namespace {namespace}', name=pol.name, namespace=pol.namespace))
            continue
        seen.add((pol.namespace, pol.name))
        parsed.append(pol)
    scn.namespace_labels = labels
    if scn.cluster.network_policy == "enforced":
        scn.policies = PolicySet(parsed, labels)
    elif parsed:
        scn.warning(say("{count} NetworkPolicy object(s) have no effect: the network plugin does not enforce NetworkPolicy (kind: Cluster spec.networkPolicy is ignored, as with flannel alone); set it to enforced for Calico, Cilium, kube-router or flannel's netpol option", count=len(parsed)))


def build_proxy_config(scn: Scenario, items: list[tuple[Ctx, dict]]) -> None:
    scn.proxy = default_proxy_config(scn.cluster.cluster_cidr)
    for n, (ctx, obj) in enumerate(items):
        if n > 0:
            ctx.err("kind", say("only one KubeProxyConfiguration per scenario (every node's kube-proxy reads the same file)"))
            continue

        def warn(path: str, message: str, ctx: Ctx = ctx) -> None:
            scn.warning(say('document {document}, {path}: {message}', document=ctx.doc.index, path=join('', path), message=message))

        scn.proxy = parse_proxy_config(obj, ctx.err, warn)

"""A Service's endpoints: Pods matching its selector (as the EndpointSlice controller picks them) and
hand-written ``kind: EndpointSlice`` documents, in kube-proxy's order."""

from __future__ import annotations

from ..core.context import Ctx
from ..core.model import Scenario
from ..core.netutil import is_ip
from ..core.source import join
from .model import Endpoint, Pod
from quizapp.words import say


class EndpointBuilder:
    """Fills every Service port's endpoints: :meth:`select` from selectors, :meth:`add_slice` per
    EndpointSlice document, then :meth:`sort`."""

    def __init__(self, scn: Scenario, label_index: dict[tuple[str, str, str], list[Pod]]):
        self.scn = scn
        self.label_index = label_index

    def select(self) -> None:
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

    def add_slice(self, ctx: Ctx, obj: dict) -> None:
        meta = ctx.mapping(obj.get("metadata"), "metadata", required=True)
        ns = ctx.string(meta, "namespace", "metadata", default="default") or "default"
        labels = ctx.labels(meta.get("labels"), "metadata.labels")
        svc_name = labels.get("kubernetes.io/service-name")
        if not svc_name:
            ctx.err("metadata.labels", say('an EndpointSlice needs the label kubernetes.io/service-name naming its Service'))
            return
        svc = self.scn.services.get((ns, svc_name))
        if svc is None:
            ctx.err('metadata.labels["kubernetes.io/service-name"]', say('no Service {ns}/{svc_name} in the scenario', ns=ns, svc_name=svc_name))
            return
        at = obj.get("addressType", "IPv4")
        if at != "IPv4":
            ctx.err("addressType", say('Unsupported value: {at}: only IPv4 is modelled', at=repr(at)))
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
                ctx.err(join(ep, "addresses"), say('Required value: an endpoint needs one address'))
                continue
            ip = addrs[0]
            if not is_ip(ip):
                ctx.err(f"{ep}.addresses[0]", say('Invalid value: {ip}: must be a valid IPv4 address', ip=repr(ip)))
                continue
            cond = ctx.mapping(e.get("conditions"), join(ep, "conditions"))
            # kube-proxy: ready unset means true; serving unset means "as ready"; terminating unset means false
            ready = cond.get("ready") is not False
            serving = cond["serving"] if isinstance(cond.get("serving"), bool) else ready
            terminating = cond.get("terminating") is True
            eps.append((ip, ready, serving, terminating, e.get("nodeName")))
        for sp in svc.ports:
            for pname, port, proto in ports:
                if pname == sp.name and proto == sp.protocol and port:
                    have = {e.key for e in sp.endpoints}
                    for ip, ready, serving, terminating, node_name in eps:
                        ready = ready or svc.publish_not_ready
                        if not ready and not (serving and terminating):
                            continue  # neither ready nor a serving-terminating fallback: kube-proxy ignores it
                        pod = self.scn.pod_by_ip.get(ip)
                        if node_name is None:
                            node = pod.node if pod else self.scn.node_for_pod_ip(ip) or self.scn.node_by_ip.get(ip)
                            node_name = node.name if node else None
                        if f"{ip}:{port}" not in have:
                            sp.endpoints.append(Endpoint(ip, port, ready, node_name, pod, serving, terminating))

    def sort(self) -> None:
        """kube-proxy orders endpoints by their "ip:port" string."""
        for svc in self.scn.services.values():
            for sp in svc.ports:
                sp.endpoints.sort(key=lambda e: e.key)

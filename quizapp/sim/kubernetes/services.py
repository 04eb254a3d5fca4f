"""``kind: Service``: validation as the API server does it, then ClusterIP and nodePort allocation."""

from __future__ import annotations

from ..core.context import BuildState, Ctx
from ..core.errors import Problem
from ..core.netutil import int_ip, ip_int, is_ip, network
from ..core.source import join
from .model import Service, ServicePort
from .validation import DNS1035_LABEL, DNS1123_LABEL, DNS1123_SUBDOMAIN, PROTOCOLS, iana_ok
from quizapp.words import say


class ServiceBuilder:
    """Reads Service documents (:meth:`add`), then allocates the unset ClusterIPs and nodePorts and indexes the
    Services by virtual IP, load-balancer IP, nodePort and DNS name (:meth:`allocate`)."""

    def __init__(self, state: BuildState):
        self.scn = state.scn
        self.problems = state.problems
        self._vips: dict[str, str] = {}  # cluster IP -> "service ns/name"
        self._nodeports: dict[int, tuple] = {}  # nodePort -> ((ns, name), "service ns/name")

    def add(self, ctx: Ctx, obj: dict) -> None:
        meta = ctx.mapping(obj.get("metadata"), "metadata", required=True)
        name = ctx.string(meta, "name", "metadata", required=True)
        ns = ctx.string(meta, "namespace", "metadata", default="default") or "default"
        spec = ctx.mapping(obj.get("spec"), "spec", required=True)
        status = ctx.mapping(obj.get("status"), "status")
        if name is None:
            return
        if not DNS1035_LABEL.match(name) or len(name) > 63:
            ctx.err("metadata.name", say("Invalid value: {name}: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with a letter and end with an alphanumeric character", name=repr(name)))
            return
        if (ns, name) in self.scn.services:
            ctx.err("metadata.name", say('services "{name}" already exists in namespace {ns} (document {doc})', name=name, ns=ns, doc=self.scn.services[ns, name].doc))
            return
        ok = True
        stype = ctx.string(spec, "type", "spec", default="ClusterIP")
        if stype not in ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"):
            ctx.err("spec.type", say('Unsupported value: {stype}: supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"', stype=repr(stype)))
            return
        cip = spec.get("clusterIP")
        headless = cip == "None"
        if cip is not None and not headless:
            if not isinstance(cip, str) or not is_ip(cip):
                ctx.err("spec.clusterIP", say('Invalid value: {cip}: must be a valid IP address or None', cip=repr(cip)))
                ok = False
            elif stype == "ExternalName":
                ctx.err("spec.clusterIP", say('Forbidden: may not be set for ExternalName services'))
                ok = False
            elif not self.scn.in_service_cidr(cip):
                ctx.err("spec.clusterIP", say('Invalid value: {cip}: provided IP is not in the valid range; the service CIDR is {service_cidr}', cip=repr(cip), service_cidr=self.scn.cluster.service_cidr))
                ok = False
            elif cip in self._vips:
                ctx.err("spec.clusterIP", say('Invalid value: {cip}: provided IP is already allocated (to {owner})', cip=repr(cip), owner=self._vips[cip]))
                ok = False
        if headless and stype != "ClusterIP":
            ctx.err("spec.clusterIP", say('Invalid value: "None": may not be set to \'None\' for {stype} services', stype=stype))
            ok = False
        ext_name = None
        if stype == "ExternalName":
            ext_name = ctx.string(spec, "externalName", "spec", required=True)
            if ext_name is not None and not DNS1123_SUBDOMAIN.match(ext_name.rstrip(".").lower()):
                ctx.err("spec.externalName", say('Invalid value: {ext_name}: must be a DNS name', ext_name=repr(ext_name)))
                ok = False
        etp = ctx.string(spec, "externalTrafficPolicy", "spec")
        if etp is not None:
            if etp not in ("Cluster", "Local"):
                ctx.err("spec.externalTrafficPolicy", say('Unsupported value: {etp}: supported values: "Cluster", "Local"', etp=repr(etp)))
                ok = False
            elif stype not in ("NodePort", "LoadBalancer") and not spec.get("externalIPs"):
                ctx.err("spec.externalTrafficPolicy", say('Invalid value: may only be set for externally-accessible services (type NodePort or LoadBalancer, or with externalIPs)'))
                ok = False
        itp = ctx.string(spec, "internalTrafficPolicy", "spec", default="Cluster")
        if itp not in ("Cluster", "Local"):
            ctx.err("spec.internalTrafficPolicy", say('Unsupported value: {itp}: supported values: "Cluster", "Local"', itp=repr(itp)))
            ok = False
        aff = ctx.string(spec, "sessionAffinity", "spec", default="None")
        if aff not in ("None", "ClientIP"):
            ctx.err("spec.sessionAffinity", say('Unsupported value: {aff}: supported values: "ClientIP", "None"', aff=repr(aff)))
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
            ctx.err("spec.ports", say('Required value: a Service needs at least one port'))
            ok = False
        seen_names: set[str] = set()
        seen_ports: set[tuple[int, str]] = set()
        own_np: set[tuple[int, str]] = set()  # registered only if the whole Service is accepted
        for i, p in enumerate(items):
            pp = f"spec.ports[{i}]"
            p = ctx.mapping(p, pp)
            pname = ctx.string(p, "name", pp)
            if len(items) > 1 and not pname:
                ctx.err(join(pp, "name"), say('Required value: every port of a multi-port Service must be named'))
                ok = False
            if pname:
                if not DNS1123_LABEL.match(pname) or len(pname) > 63:
                    ctx.err(join(pp, "name"), say('Invalid value: {pname}: must be a lowercase RFC 1123 label', pname=repr(pname)))
                    ok = False
                elif pname in seen_names:
                    ctx.err(join(pp, "name"), say('Duplicate value: {pname}', pname=repr(pname)))
                    ok = False
                seen_names.add(pname)
            port = ctx.integer(p, "port", pp, 1, 65535, required=True)
            proto = ctx.string(p, "protocol", pp, default="TCP")
            if proto not in PROTOCOLS:
                ctx.err(join(pp, "protocol"), say('Unsupported value: {proto}: supported values: "SCTP", "TCP", "UDP"', proto=repr(proto)))
                ok = False
                continue
            if port is None:
                ok = False
                continue
            if (port, proto) in seen_ports:
                ctx.err(join(pp, "port"), say('Duplicate value: {port}/{proto}: each port/protocol may appear once', port=port, proto=proto))
                ok = False
            seen_ports.add((port, proto))
            tp = p.get("targetPort", port)
            if isinstance(tp, bool) or not isinstance(tp, (int, str)):
                ctx.err(join(pp, "targetPort"), say('Invalid value: {tp}: must be a port number or a port name', tp=repr(tp)))
                ok = False
                continue
            if isinstance(tp, str) and tp.isdigit():
                tp = int(tp)
            if isinstance(tp, int) and not 1 <= tp <= 65535:
                ctx.err(join(pp, "targetPort"), say('Invalid value: {tp}: must be between 1 and 65535, inclusive', tp=tp))
                ok = False
                continue
            if isinstance(tp, str) and not iana_ok(tp):
                ctx.err(join(pp, "targetPort"), say("Invalid value: {tp}: must be a port number or an IANA_SVC_NAME (at most 15 characters, lowercase letters, digits and '-', at least one letter)", tp=repr(tp)))
                ok = False
                continue
            np_ = None
            if p.get("nodePort") is not None:
                if stype not in ("NodePort", "LoadBalancer"):
                    ctx.err(join(pp, "nodePort"), say("Forbidden: may not be used when `type` is '{stype}'", stype=stype))
                    ok = False
                    continue
                lo, hi = self.scn.cluster.node_port_range
                np_ = ctx.integer(p, "nodePort", pp, 0, 65535)
                if np_ is None:
                    ok = False
                    continue
                if not lo <= np_ <= hi:
                    ctx.err(join(pp, "nodePort"), say('Invalid value: {node_port}: provided port is not in the valid range. The range of valid ports is {lo}-{hi}', node_port=np_, lo=lo, hi=hi))
                    ok = False
                    continue
                owner = self._nodeports.get(np_)
                if owner is not None:
                    ctx.err(join(pp, "nodePort"), say('Invalid value: {node_port}: provided port is already allocated (to {owner})', node_port=np_, owner=owner[1]))
                    ok = False
                    continue
                if (np_, proto) in own_np:
                    ctx.err(join(pp, "nodePort"), say('Duplicate value: {node_port}/{proto}', node_port=np_, proto=proto))
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
                        ctx.err(f"status.loadBalancer.ingress[{i}].ip", say('Invalid value: {ip}: must be a valid IPv4 address', ip=repr(ip)))
                        ok = False
                    else:
                        lb_ips.append(ip)
        external_ips = []
        for i, ip in enumerate(ctx.seq(spec.get("externalIPs"), "spec.externalIPs")):
            path = f"spec.externalIPs[{i}]"
            if stype == "ExternalName" or headless:
                ctx.err(path, say('not modelled: externalIPs on an ExternalName or headless Service (kube-proxy ignores them)'))
                ok = False
            elif not isinstance(ip, str) or not is_ip(ip):
                ctx.err(path, say('Invalid value: {ip}: an IPv4 address (IPv6 is not modelled)', ip=repr(ip)))
                ok = False
            elif self.scn.in_service_cidr(ip) or self.scn.in_cluster_cidr(ip):
                ctx.err(path, say('Invalid value: {ip}: an external IP outside the service and Pod CIDRs', ip=repr(ip)))
                ok = False
            else:
                external_ips.append(ip)
        hc_port = ctx.integer(spec, "healthCheckNodePort", "spec", 1, 65535)
        if hc_port is not None and not (stype == "LoadBalancer" and etp == "Local"):
            ctx.err("spec.healthCheckNodePort", say("Invalid value: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
            ok = False
        elif hc_port is not None and hc_port in self._nodeports:
            ctx.err("spec.healthCheckNodePort", say('Invalid value: {hc_port}: provided port is already allocated (to {owner})', hc_port=hc_port, owner=self._nodeports[hc_port][1]))
            ok = False
        source_ranges = self._source_ranges(ctx, spec, stype)
        if source_ranges is None:
            ok = False
        if self.scn.proxy.mode == "nftables" and aff == "ClientIP":
            ctx.err("spec.sessionAffinity", say("not modelled: sessionAffinity in kube-proxy's nftables mode (modelled in iptables and ipvs mode)"))
            ok = False
        if not ok:
            return
        svc = Service(ns, name, stype, None if headless else cip, headless, ports, selector,
                      etp or "Cluster", itp or "Cluster", aff or "None", timeout, ext_name, lb_ips,
                      bool(spec.get("publishNotReadyAddresses")), ctx.doc.index)
        if svc.cluster_ip:
            self._vips[svc.cluster_ip] = f"service {ns}/{name}"
        for np_, _proto in own_np:
            self._nodeports[np_] = ((ns, name), f"service {ns}/{name}")
        svc.lb_source_ranges = source_ranges or []
        svc.external_ips = external_ips
        svc.health_check_node_port = hc_port
        if hc_port is not None:  # from the nodePort range's allocator, like a nodePort
            self._nodeports[hc_port] = ((ns, name), f"service {ns}/{name} (healthCheckNodePort)")
            self.scn.health_ports[hc_port] = svc
        self.scn.services[(ns, name)] = svc

    @staticmethod
    def _source_ranges(ctx: Ctx, spec: dict, stype: str) -> list | None:
        """``spec.loadBalancerSourceRanges``: the client CIDRs kube-proxy lets reach the load-balancer IPs."""
        items = ctx.seq(spec.get("loadBalancerSourceRanges"), "spec.loadBalancerSourceRanges")
        if items and stype != "LoadBalancer":
            ctx.err("spec.loadBalancerSourceRanges", say("Forbidden: may only be used when `type` is 'LoadBalancer'"))
            return None
        out = []
        for i, text in enumerate(items):
            path = f"spec.loadBalancerSourceRanges[{i}]"
            if not isinstance(text, str) or ":" in text:
                ctx.err(path, say('Invalid value: {text}: an IPv4 CIDR (IPv6 is not modelled)', text=repr(text)))
                return None
            try:
                out.append(network(text.strip(), strict=False))
            except ValueError as exc:
                ctx.err(path, say('Invalid value: {text}: {exc}', text=repr(text), exc=exc))
                return None
        return out

    def allocate(self) -> None:
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
                            self.problems.append(Problem(svc.doc, None, "spec.ports", say('no free nodePort left in the range')))
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
            for ip in svc.external_ips:  # kube-proxy intercepts them on every node; reaching a node is the admin's job
                for sp in svc.ports:
                    scn.ext_index[(ip, sp.port, sp.protocol.lower())] = (svc, sp)
            for sp in svc.ports:
                if sp.node_port:
                    scn.nodeport_index[(sp.node_port, sp.protocol.lower())] = (svc, sp)
            d = scn.cluster.domain
            scn.dns[f"{svc.name}.{svc.namespace}.svc.{d}"] = svc

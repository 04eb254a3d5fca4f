"""Trace steps: cluster DNS as a Pod's resolver sees it (search path, headless Services, ExternalName)."""

from __future__ import annotations

from ..core.netutil import ip_int, is_ip
from ..core.packet import Done
from ..core.result import EndpointRef
from .model import Pod, Service
from .names import pod_name


class KubernetesDns:
    """Mixin of the tracer (:mod:`quizapp.sim.trace`): CoreDNS answers for Services."""

    def _cluster_dns(self, pod: Pod, low: str, name: str, where: str) -> str | None:
        d = self.scn.cluster.domain
        ns = pod.namespace
        searches = [f"{ns}.svc.{d}", f"svc.{d}", d]
        tries = [f"{low}.{s}" for s in searches] + [low] if low.count(".") < 5 else [low] + [f"{low}.{s}" for s in searches]
        for fq in tries:
            svc = self.scn.dns.get(fq)
            if svc is None:
                continue
            return self._service_record(svc, fq, name, where, pod)
        return None

    def _service_record(self, svc: Service, fq: str, name: str, where: str, pod: Pod | None, depth: int = 0) -> str:
        if svc.type == "ExternalName":
            target = (svc.external_name or "").rstrip(".").lower()
            self.hop(where, f"{name} -> CNAME {target} (ExternalName Service {svc.namespace}/{svc.name}: DNS only, kube-proxy installs no rules)")
            if is_ip(target):
                return target
            nxt = self.scn.dns.get(target)
            if nxt is not None and depth < 8:
                return self._service_record(nxt, target, target, where, pod, depth + 1)
            ip = self._lan_name(target)
            if ip is not None:
                self.hop(where, f"{target} -> {ip}")
                return ip
            self.hop(where, f"{target}: no address for it inside the scenario (NXDOMAIN)")
            raise Done("nxdomain")
        if svc.headless:
            ips: list[str] = []
            refs: dict[str, EndpointRef] = {}
            for sp in svc.ports:
                for ep in sp.endpoints:
                    if ep.ip not in refs:
                        ips.append(ep.ip)
                        r = self._ep_ref(ep)
                        refs[ep.ip] = EndpointRef(r.kind, r.name, ep.ip, 0)
            if not svc.ports and svc.selector:
                for p in self.scn.pods.values():  # headless without ports: every ready selected Pod
                    if p.namespace == svc.namespace and p.ip and p.ready and all(p.labels.get(k) == v for k, v in svc.selector.items()):
                        if p.ip not in refs:
                            ips.append(p.ip)
                            refs[p.ip] = EndpointRef("pod", pod_name(p), p.ip, 0)
            if not ips:
                self.hop(where, f"{name} -> {fq}: headless Service with no ready endpoints: no A records (NXDOMAIN)")
                raise Done("nxdomain")
            ips.sort(key=ip_int)
            i = self.rng.randrange(len(ips)) if len(ips) > 1 else 0
            self._headless_refs = [refs[ip] for ip in ips]
            self.hop(where, f"{name} -> {fq}: headless Service, A records {', '.join(ips)} (the Pod IPs; no virtual IP); the client uses {ips[i]}")
            return ips[i]
        shown = name if name.lower().rstrip(".") == fq else f"{name} -> {fq}"
        search = f", search path {pod.namespace}.svc.{self.scn.cluster.domain}" if pod is not None and shown != name else ""
        self.hop(where, f"{shown} -> {svc.cluster_ip} (cluster DNS{search})")
        return svc.cluster_ip  # type: ignore[return-value]

"""Trace steps: name resolution from a Pod, as the kubelet sets it up and CoreDNS answers.

The Pod's resolv.conf (:mod:`quizapp.sim.kubernetes.resolver`: dnsPolicy, dnsConfig, ndots:5 and the search
list) decides which names are asked, in which order, and of which server. Each query is a hop. The cluster DNS
server (kube-dns's Cluster IP, the 10th address of the service CIDR as kubeadm sets it) is CoreDNS with the
``kubernetes`` plugin for the cluster domain (authoritative: a name in the zone that matches nothing is
NXDOMAIN; ``pods insecure``) and ``forward . /etc/resolv.conf`` for the rest (here: the LAN's resolver, which
knows the scenario's node and host names). Records (kubernetes.io/docs/concepts/services-networking/dns-pod-service/):

* ``<svc>.<ns>.svc.<domain>``: the Cluster IP; headless: the ready endpoints' addresses; ExternalName: a CNAME;
* ``<hostname>.<svc>.<ns>.svc.<domain>`` for each endpoint of a headless Service: the Pod's ``hostname`` when its
  ``subdomain`` is the Service's name, else its address with dashes (``10-244-1-5``);
* ``<a-b-c-d>.<ns>.pod.<domain>``: the address a-b-c-d (``pods insecure`` answers without looking for a Pod).

When NetworkPolicies are enforced and select the Pod for egress, the query itself needs an egress rule that
allows UDP 53 to CoreDNS's Pods (namespace kube-system, label k8s-app=kube-dns, after kube-proxy's DNAT): without
it the query is dropped and the name does not resolve.
"""

from __future__ import annotations

from ..core.netutil import ip_int, is_ip
from ..core.errors import TraceError
from ..core.upstream import outside_message, upstream_could_answer
from ..core.packet import Done
from ..core.result import EndpointRef
from .model import Pod, Service
from .names import pod_name
from .resolver import NODE_RESOLVER, pod_resolv_conf, query_names
from quizapp.words import Said, say


class CoreDNSPod:
    """CoreDNS's Pods as NetworkPolicy peers see them (they are not in the scenario; their address is some Pod IP)."""

    namespace = "kube-system"
    labels = {"k8s-app": "kube-dns"}
    host_network = False
    named_ports = {("dns", "UDP"): 53, ("dns-tcp", "TCP"): 53, ("metrics", "TCP"): 9153}
    name = "coredns"
    ip = None


COREDNS = CoreDNSPod()


class KubernetesDns:
    """Mixin of the tracer (:mod:`quizapp.sim.trace`): a Pod's resolver and CoreDNS."""

    def _pod_resolve(self, pod: Pod, low: str, name: str, where: str) -> str | None:
        scn = self.scn
        d = scn.cluster.domain
        dns_ip = scn.cluster_dns_ip
        conf = pod_resolv_conf(pod.dns_policy, pod.host_network, pod.namespace, d, dns_ip, pod.dns_config)
        text: Said | str = conf.text()
        if NODE_RESOLVER in text:  # the node's resolver is words, not an address: said in the reader's language
            before, after = text.split(NODE_RESOLVER, 1)
            text = say("{before}{resolver}{after}", before=before, resolver=say("the node's resolver"), after=after)
        self.hop(where, say('/etc/resolv.conf ({why}): {text}', why=conf.reason, text=text))
        server = conf.nameservers[0]
        cluster = server == dns_ip
        if cluster and scn.policies is not None and not pod.host_network:
            self._dns_egress(pod, where)
        asked = server if server != NODE_RESOLVER else say("the node's resolver")
        for q in query_names(name, conf):
            ip = self._dns_answer(q, name, cluster, pod, where, asked)
            if ip is not None:
                return ip
        self.hop(where, say('{name}: every query got NXDOMAIN', name=name))
        raise Done("nxdomain")

    def _dns_egress(self, pod: Pod, where: str) -> None:
        v = self.scn.policies.egress(pod, None, COREDNS, 53, "udp", ip_range=self.scn.cluster.cluster_cidr)
        if not v.isolated:
            return
        if v.allowed:
            self.hop(f"{pod.node.ref} policy (filter FORWARD)", say('DNS query to CoreDNS (kube-system, k8s-app=kube-dns) udp/53: {text}', text=v.words('egress', pod.ref)))
            return
        self.hop(f"{pod.node.ref} policy (filter FORWARD)",
                 say("DNS query to CoreDNS (kube-system Pods labelled k8s-app=kube-dns, udp/53 after kube-proxy's DNAT): {text}; the resolver times out", text=v.words('egress', pod.ref)))
        raise Done("timeout")

    def _dns_answer(self, q: str, name: str, cluster: bool, pod: Pod, where: str, asked: str) -> str | None:
        d = self.scn.cluster.domain
        if cluster and (q == d or q.endswith("." + d)):
            svc = self.scn.dns.get(q)
            if svc is not None:
                return self._service_record(svc, q, name, where, pod, asked=asked)
            hit = self._endpoint_records().get(q)
            if hit is not None:
                ip, ref = hit
                self.hop(where, say("query {q} to {asked}: A {ip} ({ref}, a headless Service's per-Pod record)", q=q, asked=asked, ip=ip, ref=ref))
                self._headless_refs = [EndpointRef(ref.split("/", 1)[0], ref.split("/", 1)[1], ip, 0)]
                return ip
            ip = _pod_record(q, d)
            if ip is not None:
                self.hop(where, say("query {q} to {asked}: A {ip} (CoreDNS 'pods insecure': the address spelled in the name)", q=q, asked=asked, ip=ip))
                return ip
            self.hop(where, say('query {q} to {asked}: NXDOMAIN (CoreDNS is authoritative for {d})', q=q, asked=asked, d=d))
            return None
        ip = self._lan_name(q)
        via = say("{asked}, forwarded upstream", asked=asked) if cluster else asked
        if ip is not None:
            self.hop(where, say('query {q} to {via}: A {ip} ({why})', q=q, via=via, ip=ip, why=self._upstream_what(q)))
            return ip
        if upstream_could_answer(q, self._own_labels()):
            raise TraceError(outside_message(q, pod.ref))
        self.hop(where, say('query {q} to {via}: NXDOMAIN', q=q, via=via))
        return None

    def _external_target(self, svc: Service, target: str, fq: str, where: str) -> str | None:
        """The CNAME target of an ExternalName Service that is no Service: CoreDNS resolves it itself (its
        ``upstream`` lookup, through ``forward . /etc/resolv.conf`` for names outside the cluster domain) and
        answers the CNAME with the target's A records."""
        d = self.scn.cluster.domain
        ip = self._lan_name(target)
        if ip is not None:
            self.hop(where, say('{target} -> {ip} (CoreDNS resolves the CNAME target upstream: a machine on the LAN)', target=target, ip=ip))
            return ip
        if target == d or target.endswith("." + d):
            self.hop(where, say('{target}: CoreDNS is authoritative for {d} and has no such record: the answer is the CNAME with NXDOMAIN, and the resolver goes on with the next name', target=target, d=d))
            return None
        if target == "invalid" or target.endswith(".invalid"):
            self.hop(where, say('{target}: .invalid is reserved (RFC 6761) and never resolves: the answer is the CNAME with NXDOMAIN, and the resolver goes on with the next name', target=target))
            return None
        raise TraceError(
            say('{fq} is ExternalName Service {namespace}/{name}: CoreDNS answers CNAME {target} and looks {target} up upstream (forward . /etc/resolv.conf); that name, its address and the machine behind it are outside the scenario, so the connection is not traced further (a real cluster would resolve it and connect there; to trace it, add the machine as a DockerHost or Node and point externalName at its name)', fq=fq, namespace=svc.namespace, name=svc.name, target=target))

    def _endpoint_records(self) -> dict[str, tuple[str, str]]:
        """``hostname-or-dashed-ip.svc.ns.svc.domain`` -> (address, ref) for every headless Service (cached)."""
        cache = getattr(self.scn, "_endpoint_records", None)
        if cache is not None:
            return cache
        d = self.scn.cluster.domain
        cache = {}
        for svc in self.scn.services.values():
            if not svc.headless:
                continue
            for pod in _headless_pods(self.scn, svc):
                label = pod.hostname if pod.hostname and pod.subdomain == svc.name else pod.ip.replace(".", "-")
                cache[f"{label}.{svc.name}.{svc.namespace}.svc.{d}"] = (pod.ip, f"pod/{pod_name(pod)}")
        self.scn._endpoint_records = cache
        return cache

    def _service_record(self, svc: Service, fq: str, name: str, where: str, pod: Pod | None, depth: int = 0,
                        asked: str = "cluster DNS") -> str | None:
        if svc.type == "ExternalName":
            target = (svc.external_name or "").rstrip(".").lower()
            self.hop(where, say('query {fq} to {asked}: CNAME {target} (ExternalName Service {namespace}/{name}: DNS only, kube-proxy installs no rules)', fq=fq, asked=asked, target=target, namespace=svc.namespace, name=svc.name))
            if is_ip(target):
                return target
            nxt = self.scn.dns.get(target)
            if nxt is not None and depth < 8:
                return self._service_record(nxt, target, target, where, pod, depth + 1, asked)
            return self._external_target(svc, target, fq, where)
        if svc.headless:
            refs: dict[str, EndpointRef] = {}
            for sp in svc.ports:
                for ep in sp.endpoints:
                    if ep.ready and ep.ip not in refs:
                        r = self._ep_ref(ep)
                        refs[ep.ip] = EndpointRef(r.kind, r.name, ep.ip, 0)
            for p in _headless_pods(self.scn, svc):
                refs.setdefault(p.ip, EndpointRef("pod", pod_name(p), p.ip, 0))
            ips = sorted(refs, key=ip_int)
            if not ips:
                self.hop(where, say('query {fq} to {asked}: headless Service with no ready endpoints: no A records (NXDOMAIN)', fq=fq, asked=asked))
                raise Done("nxdomain")
            i = self.rng.randrange(len(ips)) if len(ips) > 1 else 0
            self._headless_refs = [refs[ip] for ip in ips]
            self.hop(where, say('query {fq} to {asked}: headless Service, A records {ips} (the Pod IPs; no virtual IP); the client uses {ip}', fq=fq, asked=asked, ips=', '.join(ips), ip=ips[i]))
            return ips[i]
        self.hop(where, say("query {fq} to {asked}: A {cluster_ip} (Service {namespace}/{name}'s Cluster IP)", fq=fq, asked=asked, cluster_ip=svc.cluster_ip, namespace=svc.namespace, name=svc.name))
        return svc.cluster_ip  # type: ignore[return-value]


def _headless_pods(scn, svc: Service) -> list[Pod]:
    """The Pods behind a headless Service's A records: its endpoints, or (no ports) every ready selected Pod."""
    seen: dict[str, Pod] = {}
    for sp in svc.ports:
        for ep in sp.endpoints:
            if ep.ready and ep.pod is not None and ep.ip not in seen:
                seen[ep.ip] = ep.pod
    if not svc.ports and svc.selector:
        for p in scn.pods.values():
            if (p.namespace == svc.namespace and p.ip and p.ready and not p.host_network
                    and all(p.labels.get(k) == v for k, v in svc.selector.items())):
                seen.setdefault(p.ip, p)
    return list(seen.values())


def _pod_record(q: str, domain: str) -> str | None:
    """``a-b-c-d.<ns>.pod.<domain>`` -> a.b.c.d."""
    parts = q[: -len(domain) - 1].split(".") if q.endswith("." + domain) else []
    if len(parts) == 3 and parts[2] == "pod":
        ip = parts[0].replace("-", ".")
        if is_ip(ip):
            return ip
    return None

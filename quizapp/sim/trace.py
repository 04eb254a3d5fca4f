"""Tracing connections through a loaded scenario: :func:`trace`, :func:`trace_series`.

The tracer is the shared steps (:mod:`quizapp.sim.core.tracer`) plus the Kubernetes steps (cluster DNS,
kube-proxy, nodes and Pods) and the Docker steps (embedded DNS, Docker hosts and containers); a packet may cross
from one half to the other over the LAN.
"""

from __future__ import annotations

import random

from .core.errors import TraceError
from .core.model import Scenario
from .core.netutil import is_ip
from .core.packet import Done, Origin
from .core.result import DEFAULT_EXTERNAL_IP, REASONS, EndpointRef, TraceResult, format_trace
from .core.tracer import TracerBase
from .docker.dns import DockerDns, DockerSearch
from .docker.trace import DockerSteps
from .kubernetes.dns import KubernetesDns
from .kubernetes.ipvs_proxy import IpvsProxySteps
from .kubernetes.l7 import HttpRequest, parse_url
from .kubernetes.l7_trace import L7Steps
from .kubernetes.names import sep_chain, svc_chain
from .kubernetes.nft_proxy import NftProxySteps
from .kubernetes.policy_trace import PolicySteps
from .kubernetes.proxy import KubeProxySteps
from .kubernetes.trace import KubernetesSteps
from quizapp.words import say

__all__ = [
    "DEFAULT_EXTERNAL_IP", "REASONS", "EndpointRef", "TraceResult", "format_trace", "sep_chain", "svc_chain",
    "trace", "trace_series",
]


class _Tracer(L7Steps, KubernetesDns, IpvsProxySteps, NftProxySteps, KubeProxySteps, PolicySteps, KubernetesSteps, DockerDns,
              DockerSearch, DockerSteps, TracerBase):
    """One connection through a scenario with both halves."""


def _parse_origin(scn: Scenario, src: str) -> Origin:
    if src == "external" or src.startswith("external:"):
        ip = src.split(":", 1)[1] if ":" in src else DEFAULT_EXTERNAL_IP
        if not is_ip(ip):
            raise TraceError(say('--from {src}: {ip} is not an IPv4 address', src=src, ip=repr(ip)))
        if ip in scn.node_by_ip or ip in scn.host_by_ip or ip in scn.pod_by_ip:
            raise TraceError(say('--from {src}: {ip} belongs to a machine in the scenario; an external client needs an address outside it', src=src, ip=ip))
        return Origin("external", f"external {ip}", ip=ip)
    kind, _, rest = src.partition("/")
    if not rest:
        raise TraceError(say('--from {src}: use external[:IP], node/NAME, pod/NAME, pod/NAMESPACE/NAME, container/NAME or host/NAME', src=repr(src)))
    if kind == "node":
        node = scn.nodes.get(rest)
        if node is None:
            raise TraceError(say('--from {src}: no Node {rest} (nodes: {nodes})', src=src, rest=repr(rest), nodes=', '.join(sorted(scn.nodes)) or 'none'))
        return Origin("node", node.ref, node=node)
    if kind == "pod":
        ns, _, name = rest.rpartition("/")
        ns = ns or "default"
        pod = scn.pods.get((ns, name))
        if pod is None:
            raise TraceError(say('--from {src}: no Pod {name} in namespace {ns}', src=src, name=repr(name), ns=repr(ns)))
        if pod.node is None or pod.ip is None:
            raise TraceError(say('--from {src}: the Pod is Pending (no node could take it) and has no network', src=src))
        return Origin("pod", pod.ref, pod=pod, node=pod.node)
    if kind == "host":
        host = scn.hosts.get(rest)
        if host is None:
            raise TraceError(say('--from {src}: no DockerHost {rest}', src=src, rest=repr(rest)))
        return Origin("host", host.ref, host=host)
    if kind == "container":
        hname, _, cname = rest.rpartition("/")
        if hname:
            host = scn.hosts.get(hname)
            c = host.containers.get(cname) if host else None
            if c is None:
                raise TraceError(say('--from {src}: no container {cname} on host {hname}', src=src, cname=repr(cname), hname=repr(hname)))
        else:
            found = scn.containers.get(cname, [])
            if not found:
                raise TraceError(say('--from {src}: no container {cname}', src=src, cname=repr(cname)))
            if len(found) > 1:
                raise TraceError(say('--from {src}: {count} hosts run a container {cname}; say container/HOST/{cname2}', src=src, count=len(found), cname=repr(cname), cname2=cname))
            c = found[0]
        if not c.running:
            raise TraceError(say('--from {src}: container {name} is stopped (docker stop): it runs no process', src=src, name=c.name))
        return Origin("container", c.ref, container=c, host=c.host)
    raise TraceError(say('--from {src}: unknown source kind {kind}', src=repr(src), kind=repr(kind)))


def _parse_dst(dst: str) -> tuple[str, int, str, HttpRequest | None]:
    """``HOST:PORT[/proto]``, or a URL (``http[s]://host[:port]/path``: TCP, and an HTTP request for the
    Ingress and Gateway proxies on the way)."""
    if "://" in dst:
        req = parse_url(dst)
        return req.host, req.port, "tcp", req
    body, slash, proto = dst.partition("/")
    proto = (proto or "tcp").lower()
    if proto not in ("tcp", "udp", "sctp"):
        raise TraceError(say('--to {dst}: protocol must be tcp, udp or sctp', dst=dst))
    host, colon, port = body.rpartition(":")
    if not colon or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise TraceError(say('--to {dst}: use HOST:PORT[/tcp|/udp|/sctp] with a port from 1 to 65535, or a URL http[s]://HOST[:PORT]/PATH', dst=repr(dst)))
    return host, int(port), proto, None


def _trace_one(scn: Scenario, origin: Origin, host: str, port: int, proto: str, rng: random.Random, recent: dict,
               src: str, dst: str, seed: int, http: HttpRequest | None = None) -> TraceResult:
    t = _Tracer(scn, rng, recent)
    t.http = http
    t._headless_refs = None  # type: ignore[attr-defined]
    try:
        t.run(origin, host, port, proto)
        raise AssertionError("trace ended without an outcome")  # pragma: no cover
    except Done as done:
        cands = t.candidates
        if getattr(t, "_headless_refs", None) and not cands:
            cands = [EndpointRef(r.kind, r.name, r.ip, port) for r in t._headless_refs]  # type: ignore[attr-defined]
        delivered = done.reason is None
        return TraceResult(delivered, done.endpoint if delivered else None, cands,
                           done.seen if delivered else None, done.reason, t.hops, src, dst, seed, list(scn.warnings))


def trace(scenario: Scenario, src: str, dst: str, seed: int | None = None) -> TraceResult:
    """Trace one new connection from ``src`` to ``dst``. Load-balanced choices come from ``seed`` (default 0)."""
    seed = 0 if seed is None else int(seed)
    origin = _parse_origin(scenario, src)
    host, port, proto, http = _parse_dst(dst)
    return _trace_one(scenario, origin, host, port, proto, random.Random(seed), {}, src, dst, seed, http)


def trace_series(scenario: Scenario, src: str, dst: str, count: int, seed: int | None = None) -> list[TraceResult]:
    """``count`` successive connections from the same client: one random stream, and kube-proxy's
    ``recent`` table carried from one to the next, so sessionAffinity ClientIP pins the client."""
    seed = 0 if seed is None else int(seed)
    origin = _parse_origin(scenario, src)
    host, port, proto, http = _parse_dst(dst)
    rng = random.Random(seed)
    recent: dict = {}
    return [_trace_one(scenario, origin, host, port, proto, rng, recent, src, dst, seed, http) for _ in range(count)]

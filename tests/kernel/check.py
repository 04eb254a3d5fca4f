"""Compare one simulated trace with what the kernel does for the same connection."""

from __future__ import annotations

from quizapp.sim import trace
from quizapp.sim.trace import _parse_dst

from .netlab import Lab, Outcome

LB_TRIES = 8  # kernel connections for a load-balanced destination


def _kernel_target(dst: str) -> tuple[str, int, str]:
    host, port, proto = _parse_dst(dst)[:3]  # a URL destination also carries its HTTP request
    if host == "localhost":
        host = "127.0.0.1"
    return host, port, proto


def _sim_for_endpoint(scn, src: str, dst: str, ident: str, tries: int = 200):
    for seed in range(tries):
        r = trace(scn, src, dst, seed=seed)
        if r.endpoint is not None and f"{r.endpoint.kind}/{r.endpoint.name}" == ident:
            return r
    return None


def _same(sim, k: Outcome, proto: str, where: str) -> None:
    e = sim.endpoint
    want = f"{e.kind}/{e.name}"
    assert k.identity == want, f"{where}: the kernel delivered to {k.identity}, the simulator to {want}\n{k.detail}"
    assert k.peer == sim.source_ip_seen, (
        f"{where}: {want} saw source {k.peer} in the kernel, the simulator says {sim.source_ip_seen}")
    assert k.local_port == e.port, f"{where}: kernel local port {k.local_port}, simulator {e.port}"
    if proto == "tcp":
        assert k.local_ip == e.ip, f"{where}: kernel local address {k.local_ip}, simulator {e.ip}"


def compare(lab: Lab, scn, src: str, dst: str, seed: int = 0) -> list[Outcome]:
    """Trace ``src -> dst`` with the simulator and for real; assert they agree. Returns the kernel outcomes."""
    sim = trace(scn, src, dst, seed=seed)
    host, port, proto = _kernel_target(dst)
    ns = lab.topo.namespace_of(src)
    where = f"{src} -> {dst}"
    balanced = sim.delivered and len(sim.candidates) > 1
    outcomes = [lab.connect(ns, host, port, proto) for _ in range(LB_TRIES if balanced else 1)]
    proxied = any("docker-proxy" in h["where"] for h in sim.hops)
    for k in outcomes:
        if k.reason == "closed" and sim.reason == "refused" and proxied:
            # the simulator's docker-proxy accepted, met the container's RST and closed the client's
            # connection; the kernel shows exactly that: accepted, then closed without an answer
            continue
        assert k.reason == sim.reason, (
            f"{where}: the kernel says {k.reason or 'delivered to ' + str(k.identity)} ({k.detail}), "
            f"the simulator says {sim.reason or 'delivered'}")
        if not sim.delivered:
            continue
        if balanced:
            names = {f"{c.kind}/{c.name}" for c in sim.candidates}
            assert k.identity in names, f"{where}: the kernel picked {k.identity}, not among the candidates {sorted(names)}"
            other = _sim_for_endpoint(scn, src, dst, k.identity)
            assert other is not None, f"{where}: no seed makes the simulator pick {k.identity}"
            _same(other, k, proto, where)
        else:
            _same(sim, k, proto, where)
    return outcomes

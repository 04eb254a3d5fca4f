"""Benchmark for issue 3 item 7: tracing in a big generated cluster vs. a 3-node one.

Generates (as dicts, through ``load_scenario_documents``) a scenario of 1,000 nodes, 30,000 Pods,
5,000 Services and 1,000 enforced NetworkPolicies, times the load (target < 5 s), then times the same
mix of traces in it and in a 3-node scenario built the same way (3 policies), measured in the same run, and prints both figures and the ratio (target <= 5).

    .venv/bin/python bench/sim_scale.py [--nodes 1000 --pods 30000 --services 5000 --traces 3000 --policies 1000 --mode iptables|nftables|ipvs]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quizapp.sim import load_scenario_documents, trace  # noqa: E402


def generate(nodes: int, pods: int, services: int, policies: int = 0, mode: str = "iptables") -> list[dict]:
    docs: list[dict] = []
    if mode != "iptables":  # kube-proxy's own configuration file
        docs.append({"apiVersion": "kubeproxy.config.k8s.io/v1alpha1", "kind": "KubeProxyConfiguration",
                     "mode": mode, "clusterCIDR": "10.64.0.0/10"})
    for i in range(nodes):
        docs.append({
            "apiVersion": "v1", "kind": "Node", "metadata": {"name": f"node-{i}"},
            "spec": {"podCIDR": f"10.{(i >> 8) + 100}.{i & 255}.0/24"},
            "status": {"addresses": [{"type": "InternalIP", "address": f"172.16.{(i + 1) >> 8}.{(i + 1) & 255}"}]},
        })
    for i in range(pods):
        app = f"app-{i % services}"
        docs.append({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"pod-{i}", "namespace": "default", "labels": {"app": app, "tier": "web"}},
            "spec": {"nodeName": f"node-{i % nodes}",
                     "containers": [{"name": "c", "image": "nginx",
                                     "ports": [{"name": "http", "containerPort": 8080 + (i % 3)}]}]},
        })
    for s in range(services):
        docs.append({
            "apiVersion": "v1", "kind": "Service", "metadata": {"name": f"svc-{s}", "namespace": "default"},
            # the nodePort range holds 2,768 ports, as in a real cluster: every other Service is a NodePort
            "spec": {"type": "NodePort" if s % 2 == 0 else "ClusterIP", "selector": {"app": f"app-{s}"},
                     "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
        })
    # NetworkPolicies, enforced: a default deny, then per app one policy admitting tier=web Pods on "http"
    if policies:
        docs.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                     "metadata": {"name": "default-deny", "namespace": "default"},
                     "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}})
    for p in range(max(policies - 1, 0)):
        docs.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                     "metadata": {"name": f"allow-{p}", "namespace": "default"},
                     "spec": {"podSelector": {"matchLabels": {"app": f"app-{p % services}"}},
                              "ingress": [{"from": [{"podSelector": {"matchLabels": {"tier": "web"}}},
                                                    {"ipBlock": {"cidr": "0.0.0.0/0"}}],
                                           "ports": [{"port": "http"}]}]}})
    docs.append({"apiVersion": "quizapp.io/v1", "kind": "Cluster", "metadata": {"name": "bench"},
                 "spec": {"clusterCIDR": "10.64.0.0/10", "serviceCIDR": "10.200.0.0/16",
                          "networkPolicy": "enforced" if policies else "ignored"}})
    return docs


def trace_mix(scn, n_traces: int, services: int, nodes: int) -> list[tuple[str, str]]:
    """The same kinds of traces in both scenarios: pod -> service name, pod -> ClusterIP, external -> NodePort."""
    svcs = sorted(scn.services.values(), key=lambda s: s.name)
    np_svcs = [s for s in svcs if s.type == "NodePort"]
    pods = sorted(scn.pods.values(), key=lambda p: p.name)
    node_list = scn.sorted_nodes
    mix = []
    for k in range(n_traces):
        svc = svcs[k % len(svcs)]
        pod = pods[(k * 7) % len(pods)]
        node = node_list[(k * 13) % len(node_list)]
        kind = k % 3
        if kind == 0:
            mix.append((f"pod/{pod.name}", f"{svc.name}:80"))
        elif kind == 1:
            mix.append((f"pod/{pod.name}", f"{svc.cluster_ip}:80"))
        else:
            np_svc = np_svcs[k % len(np_svcs)]
            mix.append(("external", f"{node.ip}:{np_svc.ports[0].node_port}"))
    return mix


def time_traces(scn, mix) -> float:
    # warm-up, then best of 3 runs (per-trace microseconds)
    for src, dst in mix[:50]:
        trace(scn, src, dst, seed=1)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for i, (src, dst) in enumerate(mix):
            trace(scn, src, dst, seed=i)
        best = min(best, time.perf_counter() - t0)
    return best / len(mix) * 1e6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--pods", type=int, default=30000)
    ap.add_argument("--services", type=int, default=5000)
    ap.add_argument("--traces", type=int, default=3000)
    ap.add_argument("--policies", type=int, default=1000, help="NetworkPolicies in the big scenario (enforced)")
    ap.add_argument("--mode", choices=("iptables", "nftables", "ipvs"), default="iptables", help="kube-proxy's mode")
    args = ap.parse_args()

    small_docs = generate(3, 90, 15, 3 if args.policies else 0, args.mode)
    small = load_scenario_documents(small_docs, source="bench-small")

    big_docs = generate(args.nodes, args.pods, args.services, args.policies, args.mode)
    t0, c0 = time.perf_counter(), time.process_time()
    big = load_scenario_documents(big_docs, source="bench-big")
    load_s = time.perf_counter() - t0
    load_cpu = time.process_time() - c0  # on a shared machine wall time also counts other processes

    small_us = time_traces(small, trace_mix(small, args.traces, 15, 3))
    big_us = time_traces(big, trace_mix(big, args.traces, args.services, args.nodes))
    ratio = big_us / small_us

    n_pol = len(big.policies.policies) if big.policies is not None else 0
    print(f"big scenario: {len(big.nodes)} nodes, {len(big.pods)} pods, {len(big.services)} services, "
          f"{n_pol} NetworkPolicies (enforced), kube-proxy {big.proxy.mode} mode")
    print(f"load: {load_s:.2f} s wall, {load_cpu:.2f} s CPU (target < 5 s) {'OK' if load_s < 5 else 'TOO SLOW'}")
    print(f"trace, 3-node scenario: {small_us:.1f} us per trace")
    print(f"trace, big scenario:    {big_us:.1f} us per trace")
    print(f"ratio big/small: {ratio:.2f} (target <= 5) {'OK' if ratio <= 5 else 'TOO SLOW'}")
    return 0 if load_s < 5 and ratio <= 5 else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Helpers shared by the simulator tests (pure: no app, no database)."""

from __future__ import annotations

from pathlib import Path

from quizapp.sim import load_scenario, load_scenario_documents, trace

SCENARIOS = Path(__file__).parent / "scenarios"

# The node most Kubernetes test scenarios start with: n1, its pods in 10.244.1.0/24, reached on 192.168.1.11.
NODE_N1 = """\
apiVersion: v1
kind: Node
metadata: {name: n1}
spec: {podCIDR: 10.244.1.0/24}
status: {addresses: [{type: InternalIP, address: 192.168.1.11}]}
"""
# A client pod on n1 in namespace shop (10.244.1.6): the source of the DNS and upstream traces.
SHOP_CLIENT = """\
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop}
spec:
  nodeName: n1
  containers: [{name: c, image: busybox}]
status: {podIP: 10.244.1.6}
"""


def load(name: str, **docker_spec):
    """A test scenario; keyword arguments override fields of its DockerHost documents' spec (engineVersion=...)."""
    path = SCENARIOS / name
    scn = load_scenario(path.read_text(encoding="utf-8"), source=name)
    if not docker_spec:
        return scn
    docs = scn.documents
    for d in docs:
        if isinstance(d, dict) and d.get("kind") == "DockerHost":
            d.setdefault("spec", {}).update(docker_spec)
    return load_scenario_documents(docs, source=f"{name} {docker_spec}")


def seed_for(scn, src: str, dst: str, endpoint_name: str, tries: int = 200) -> int:
    """The first seed whose trace lands on ``endpoint_name`` (to test each branch of a load-balanced choice)."""
    for seed in range(tries):
        r = trace(scn, src, dst, seed=seed)
        if r.endpoint is not None and r.endpoint.name == endpoint_name:
            return seed
    raise AssertionError(f"no seed in {tries} sends {src} -> {dst} to {endpoint_name}")


def wheres(result) -> list[str]:
    return [h["where"] for h in result.hops]


def changes(result, kind: str) -> list[dict]:
    return [h["change"] for h in result.hops if h.get("change", {}).get("type") == kind]

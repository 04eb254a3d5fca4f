"""Helpers shared by the simulator tests (pure: no app, no database)."""

from __future__ import annotations

from pathlib import Path

from quizapp.sim import load_scenario, load_scenario_documents, trace

SCENARIOS = Path(__file__).parent / "scenarios"


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

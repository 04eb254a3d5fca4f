"""Fixtures for the kernel tests: a scenario built for real in network namespaces, torn down whatever happens.

These tests need root, iproute2, iptables and socat. Without them they skip with the reason, unless
QUIZAPP_REQUIRE_ALL=1 (CI), where a missing requirement fails (tests/requirements.py).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from quizapp.sim import load_scenario, load_scenario_documents
from quizapp.sim.rules import topology
from tests.requirements import require

from .netlab import Lab, netns_usable

SCENARIOS = Path(__file__).parent / "scenarios"


@lru_cache(maxsize=1)
def _why_not() -> str | None:
    return netns_usable()


@pytest.fixture(scope="session")
def kernel_ok() -> None:
    why = _why_not()
    require(why is None, why or "")


def load(name: str, docker: dict | None = None, **cluster_spec):
    """A kernel scenario; keyword arguments override fields of its kind: Cluster document, ``docker`` fields of
    its DockerHost documents' spec (e.g. ``{"engineVersion": "20.10"}``)."""
    text = (SCENARIOS / name).read_text(encoding="utf-8")
    scn = load_scenario(text, source=name)
    if not cluster_spec and not docker:
        return scn
    docs = scn.documents
    for d in docs:
        if isinstance(d, dict) and d.get("kind") == "Cluster" and cluster_spec:
            d.setdefault("spec", {}).update(cluster_spec)
        if isinstance(d, dict) and d.get("kind") == "DockerHost" and docker:
            d.setdefault("spec", {}).update(docker)
    return load_scenario_documents(docs, source=f"{name} {cluster_spec or ''} {docker or ''}")


def build_lab(request, scn, tag: str, external_ips: tuple[str, ...] | None = None) -> Lab:
    lab = Lab(topology(scn) if external_ips is None else topology(scn, external_ips), tag)
    request.addfinalizer(lab.close)  # registered before building: a half-built lab is removed too
    lab.build()
    return lab

"""Every hand-written scenario loads (or, for invalid-*.yaml, is refused), and a mixed scenario traces across worlds."""

from __future__ import annotations

import pytest

from quizapp.sim import ScenarioError, load_scenario, trace

from .helpers import SCENARIOS

FILES = sorted(SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_scenario_files(path):
    text = path.read_text(encoding="utf-8")
    if path.name.startswith("invalid-"):
        with pytest.raises(ScenarioError) as info:
            load_scenario(text, source=path.name)
        assert all(p.line is not None and p.document is not None for p in info.value.problems)
    else:
        scn = load_scenario(text, source=path.name)
        assert scn.nodes or scn.hosts


def test_scenario_set_covers_every_kind():
    kinds = set()
    for path in FILES:
        for line in path.read_text().splitlines():
            if line.startswith("kind: ") or line.startswith("  kind: "):
                kinds.add(line.split(":", 1)[1].strip())
    assert {"Node", "Pod", "Service", "Deployment", "EndpointSlice", "DockerHost", "Cluster", "Namespace"} <= kinds


def test_invalid_example_reports_each_problem():
    with pytest.raises(ScenarioError) as info:
        load_scenario((SCENARIOS / "invalid-mistakes.yaml").read_text(), source="invalid-mistakes.yaml")
    paths = [(p.document, p.path) for p in info.value.problems]
    assert paths == [(2, "spec.containers[1].ports[0].containerPort"), (3, "spec.ports[0].nodePort"),
                     (5, "spec.ports[0].nodePort"), (6, "kind"), (7, "spec.commands[1]")]


def test_docker_container_reaches_a_nodeport():
    scn = load_scenario((SCENARIOS / "k8s-full.yaml").read_text())
    r = trace(scn, "container/postgres", "192.168.1.12:30081")
    assert r.delivered and r.source_ip_seen == "192.168.1.60"  # Docker masquerades, Local policy keeps it

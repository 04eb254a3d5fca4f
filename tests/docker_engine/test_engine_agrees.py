"""The simulator against a real Docker Engine: delivered, reason, endpoint and source_ip_seen must match what
really happened (issue 9). One daemon serves every scenario; each scenario starts from no containers and no
user-defined networks."""

from __future__ import annotations

import pytest

from .compare import run_refusal, run_traces
from .scenarios import SCENARIOS

# also `kernel`: like the kernel tests it needs root and network namespaces, and `-m "not kernel"` runs (the
# PostgreSQL pass in CI, quick local runs) skip it
pytestmark = [pytest.mark.docker_engine, pytest.mark.kernel]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_simulator_agrees_with_the_engine(engine, scenario):
    engine.configure(scenario.daemon)  # restarts dockerd only when the daemon.json differs (scenarios are grouped)
    engine.reset()
    if scenario.refused is not None:
        run_refusal(engine, scenario)
        return
    problems = run_traces(engine, scenario)
    assert not problems, f"Docker {engine.version} and the simulator disagree:\n" + "\n".join(problems)


def test_there_are_enough_scenarios():
    assert len(SCENARIOS) >= 40
    assert sum(len(s.checks) for s in SCENARIOS) >= 40

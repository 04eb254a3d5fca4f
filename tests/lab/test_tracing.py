"""The lab's pure tracing: the CLI's text, the offered sources/destinations, problems at their line."""
from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.lab.tracing import LabInputError, describe, run_trace
from quizapp.sandbox import run_sandboxed
from quizapp.sim import format_trace, load_scenario, trace

SCENARIOS = Path(__file__).resolve().parents[1] / "sim" / "scenarios"


def test_trace_matches_the_cli_text_and_json():
    text = (SCENARIOS / "k8s-basic.yaml").read_text()
    answer = run_sandboxed(run_trace, text, "pod/client", "web:80", 0)
    expected = trace(load_scenario(text), "pod/client", "web:80", seed=0)
    assert answer["text"] == format_trace(expected)
    # the lab keeps the hops' message ids (shown in the learner's language); the English is the CLI's JSON
    assert answer["trace"] == expected.to_dict(words=True)
    english = {**answer["trace"], "hops": [{k: v for k, v in h.items() if k != "words"} for h in answer["trace"]["hops"]]}
    assert english == expected.to_dict()


def test_offered_endpoints_are_traceable():
    text = (SCENARIOS / "k8s-basic.yaml").read_text()
    inv = describe(text)
    assert "pod/client" in inv["sources"] and "external" in inv["sources"]
    assert "web:80" in inv["destinations"]
    for destination in inv["destinations"]:
        run_trace(text, "pod/client", destination)  # every offered destination is a valid trace target


def test_docker_scenario_offers_containers_and_published_ports():
    inv = describe((SCENARIOS / "docker-host.yaml").read_text())
    assert any(s.startswith("container/") for s in inv["sources"])
    assert any(s.startswith("host/") for s in inv["sources"])
    assert inv["hosts"] and inv["hosts"][0]["containers"]


def test_invalid_scenario_problems_carry_lines():
    text = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 99999}]\n"
    with pytest.raises(LabInputError) as caught:
        run_sandboxed(run_trace, text, "external", "web:80")
    assert any(line is not None and "port" in message for line, message in caught.value.problems)


def test_alias_is_refused_before_loading():
    with pytest.raises(LabInputError) as caught:
        run_trace("a: &x 1\nb: *x\n", "external", "1.2.3.4:80")
    assert caught.value.problems[0][0] == 1


def test_unknown_source_is_a_problem_not_a_crash():
    text = (SCENARIOS / "k8s-basic.yaml").read_text()
    with pytest.raises(LabInputError, match="cannot trace"):
        run_trace(text, "pod/nobody", "web:80")


def test_ingress_and_gateway_hosts_are_offered_as_urls():
    for name, host in (("k8s-ingress.yaml", "shop.example.com"), ("k8s-gateway.yaml", "shop.example.com")):
        text = (SCENARIOS / name).read_text()
        inv = describe(text)
        assert f"http://{host}/" in inv["destinations"] and f"https://{host}/" in inv["destinations"]
        for destination in (d for d in inv["destinations"] if "://" in d):
            answer = run_trace(text, "external", destination)
            assert any("http" in hop for hop in answer["trace"]["hops"])  # the proxy's L7 hop

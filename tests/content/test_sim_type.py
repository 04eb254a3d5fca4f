"""Sim-checked questions: the simulator computes the key of every variant and refuses wrong or shaky keys."""
from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.checking import check_answer
from quizapp.content import compile_paths, compile_sources
from quizapp.content.sim_type import variant_for
from tests.content.helpers import doc_examples, pack_file

NODE = """apiVersion: v1
kind: Node
metadata: {name: n1}
spec: {podCIDR: 10.244.1.0/24}
status:
  addresses: [{type: InternalIP, address: 192.168.1.11}]
---
apiVersion: v1
kind: Node
metadata: {name: n2}
spec: {podCIDR: 10.244.2.0/24}
status:
  addresses: [{type: InternalIP, address: 192.168.1.12}]
"""
PODS = """---
apiVersion: v1
kind: Pod
metadata: {name: web-1, labels: {app: web}}
spec:
  nodeName: n1
  containers: [{name: web, image: nginx, ports: [{containerPort: 8080}]}]
status: {podIP: 10.244.1.5}
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, labels: {app: web}}
spec:
  nodeName: n2
  containers: [{name: web, image: nginx, ports: [{containerPort: 8080}]}]
status: {podIP: 10.244.2.5}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  externalTrafficPolicy: ${policy}
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]
"""


def sim_question(trace: str, scenario: str = NODE + PODS, qid: str = "sim-q", prompt: str = "Where?") -> str:
    return (f"## A sim question {{#{qid}}}\n\ntype: sim\n\n{prompt}\n\n### Scenario\n\n```yaml\n{scenario}```\n\n"
            f"### Trace\n\n```yaml\n{trace}```\n\n### Explanation\n\nBecause kube-proxy.\n")


def compile_question(text: str):
    return compile_sources([("p/sim.md", pack_file("Sim", text))])


def test_documented_example_computes_a_key_per_variant():
    result = compile_sources([("p/x.md", pack_file("X", doc_examples()[-1]))])
    assert result.ok, [str(p) for p in result.problems]
    data = result.bank.questions[0].data
    assert len(data["variants"]) == 6  # 3 nodePorts x 2 targetPorts
    keys = {(v["params"]["nodePort"], v["params"]["targetPort"]): v["key"] for v in data["variants"]}
    assert keys[(31000, 9376)] == "10.244.1.5:9376"
    assert data["variants"][0]["trace"]["hops"], "each variant keeps the simulator's trace"


def test_endpoint_ask_accepts_every_candidate_and_source_ip_is_pinned_by_policy():
    trace = "from: external\nto: 192.168.1.11:30080\nask: endpoint\nvary:\n  policy: [Cluster, Local]\n"
    data = compile_question(sim_question(trace)).bank.questions[0].data
    by_policy = {v["params"]["policy"]: v["accepted"] for v in data["variants"]}
    assert by_policy == {"Cluster": ["10.244.1.5:8080", "10.244.2.5:8080"], "Local": ["10.244.1.5:8080"]}

    local_source = "from: external:198.51.100.7\nto: 192.168.1.11:30080\nask: source_ip\nvary:\n  policy: [Local]\n"
    data = compile_question(sim_question(local_source)).bank.questions[0].data
    assert data["variants"][0]["accepted"] == "198.51.100.7"  # Local keeps the client's address


def test_answer_that_depends_on_the_load_balancer_pick_is_refused():
    # Under Cluster policy the source seen is cni0's address on n1 but flannel.1's on n2: no single key.
    trace = "from: external\nto: 192.168.1.11:30080\nask: source_ip\nvary:\n  policy: [Cluster]\n"
    result = compile_question(sim_question(trace))
    assert not result.ok
    problem = result.problems[0]
    assert problem.path == "p/sim.md" and "depends on which endpoint is picked" in problem.message
    assert "variant policy=Cluster" in problem.message


def test_a_wrong_expected_key_fails_the_build_with_the_trace_line():
    trace = ("from: external\nto: 192.168.1.12:30080\nask: endpoint\nexpect: 10.244.2.5:8080\n"
             "vary:\n  policy: [Local, Cluster]\n")
    text = sim_question(trace)
    result = compile_question(text)
    assert len(result.problems) == 1
    problem = result.problems[0]
    trace_line = pack_file("Sim", text).decode().splitlines().index("from: external") + 1
    assert problem.line == trace_line
    assert "simulator disagrees with `expect: 10.244.2.5:8080` (variant policy=Cluster)" in problem.message
    assert "10.244.1.5:8080 or 10.244.2.5:8080" in problem.message


def test_invalid_scenario_in_one_variant_points_into_the_scenario_block():
    trace = "from: external\nto: 192.168.1.11:${port}\nask: outcome\nvary:\n  port: [30080]\n  policy: [Local]\n"
    scenario = (NODE + PODS).replace("nodePort: 30080", "nodePort: ${port}").replace("[30080]", "[30080]")
    ok = compile_question(sim_question(trace, scenario))
    assert ok.ok
    bad = sim_question(trace.replace("[30080]", "[30080, 40000]"), scenario)
    result = compile_question(bad)
    assert not result.ok
    problem = result.problems[0]
    line_text = pack_file("Sim", bad).decode().splitlines()[problem.line - 1]
    assert "nodePort" in line_text
    assert "variant policy=Local, port=40000" in problem.message and "spec.ports[0].nodePort" in problem.message


def test_endpoint_ask_on_undelivered_traffic_is_refused():
    trace = "from: external\nto: 10.96.0.10:80\nask: endpoint\nvary:\n  policy: [Local]\n"
    result = compile_question(sim_question(trace))
    assert "not delivered" in result.problems[0].message and "ask `outcome` instead" in result.problems[0].message


def test_undefined_parameter_and_bad_ask_are_reported():
    result = compile_question(sim_question("from: external\nto: 192.168.1.11:${nope}\nask: endpoint\n"))
    assert any("`${nope}` is used but `vary:` does not define it" in p.message for p in result.problems)
    result = compile_question(sim_question("from: external\nto: 192.168.1.11:30080\nask: colour\n"))
    assert any("`ask:` must be one of" in p.message for p in result.problems)


def test_scenario_file_next_to_the_markdown(tmp_path: Path):
    (tmp_path / "cluster.yaml").write_text((NODE + PODS).replace("${policy}", "Local"))
    question = ("## From file {#sim-file}\n\ntype: sim\n\nWhere?\n\n### Trace\n\n```yaml\nscenario: cluster.yaml\n"
                "from: external\nto: 192.168.1.12:30080\nask: name\nexpect: web-2\n```\n\n"
                "### Explanation\n\nLocal.\n")
    (tmp_path / "topic.md").write_bytes(pack_file("T", question))
    result = compile_paths([tmp_path])
    assert result.ok, [str(p) for p in result.problems]
    assert result.bank.questions[0].data["variants"][0]["accepted"] == ["web-2"]

    (tmp_path / "topic.md").write_bytes(pack_file("T", question.replace("cluster.yaml", "../etc/passwd")))
    result = compile_paths([tmp_path])
    assert "scenario file '../etc/passwd' was not found" in result.problems[0].message


@pytest.mark.parametrize("ask, right, wrong", [
    ("endpoint", {"text": "10.244.2.5 : 8080"}, {"text": "10.244.1.5:8080"}),
    ("name", {"text": "web-2"}, {"text": "web-1"}),
    ("source_ip", {"text": "203.0.113.10"}, {"text": "192.168.1.12"}),
    ("delivered", {"value": True}, {"value": False}),
    ("outcome", {"outcome": "delivered"}, {"outcome": "timeout"}),
])
def test_checker_uses_the_key_of_the_variant_shown(ask, right, wrong):
    trace = f"from: external\nto: 192.168.1.12:30080\nask: {ask}\nvary:\n  policy: [Local]\n"
    question = compile_question(sim_question(trace)).bank.questions[0]
    result = check_answer("sim", question.data, "main", right, variant=5)
    assert result.correct and result.trace["delivered"] is True
    assert not check_answer("sim", question.data, "main", wrong, variant=5).correct


def test_variant_seed_picks_variants_reproducibly():
    result = compile_sources([("p/x.md", pack_file("X", doc_examples()[-1]))])
    data = result.bank.questions[0].data
    assert variant_for(data, 7) == variant_for(data, 7) == data["variants"][7 % 6]
    assert {variant_for(data, seed)["key"] for seed in range(6)} == {v["key"] for v in data["variants"]}


def test_a_url_destination_goes_through_the_ingress_controller():
    scenario = (Path(__file__).resolve().parents[1] / "sim" / "scenarios" / "k8s-ingress.yaml").read_text()
    trace = ("from: external\nto: https://shop.example.com${path}\nask: name\n"
             "vary:\n  path: [/cart/x, /, /cart/checkout]\n")
    result = compile_question(sim_question(trace, scenario))
    assert result.ok, [str(p) for p in result.problems]
    data = result.bank.questions[0].data
    assert {v["params"]["path"]: v["key"] for v in data["variants"]} == {
        "/cart/x": "cart-1", "/": "shop-1", "/cart/checkout": "fallback-1"}
    assert any("http" in hop for hop in data["variants"][0]["trace"]["hops"])
    # a request the controller answers itself (404) is delivered to the controller Pod
    trace = "from: external\nto: http://api.example.com${path}\nask: endpoint\nvary:\n  path: [/v2]\n"
    data = compile_question(sim_question(trace, scenario)).bank.questions[0].data
    assert data["variants"][0]["accepted"] == ["10.244.1.3:80"]

"""The `lab` question type: content check proves each lab solvable; grading by goals and allowed paths."""
from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.checking import InvalidResponse, check_answer
from quizapp.content import compile_sources
from quizapp.lab.grading import changes_outside

LAB_FILE = Path(__file__).resolve().parents[2] / "content" / "lab-make-it-work.md"


def compiled(text: str):
    return compile_sources([("labs/labs.md", text.encode())])


def shipped_lab(slug: str) -> dict:
    result = compile_sources([(str(LAB_FILE), LAB_FILE.read_bytes())])
    assert result.ok, result.problems
    return next(q for q in result.bank.questions if q.slug == slug).data


def test_shipped_labs_compile_and_span_the_topics():
    result = compile_sources([(str(LAB_FILE), LAB_FILE.read_bytes())])
    assert result.ok, result.problems
    labs = [q for q in result.bank.questions if q.qtype == "lab"]
    assert len(labs) >= 15
    tags = {tag for q in labs for tag in q.tags}
    assert {"service", "externaltrafficpolicy", "hostport", "publish", "user-defined-bridge", "networkpolicy"} <= tags


def test_a_wrong_solution_is_reported_at_the_solution():
    text = LAB_FILE.read_text()
    broken = text.replace("ports: [{port: 80, targetPort: 8080, nodePort: 30080}]\n```\n\n### Explanation\n\n"
                          "kube-proxy DNATs the nodePort to PodIP:**targetPort**",
                          "ports: [{port: 80, targetPort: 8081, nodePort: 30080}]\n```\n\n### Explanation\n\n"
                          "kube-proxy DNATs the nodePort to PodIP:**targetPort**", 1)
    assert broken != text
    result = compiled(broken)
    messages = [str(p) for p in result.problems]
    assert any("lab-service-targetport" in m and "the solution does not meet the goal" in m and "refused" in m
               for m in messages), messages


def test_a_lab_already_solved_at_the_start_is_refused():
    text = LAB_FILE.read_text().replace("targetPort: 80, nodePort: 30080}]\n```\n\n### Goal",
                                        "targetPort: 8080, nodePort: 30080}]\n```\n\n### Goal", 1)
    messages = [str(p) for p in compiled(text).problems]
    assert any("already meets every goal" in m for m in messages), messages


def test_a_solution_outside_the_allowed_paths_is_refused():
    text = LAB_FILE.read_text().replace("allow: [Service/web spec.ports]", "allow: [Service/web spec.selector]", 1)
    messages = [str(p) for p in compiled(text).problems]
    assert any("changes Service/web: spec.ports[0].targetPort" in m for m in messages), messages


def test_grading_right_wrong_and_outside():
    data = shipped_lab("lab-service-targetport")
    right = check_answer("lab", data, "main", {"scenario": data["solution_text"]})
    assert right.correct and right.score == 1.0
    assert right.expected["goals"][0]["met"]
    start = check_answer("lab", data, "main", {"scenario": data["scenario_text"]})
    assert not start.correct and start.expected["goals"][0]["got"] == "refused"
    assert start.trace["reason"] == "refused"  # the learner's trace is drawn in the feedback
    cheat = data["solution_text"].replace("containerPort: 8080", "containerPort: 8081")
    cheated = check_answer("lab", data, "main", {"scenario": cheat})
    assert not cheated.correct
    assert "Pod/web-1: spec.containers[0].ports[0].containerPort" in cheated.expected["outside"]


def test_broken_answer_reports_its_line():
    data = shipped_lab("lab-service-targetport")
    broken = data["solution_text"].replace("nodePort: 30080", "nodePort: 99999")
    result = check_answer("lab", data, "main", {"scenario": broken})
    assert not result.correct
    line = broken.splitlines().index("  ports: [{port: 80, targetPort: 8080, nodePort: 99999}]") + 1
    assert any(problem_line == line for problem_line, _ in result.expected["problems"])


def test_hostile_answers_are_refused():
    data = shipped_lab("lab-service-targetport")
    with pytest.raises(InvalidResponse, match="scenario"):
        check_answer("lab", data, "main", {"scenario": "x" * 70_000})
    aliased = check_answer("lab", data, "main", {"scenario": "a: &x [1]\nb: *x\n"})
    assert not aliased.correct and "anchor" in aliased.expected["problems"][0][1]
    with pytest.raises(InvalidResponse):
        check_answer("lab", data, "main", {"text": "nope"})


def test_docker_lab_allows_only_its_command_line():
    data = shipped_lab("lab-docker-network-isolation")
    assert check_answer("lab", data, "main", {"scenario": data["solution_text"]}).correct
    moved = data["solution_text"].replace("--expose 5432 postgres", "--expose 5433 postgres")
    assert "DockerHost/h1: spec.commands[2]" in check_answer("lab", data, "main", {"scenario": moved}).expected["outside"]


def test_changes_outside_sees_added_and_removed_documents():
    start = [{"kind": "Pod", "metadata": {"name": "a"}}]
    answer = [{"kind": "Pod", "metadata": {"name": "b"}}]
    assert changes_outside(start, answer, [{"document": "Pod/b", "path": ""}]) == ["Pod/a: removed"]


def test_networkpolicy_lab_needs_dns_too():
    data = shipped_lab("lab-networkpolicy-egress-dns")
    assert check_answer("lab", data, "main", {"scenario": data["solution_text"]}).correct
    pods_only = data["solution_text"].replace("  - ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]\n", "")
    assert pods_only != data["solution_text"]
    result = check_answer("lab", data, "main", {"scenario": pods_only})
    assert not result.correct and not result.expected["outside"]
    assert result.expected["goals"][0]["met"] is False

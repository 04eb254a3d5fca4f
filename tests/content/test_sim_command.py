"""`ask: command` sim questions: Docker's verdict on the scenario's last command, computed at build time.

Only a refusal Docker itself makes (a DockerRefusal, worded as Docker words it) can be a key; a line the
simulator refuses because it does not model it fails the build."""
from __future__ import annotations

import pytest

from quizapp.checking import InvalidResponse, check_answer
from quizapp.content import compile_sources
from quizapp.sim import ScenarioError, load_scenario
from tests.content.helpers import pack_file

JOINER = "docker run -d --name side --network container:app {flags} img"


def host(*commands: str, version: str = "29.1") -> str:
    lines = "".join(f"  - {c}\n" for c in commands)
    return (f"apiVersion: quizapp.io/v1\nkind: DockerHost\nmetadata: {{name: h1}}\nspec:\n  ip: 192.168.1.50\n"
            f"  engineVersion: \"{version}\"\n  commands:\n{lines}")


def question(scenario: str, trace: str, qid: str = "cmd-q") -> str:
    return (f"## Does Docker run it {{#{qid}}}\n\ntype: sim\n\nWhat does Docker do?\n\n### Scenario\n\n```yaml\n"
            f"{scenario}```\n\n### Trace\n\n```yaml\n{trace}```\n\n### Explanation\n\nBecause moby says so.\n")


def compiled(scenario: str, trace: str):
    text = question(scenario, trace)
    return compile_sources([("p/cmd.md", pack_file("Cmd", text))]), pack_file("Cmd", text).decode()


@pytest.mark.parametrize("flags, words", [
    ("-p 8080:80", "conflicting options: port publishing and the container type network mode"),
    ("-P", "conflicting options: port publishing and the container type network mode"),
    ("--expose 80", "conflicting options: port exposing and the container type network mode"),
    ("--dns 10.0.0.53", "conflicting options: dns and the network mode"),
    ("--add-host db:10.1.2.3", "conflicting options: custom host-to-IP mapping and the network mode"),
    ("-h side", "conflicting options: hostname and the network mode"),
])
def test_container_mode_refusals_are_keys_in_dockers_words(flags, words):
    scenario = host("docker run -d --name app img", JOINER.format(flags=flags))
    result, _ = compiled(scenario, f"ask: command\nexpect: '{words}'\n")
    assert result.ok, [str(p) for p in result.problems]
    variant = result.bank.questions[0].data["variants"][0]
    assert variant["key"] == variant["accepted"] == "refused"
    # Docker's own words only: the simulator's advice after them is not Docker's output
    assert variant["docker"] == words and variant["command"] == JOINER.format(flags=flags)
    assert words in variant["trace_text"]


def test_accepted_command_and_a_distinctive_part_of_the_message():
    result, _ = compiled(host("docker run -d --name app img", JOINER.format(flags="")), "ask: command\nexpect: accepted\n")
    assert result.ok, [str(p) for p in result.problems]
    assert result.bank.questions[0].data["variants"][0]["key"] == "accepted"
    own = host("docker run -d --name self --network container:self img")
    result, _ = compiled(own, "ask: command\nexpect: CANNOT   join own network\n")  # case and spaces do not matter
    assert result.ok, [str(p) for p in result.problems]
    assert result.bank.questions[0].data["variants"][0]["docker"] == "Error response from daemon: cannot join own network"


def test_a_wrong_key_fails_the_build_at_the_trace_line_with_what_docker_does():
    scenario = host("docker run -d --name app img", JOINER.format(flags="--expose 80"))
    result, text = compiled(scenario, "ask: command\nexpect: accepted\n")
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert problem.path == "p/cmd.md" and problem.line == text.splitlines().index("ask: command") + 1
    assert "simulator disagrees with `expect: accepted`" in problem.message
    assert "Docker refuses it: conflicting options: port exposing and the container type network mode" in problem.message
    # a refusal for another reason than the author meant is a wrong key too
    result, _ = compiled(scenario, "ask: command\nexpect: port publishing\n")
    assert not result.ok and "Docker refuses it: conflicting options: port exposing" in result.problems[0].message
    result, _ = compiled(host("docker run -d --name app img"), "ask: command\nexpect: conflicting options\n")
    assert not result.ok and "Docker accepts it" in result.problems[0].message


def test_a_refusal_of_the_simulator_s_own_is_never_a_key():
    # --ip6 is not modelled: the simulator refuses it, but that is not what Docker does
    scenario = host("docker network create --subnet 10.5.0.0/24 n", "docker run -d --name x --network n --ip6 fd00::5 img")
    with pytest.raises(ScenarioError) as refused:
        load_scenario(scenario)
    assert refused.value.problems[0].docker is None
    for trace in ("ask: command\nexpect: IPv6\n", "ask: command\n"):
        result, text = compiled(scenario, trace)
        assert not result.ok
        problem = result.problems[0]
        assert problem.line == text.splitlines().index("ask: command") + 1
        assert "for a reason of its own, not as Docker does" in problem.message
        assert "not modelled by the simulator" in problem.message


def test_a_problem_before_the_asked_command_is_the_scenario_s_problem():
    scenario = host("docker run -d --name app --network nowhere img", JOINER.format(flags="-p 80"))
    result, _ = compiled(scenario, "ask: command\nexpect: port publishing\n")
    assert not result.ok and "network nowhere not found" in result.problems[0].message
    result, _ = compiled(host("docker run -d --name app img"), "ask: command\nfrom: external\nto: 192.168.1.50:80\n")
    assert not result.ok and "traces no packet" in result.problems[0].message


@pytest.mark.parametrize("version, expect", [
    ("20.10", 'invalid argument "name=gp,gw-priority=1" for "--network" flag: invalid field key gw-priority'),
    ("29.1", "accepted"),
])
def test_the_verdict_follows_the_engine_version(version, expect):
    scenario = host("docker network create gp", "docker run -d --name web --network name=gp,gw-priority=1 img",
                    version=version)
    result, _ = compiled(scenario, f"ask: command\nexpect: '{expect}'\n")
    assert result.ok, [str(p) for p in result.problems]


def test_vary_gives_each_variant_its_own_verdict():
    scenario = host("docker run -d --name app img", JOINER.format(flags="${flag}"))
    result, _ = compiled(scenario, "ask: command\nvary:\n  flag: ['--expose 80', '--dns-search example.org', '-e A=1']\n")
    assert result.ok, [str(p) for p in result.problems]
    keys = {v["params"]["flag"]: v["key"] for v in result.bank.questions[0].data["variants"]}
    assert keys == {"--expose 80": "refused", "--dns-search example.org": "accepted", "-e A=1": "accepted"}


def test_the_checker_grades_the_verdict_and_returns_docker_s_words():
    scenario = host("docker run -d --name app img", JOINER.format(flags="-P"))
    result, _ = compiled(scenario, "ask: command\nexpect: port publishing\n")
    data = result.bank.questions[0].data
    right = check_answer("sim", data, "main", {"verdict": "refused"})
    assert right.correct and right.expected == {
        "verdict": "refused", "docker": "conflicting options: port publishing and the container type network mode"}
    assert not check_answer("sim", data, "main", {"verdict": "accepted"}).correct
    with pytest.raises(InvalidResponse):
        check_answer("sim", data, "main", {"outcome": "refused"})


SHIPPED = {  # content/sim-docker-refusals.md: every variant's verdict (the vary questions have no single expect)
    "sim-refuse-publish-container-mode": {"-p 8080:80": "refused", "-P": "refused"},
    "sim-refuse-gw-priority-20-10": {"20.10": "refused", "29.1": "accepted"},
    "sim-refuse-two-networks-20-10": {"20.10": "refused", "29.1": "accepted"},
    "sim-refuse-ip-without-subnet": {"": "refused", "--subnet 172.18.0.0/16 ": "accepted"},
    "sim-refuse-ipvlan-l3s": {"20.10": "refused", "29.1": "accepted"},
}


def test_the_shipped_refusal_questions_keep_their_verdicts():
    from pathlib import Path

    from quizapp.content import compile_paths

    result = compile_paths([Path(__file__).resolve().parents[2] / "content" / "sim-docker-refusals.md"])
    assert result.ok, [str(p) for p in result.problems]
    questions = {q.slug: q.data for q in result.bank.questions}
    assert len(questions) >= 11 and all(d["ask"] == "command" for d in questions.values())
    for slug, verdicts in SHIPPED.items():
        got = {next(iter(v["params"].values())): v["key"] for v in questions[slug]["variants"]}
        assert got == verdicts, slug
        assert all(bool(v["docker"]) == (v["key"] == "refused") for v in questions[slug]["variants"])

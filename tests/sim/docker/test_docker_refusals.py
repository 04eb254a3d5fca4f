"""Two kinds of refusal (issue 9): Docker's own (DockerRefusal: the problem keeps Docker's words, a sim question may
ask about it) and the simulator's (what it does not model: never marked, never a question's key)."""

from __future__ import annotations

import pytest

from quizapp.sim import ScenarioError, load_scenario


def _problem(*commands: str, version: str = "29.1"):
    lines = "\n".join(f"  - {c!r}" for c in commands)
    text = (f"kind: DockerHost\nmetadata: {{name: h}}\nspec:\n  ip: 192.168.1.50\n  engineVersion: '{version}'\n"
            f"  commands:\n{lines}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(text, "s.yaml")
    (problem,) = info.value.problems
    return problem


MIXED = "conflicting options: cannot attach both user-defined and non-user-defined network-modes"


@pytest.mark.parametrize("version", ["20.10", "29.1"])
@pytest.mark.parametrize("first", ["container:app", "bridge", "host", "none"])
def test_a_user_defined_network_beside_a_predefined_mode_is_refused_by_the_cli(first, version):
    p = _problem("docker network create b", "docker run -d --name app img",
                 f"docker run -d --name side --network {first} --network b img", version=version)
    assert p.path == "spec.commands[2]" and p.docker == MIXED == p.message


@pytest.mark.parametrize("commands, docker", [
    (["docker run -d --name app img", "docker run -d --name side --network container:app -p 80 img"],
     "conflicting options: port publishing and the container type network mode"),
    (["docker run -d --name web -p 8080:80 img", "docker rm web"],
     "Error response from daemon: You cannot remove a running container "),
    (["docker network create -o com.docker.network.bridge.gateway_mode_ipv4=isolated n"],
     "Error response from daemon: gateway mode 'isolated' can only be used for an internal network"),
])
def test_docker_s_refusals_keep_docker_s_words(commands, docker):
    p = _problem(*commands)
    assert p.docker.startswith(docker)
    assert p.docker in p.message or p.docker.startswith("Error response from daemon: You cannot remove")


def test_rm_gives_the_container_id_as_docker_does():
    p = _problem("docker run -d --name web img", "docker rm web")
    assert "container web." in p.message  # the simulator's own text names it
    (container_id,) = [w for w in p.docker.split() if len(w.rstrip(".")) == 64]
    assert all(c in "0123456789abcdef" for c in container_id.rstrip("."))


@pytest.mark.parametrize("commands", [
    ["docker network create n", "docker run -d --name x --network n --ip6 fd00::5 img"],
    ["docker network create --aux-address a=10.0.0.5 n"],
    ["docker frobnicate"],
    ["iptables -t nat -I DOCKER-USER -j DROP"],
])
def test_the_simulator_s_own_refusals_are_not_marked(commands):
    assert _problem(*commands).docker is None


@pytest.mark.parametrize("mode, flag, docker", [
    ("host", "--ip 10.0.0.5", "user specified IP address is supported on user defined networks only"),
    ("none", "--network-alias x", "network-scoped aliases are only supported for user-defined networks"),
])
def test_ip_and_alias_in_host_or_none_mode_are_refused_in_docker_s_words(mode, flag, docker):
    # engine scenarios refuse-ip-in-host-mode, refuse-alias-in-none-mode (Docker 20.10)
    assert _problem(f"docker run -d --name hh --network {mode} {flag} img").docker == docker

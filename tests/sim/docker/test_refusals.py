"""Nothing is accepted and ignored: a docker option the simulator does not model is refused with the document,
the line and the option's name (issue 9)."""

from __future__ import annotations

import pytest

from quizapp.sim import ScenarioError, load_scenario
from quizapp.sim.docker.flags import NETCONNECT_NOT_MODELLED, NETCREATE_NOT_MODELLED, RUN_NOT_MODELLED


def _problems(*commands: str) -> list:
    lines = "\n".join(f"  - {c!r}" for c in commands)
    text = f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: x}}\n---\nkind: DockerHost\nmetadata: {{name: h}}\nspec:\n  ip: 192.168.1.50\n  commands:\n{lines}\n"
    with pytest.raises(ScenarioError) as info:
        load_scenario(text, "s.yaml")
    return info.value.problems


@pytest.mark.parametrize("option", sorted(RUN_NOT_MODELLED))
def test_docker_run_options_with_unmodelled_network_effects_are_refused(option):
    (p,) = _problems("docker network create n", f"docker run -d --{option} x1 --network n nginx")
    assert (p.document, p.line, p.path) == (2, 11, "spec.commands[1]")
    assert f"option --{option} is not modelled" in p.message


def test_dns_must_be_an_address_in_the_cli_s_words():
    (p,) = _problems("docker run -d --dns dns.example web nginx")
    assert 'invalid argument "dns.example" for "--dns" flag: dns.example is not an ip address' in p.message


@pytest.mark.parametrize("option", sorted(NETCREATE_NOT_MODELLED))
def test_network_create_options_are_refused(option):
    flag = f"--{option}" if option in ("ipv6", "ingress", "config-only") else f"--{option} x"
    (p,) = _problems(f"docker network create {flag} n")
    assert p.path == "spec.commands[0]" and p.line == 10
    assert f"option --{option} is not modelled" in p.message


@pytest.mark.parametrize("option", sorted(NETCONNECT_NOT_MODELLED))
def test_network_connect_options_are_refused(option):
    (p,) = _problems("docker network create n", "docker run -d --name aa nginx", f"docker network connect --{option} 1 n aa")
    assert p.path == "spec.commands[2]" and f"option --{option} is not modelled" in p.message


def test_ipv4_off_is_refused_but_the_default_is_accepted():
    (p,) = _problems("docker network create --ipv4=false n")
    assert "--ipv4=false is not modelled" in p.message
    load_scenario("kind: DockerHost\nmetadata: {name: h}\nspec:\n  ip: 192.168.1.50\n  commands:\n"
                  "  - docker network create --ipv4 --ipv6=false --attachable --label a=b -o com.docker.network.driver.mtu=1400 n\n")


@pytest.mark.parametrize("opt,accepted", [
    ("com.docker.network.bridge.enable_icc=true", True),
    ("com.docker.network.bridge.enable_icc=false", True),
    ("com.docker.network.bridge.enable_ip_masquerade=false", True),
    
    ("com.docker.network.bridge.gateway_mode_ipv4=nat", True),
    ("com.docker.network.bridge.gateway_mode_ipv4=routed", True),
    ("com.docker.network.bridge.host_binding_ipv4=127.0.0.1", True),
    ("com.docker.network.bridge.trusted_host_interfaces=eth1", True),
    ("com.docker.network.bridge.gateway_mode_ipv4=isolated", False),  # without --internal: Docker's refusal
    ("com.docker.network.bridge.gateway_mode_ipv4=nat-unprotected", True),
    ("com.docker.network.bridge.name=br-test", True),
])
def test_bridge_driver_options(opt, accepted):
    text = f"kind: DockerHost\nmetadata: {{name: h}}\nspec:\n  ip: 192.168.1.50\n  commands:\n  - docker network create -o {opt} n\n"
    if accepted:
        load_scenario(text)
        return
    with pytest.raises(ScenarioError) as info:
        load_scenario(text)
    assert "isolated" in str(info.value) and "internal network" in str(info.value)


def test_network_neutral_options_are_still_accepted():
    scn = load_scenario("kind: DockerHost\nmetadata: {name: h}\nspec:\n  ip: 192.168.1.50\n  commands:\n"
                        "  - docker run -dit --rm -e A=1 -v /x:/y --restart always --cap-add NET_ADMIN --name web -p 80:80 nginx\n")
    assert "web" in scn.hosts["h"].containers

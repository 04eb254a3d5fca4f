"""quizapp/sim/docker/gwpriority.py: which endpoint is the gateway endpoint, and ``--gw-priority``.

Expectations: moby ``daemon/libnetwork/sandbox.go`` ``Endpoint.Less`` (higher gw-priority first, then
non-internal before internal, then endpoints with a gateway, then network name) and ``hasGatewayOrDefaultRoute``
(an --internal endpoint has no gateway, so it never carries the default route); docker/cli ``network connect``
(``--gw-priority``: "Highest gw-priority provides the default gateway. Accepts positive and negative values.").
The refusals are the CLIs' own words, run here without a daemon: Debian's 20.10 ``/usr/bin/docker`` prints
``unknown flag: --gw-priority`` and ``invalid argument "name=n,gw-priority=1" for "--network" flag: invalid field
key gw-priority``; the 28.2 CLI ``invalid gw-priority (x): invalid syntax`` and ``invalid argument "x" for
"--gw-priority" flag: strconv.ParseInt: parsing "x": invalid syntax``."""

from __future__ import annotations

import pytest

from quizapp.sim import ScenarioError, load_scenario, trace
from quizapp.sim.rules import docker_rules

H = "192.168.1.50"
EXT = "external:192.168.1.77"
NETS = ("docker network create --subnet 172.20.0.0/24 aaa", "docker network create --subnet 172.21.0.0/24 zzz")


def host(*commands: str, version: str = "29.1"):
    lines = "\n".join(f"  - {c}" for c in commands)
    return load_scenario(f'kind: DockerHost\nmetadata: {{name: h1}}\nspec:\n  ip: {H}\n  engineVersion: "{version}"\n'
                         f"  commands:\n{lines}\n")


def gw(scn, name="web"):
    return scn.hosts["h1"].containers[name].gateway_attachment.network.name


def test_without_priorities_the_network_name_decides():
    scn = host(*NETS, "docker run -d --name web --network zzz --network aaa -p 8080:80 nginx")
    assert gw(scn) == "aaa"  # Endpoint.Less: ep.name <=> epj.name, "bar < foo"
    assert "--to-destination 172.20.0.2:80" in docker_rules(scn.hosts["h1"])


def test_run_gw_priority_moves_the_default_route_and_the_port_mappings():
    scn = host(*NETS, "docker run -d --name web --network aaa --network name=zzz,gw-priority=10 -p 8080:80 nginx")
    assert gw(scn) == "zzz"
    rules = docker_rules(scn.hosts["h1"])
    assert "--to-destination 172.21.0.2:80" in rules and "172.20.0.2:80" not in rules
    r = trace(scn, EXT, f"{H}:8080")
    assert r.delivered and r.endpoint.ip == "172.21.0.2"
    r = trace(scn, "container/web", "192.168.1.50:22")  # the default route: via zzz's gateway
    assert any("via the default route 172.21.0.1" in h["what"] for h in r.hops)


def test_negative_priority_gives_the_gateway_away():
    scn = host(*NETS, "docker run -d --name web --network name=aaa,gw-priority=-1 --network zzz -p 8080:80 nginx")
    assert gw(scn) == "zzz"


def test_connect_gw_priority_moves_the_gateway_and_reallocates_random_ports():
    scn = host(*NETS, "docker run -d --name web --network zzz -p 80 nginx",
               "docker network connect aaa web")  # priority 0: aaa < zzz by name, the gateway moves
    assert gw(scn) == "aaa" and scn.hosts["h1"].containers["web"].publish[0].host_port == 32769
    scn = host(*NETS, "docker run -d --name web --network zzz -p 80 nginx",
               "docker network connect --gw-priority -5 aaa web")  # below zzz's 0: it stays
    assert gw(scn) == "zzz" and scn.hosts["h1"].containers["web"].publish[0].host_port == 32768


def test_an_internal_network_never_becomes_the_gateway_whatever_its_priority():
    scn = host("docker network create --internal --subnet 172.22.0.0/24 vault", "docker network create --subnet 172.20.0.0/24 aaa",
               "docker run -d --name web --network name=vault,gw-priority=100 --network aaa -p 8080:80 nginx")
    assert gw(scn) == "aaa"


def test_priority_survives_stop_and_start():
    scn = host(*NETS, "docker run -d --name web --network aaa --network name=zzz,gw-priority=3 nginx",
               "docker stop web", "docker start web")
    assert gw(scn) == "zzz"


def test_csv_network_syntax_sets_alias_and_ip():
    scn = host(*NETS, "docker run -d --name web --network name=aaa,alias=www,ip=172.20.0.9 --expose 80 nginx",
               "docker run -d --name cli --network aaa alpine")
    att = scn.hosts["h1"].containers["web"].attachments[0]
    assert att.ip == "172.20.0.9" and "www" in att.aliases
    assert trace(scn, "container/cli", "www:80").delivered


@pytest.mark.parametrize("line,words", [
    ("docker network connect --gw-priority 1 aaa web", "unknown flag: --gw-priority"),
    ("docker run -d --name two --network name=aaa,gw-priority=1 nginx",
     'invalid argument "name=aaa,gw-priority=1" for "--network" flag: invalid field key gw-priority'),
])
def test_engines_before_28_refuse_gw_priority_in_the_20_10_cli_words(line, words):
    with pytest.raises(ScenarioError, match=words.replace("(", r"\(").replace(")", r"\)")):
        host(*NETS, "docker run -d --name web --network zzz nginx", line, version="27.5")


@pytest.mark.parametrize("line,words", [
    ("docker network connect --gw-priority x aaa web",
     'invalid argument "x" for "--gw-priority" flag: strconv.ParseInt: parsing "x": invalid syntax'),
    ("docker run -d --name two --network name=aaa,gw-priority=x nginx", r"invalid gw-priority \(x\): invalid syntax"),
    ("docker run -d --name two --network alias=x nginx", "network name/id is not specified"),
    ("docker run -d --name two --network name=aaa,bogus=1 nginx", "invalid field key bogus"),
    ("docker run -d --name two --network name=aaa,driver-opt=a=b nginx", "not modelled"),
])
def test_bad_values_are_refused_in_the_28_cli_words(line, words):
    with pytest.raises(ScenarioError, match=words):
        host(*NETS, "docker run -d --name web --network zzz nginx", line)

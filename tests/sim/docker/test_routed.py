"""quizapp/sim/docker/routed.py and gwmode_trace.py: gateway mode ``routed`` on Docker 28 and 29.

Expectations from moby ``integration/network/bridge/iptablesdoc/generated/usernet-portmap-routed.md`` (the
scenario below is its own: ``-o com.docker.network.bridge.name=bridge1 -o ...gateway_mode_ipv4=routed --subnet
192.0.2.0/24 --gateway 192.0.2.1 bridge1``, ``docker run --network bridge1 -p 8080:80 --name c1 busybox``) - the
29 filter and nat tables verbatim, the 28 isolation rules from its 28.0 version - and
``iptabler/endpoint.go`` ``filterDirectAccess`` (no raw rules for routed networks)."""

from __future__ import annotations

import pytest

from quizapp.sim import ScenarioError, load_scenario, trace
from quizapp.sim.rules import docker_rules

from .test_firewall_versions import chains

H = "192.168.1.50"
EXT = "external:192.168.1.77"
DOC = ("docker network create -o com.docker.network.bridge.name=bridge1 -o com.docker.network.bridge.gateway_mode_ipv4=routed "
       "--subnet 192.0.2.0/24 --gateway 192.0.2.1 bridge1",
       "docker run -d --network bridge1 -p 8080:80 --expose 81 --name c1 busybox")


def host(*commands: str, version: str = "29.1", routes: bool = True):
    extra = "  lanRoutesToBridges: true\n" if routes else ""
    lines = "\n".join(f"  - {c}" for c in commands)
    return load_scenario(f'kind: DockerHost\nmetadata: {{name: h1}}\nspec:\n  ip: {H}\n  engineVersion: "{version}"\n'
                         f"{extra}  commands:\n{lines}\n")


def test_rules_are_the_iptablesdoc_ones_for_29():
    text = docker_rules(host(*DOC).hosts["h1"])
    flt, nat = chains(text, "filter"), chains(text, "nat")
    assert flt["DOCKER"] == ["-d 192.0.2.2/32 ! -i bridge1 -o bridge1 -p tcp -m tcp --dport 80 -j ACCEPT",
                             "! -i docker0 -o docker0 -j DROP", "-o bridge1 -p icmp -j ACCEPT",
                             "! -i bridge1 -o bridge1 -j DROP"]
    assert flt["DOCKER-FORWARD"] == ["-j DOCKER-CT", "-j DOCKER-INTERNAL", "-j DOCKER-BRIDGE",
                                     "-i docker0 -j ACCEPT", "-i bridge1 -j ACCEPT"]
    assert nat["POSTROUTING"] == ["-s 172.17.0.0/16 ! -o docker0 -j MASQUERADE"]  # no MASQUERADE, no DNAT
    assert nat["DOCKER"] == []
    assert not any("192.0.2" in r for r in chains(text, "raw").get("PREROUTING", []))


def test_28_isolation_chain_lets_other_networks_in():
    flt = chains(docker_rules(host(*DOC, version="28.3").hosts["h1"]), "filter")
    assert flt["DOCKER-ISOLATION-STAGE-1"][:2] == ["-i bridge1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                                                   "-o bridge1 -j RETURN"]


@pytest.mark.parametrize("version", ["28.3", "29.1"])
def test_published_port_is_open_on_the_container_address_and_only_it(version):
    scn = host(*DOC, version=version)
    r = trace(scn, EXT, "192.0.2.2:80")
    assert r.delivered and r.source_ip_seen == "192.168.1.77"  # no NAT either way
    assert trace(scn, EXT, "192.0.2.2:81").reason == "timeout"  # ! -i bridge1 -o bridge1 -j DROP
    r = trace(scn, EXT, f"{H}:8080")  # port mapping is skipped: no DNAT, no docker-proxy
    assert r.reason == "refused" and any("gateway mode is routed" in h["what"] for h in r.hops)


@pytest.mark.parametrize("version", ["28.3", "29.1"])
def test_a_container_on_a_nat_network_reaches_the_published_port(version):
    scn = host(*DOC, "docker run -d --name cli alpine", version=version)
    r = trace(scn, "container/cli", "192.0.2.2:80")
    assert r.delivered and r.source_ip_seen == "192.0.2.1"  # docker0's MASQUERADE (! -o docker0)
    assert trace(scn, "container/cli", "192.0.2.2:81").reason == "timeout"


def test_the_container_leaves_with_its_own_address():
    scn = host(*DOC, "docker run -d --name srv --network host --expose 9000 alpine", routes=False)
    r = trace(scn, "container/c1", f"{H}:9000")  # to the host itself: INPUT, no NAT
    assert r.delivered and r.source_ip_seen == "192.0.2.2"


def test_routed_ports_bind_no_host_port():
    scn = host(*DOC, "docker run -d --network bridge1 -p 8080:80 --name c2 busybox")  # no "port is already allocated"
    assert [m.routed for m in scn.hosts["h1"].containers["c2"].publish] == [True]


def test_moving_the_gateway_to_a_nat_network_publishes_for_real():
    scn = host(*DOC, "docker network create --subnet 172.20.0.0/24 front",
               "docker network connect --gw-priority 1 front c1")
    r = trace(scn, EXT, f"{H}:8080")
    assert r.delivered and r.endpoint.ip == "172.20.0.2"


@pytest.mark.parametrize("version,words", [
    ("27.5", "modelled for Docker 28 and 29"),
])
def test_routed_before_28_is_refused(version, words):
    with pytest.raises(ScenarioError, match=words):
        host(*DOC, version=version)


def test_a_port_bound_to_one_host_address_is_refused():
    with pytest.raises(ScenarioError, match="routed network bridge1 is not modelled"):
        host(DOC[0], "docker run -d --network bridge1 -p 127.0.0.1:8080:80 --name c1 busybox")

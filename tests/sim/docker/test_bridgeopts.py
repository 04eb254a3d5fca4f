"""quizapp/sim/docker/bridgeopts.py: ``com.docker.network.bridge.gateway_mode_ipv4`` per engine version, and
gateway mode ``isolated``.

Sources: moby ``daemon/libnetwork/drivers/bridge/bridge_linux.go`` (``newGwMode`` and ``parseErr``: "failed to
parse <label> value: <v> (unknown gateway mode <v>)"; "gateway mode 'isolated' can only be used for an internal
network"), ``setup_verify_linux.go`` (``setupVerifyAndReconcileIPv4`` returns early: no address on an isolated
bridge), ``docs/.../network/port-publishing.md`` (containers on an internal network reach the host through the
bridge address; "No address is assigned to the bridge" in gateway mode isolated). Docker 20.10 ignores the label
(``fromLabels`` has no case for it): judged by the real engine, scenario gateway-mode-ignored-by-20-10."""

from __future__ import annotations

import pytest

from quizapp.sim import ScenarioError, load_scenario, trace
from quizapp.sim.rules import docker_rules, topology

from .test_firewall_versions import chains

H = "192.168.1.50"
GM = "-o com.docker.network.bridge.gateway_mode_ipv4="
ISO = (f"docker network create --internal {GM}isolated --subnet 172.30.0.0/24 vault",
       "docker run -d --name db --network vault --ip 172.30.0.10 --expose 5432 postgres",
       "docker run -d --name app --network vault --ip 172.30.0.11 alpine",
       "docker run -d --name web -p 8080:80 nginx", "docker run -d --name agent --network host --expose 9000 alpine")


def host(*commands: str, version: str = "29.1"):
    lines = "\n".join(f"  - {c}" for c in commands)
    return load_scenario(f'kind: DockerHost\nmetadata: {{name: h1}}\nspec:\n  ip: {H}\n  engineVersion: "{version}"\n'
                         f"  commands:\n{lines}\n")


@pytest.mark.parametrize("version", ["28.3", "29.1"])
def test_isolated_network_has_no_gateway_and_no_way_to_the_host(version):
    scn = host(*ISO, version=version)
    net = scn.hosts["h1"].networks["vault"]
    assert net.gateway is None
    assert trace(scn, "container/app", "db:5432").delivered  # the bridge itself still forwards
    r = trace(scn, "container/app", f"{H}:8080")  # no default route, and no gateway address to use instead
    assert r.reason == "unreachable"
    r = trace(scn, "container/app", "172.30.0.1:9000")  # a plain --internal network's gateway would be the host
    assert r.reason == "unreachable" and "ARP gets no answer" in str(r.hops[-1]["what"])
    r = trace(scn, "host/h1", "172.30.0.10:5432")
    assert r.reason == "timeout" and "has no route to 172.30.0.0/24" in str(r.hops[-1]["what"])


def test_plain_internal_network_reaches_the_host_through_its_gateway():
    scn = host(ISO[0].replace(f"{GM}isolated ", ""), *ISO[1:])
    r = trace(scn, "container/app", "172.30.0.1:9000")  # a host service, on the bridge's address
    assert r.delivered and r.endpoint.name == "agent" and r.source_ip_seen == "172.30.0.11"


def test_isolated_bridge_gets_no_address_in_the_kernel_topology():
    topo = topology(host(*ISO))
    ns = next(n for n in topo.namespaces if n.name.startswith("host"))
    vault = next(i for i in ns.interfaces if i.name == host(*ISO).hosts["h1"].networks["vault"].bridge)
    assert vault.addresses == []
    assert "! -s 172.30.0.0/24" in " ".join(chains(docker_rules(host(*ISO).hosts["h1"]), "filter")["DOCKER-INTERNAL"])


def test_isolated_needs_internal():
    with pytest.raises(ScenarioError, match="gateway mode 'isolated' can only be used for an internal network"):
        host(f"docker network create {GM}isolated n")


@pytest.mark.parametrize("value", ["isolated", "nat-unprotected", "bogus"])
def test_docker_27_refuses_values_it_does_not_know_in_the_daemons_words(value):
    with pytest.raises(ScenarioError, match=rf"failed to parse com.docker.network.bridge.gateway_mode_ipv4 value: "
                                            rf"{value} \(unknown gateway mode {value}\)"):
        host(f"docker network create --internal {GM}{value} n", version="27.5")


@pytest.mark.parametrize("version", ["20.10", "26.1"])
@pytest.mark.parametrize("value", ["routed", "isolated", "nat-unprotected"])
def test_docker_20_10_to_26_ignore_the_option_and_the_network_is_nat(value, version):
    scn = host(f"docker network create --subnet 172.30.0.0/24 {GM}{value} n",
               "docker run -d --name web --network n -p 8080:80 nginx", version=version)
    h = scn.hosts["h1"]
    assert h.networks["n"].gateway_mode == "nat" and h.networks["n"].gateway == "172.30.0.1"
    assert any("does not know com.docker.network.bridge.gateway_mode_ipv4" in w for w in h.warnings)
    assert "-s 172.30.0.0/24 ! -o" in docker_rules(h)  # still masqueraded

"""quizapp/sim/docker/rules_forward.py with daemon ``userland-proxy: false`` on Docker 28 and 29 (hairpin NAT).

Expectations: moby ``daemon/libnetwork/drivers/bridge/internal/iptabler/testdata/TestIptabler/
hairpin=true,internal=false,icc=true,masq=true,snat=false,gwm=nat,bindlh=false__iptables.golden`` (the nat
table, verbatim but for the bridge name and addresses), ``integration/network/bridge/iptablesdoc/generated/
usernet-portmap-noproxy.md`` (OUTPUT jumps to DOCKER for loopback too, no "SKIP DNAT" RETURN, MASQUERADE for a
container reaching its own published port and for LOCAL sources, DNAT without a bridge) and ``iptabler/
network.go`` (``addNATJumpRules``, ``setupNonInternalNetworkRules``: "MASQ LOCAL HOST"). The 20.10 side of the
same traces is judged by the real engine (tests/docker_engine, scenarios hairpin-*)."""

from __future__ import annotations

import pytest

from quizapp.sim import load_scenario, trace
from quizapp.sim.rules import docker_rules

from .test_firewall_versions import chains

H = "192.168.1.50"
CMDS = ("docker network create -o com.docker.network.bridge.name=br-dummy --subnet 192.168.0.0/24 dummy",
        "docker run -d --network dummy -p 8080:80 --name c1 busybox",
        "docker run -d --network dummy --name same alpine", "docker run -d --name other alpine")


def host(version: str, proxy: bool = False, *extra: str):
    lines = "\n".join(f"  - {c}" for c in (*CMDS, *extra))
    return load_scenario(f'kind: DockerHost\nmetadata: {{name: h1}}\nspec:\n  ip: {H}\n  engineVersion: "{version}"\n'
                         f'  daemon: {{"userland-proxy": {str(proxy).lower()}}}\n  commands:\n{lines}\n')


@pytest.mark.parametrize("version", ["28.3", "29.1"])
def test_nat_table_is_the_golden_files(version):
    nat = chains(docker_rules(host(version).hosts["h1"]), "nat")
    assert nat["OUTPUT"] == ["-m addrtype --dst-type LOCAL -j DOCKER"]  # no ! -d 127.0.0.0/8
    assert nat["POSTROUTING"][:2] == ["-o br-dummy -m addrtype --src-type LOCAL -j MASQUERADE",
                                      "-s 192.168.0.0/24 ! -o br-dummy -j MASQUERADE"]
    assert "-s 192.168.0.2/32 -d 192.168.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE" in nat["POSTROUTING"]
    assert nat["DOCKER"] == ["-p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.168.0.2:80"]  # no RETURN, no ! -i


def test_with_the_proxy_28_keeps_its_returns_and_bridges_in_the_dnat():
    nat = chains(docker_rules(host("28.3", True).hosts["h1"]), "nat")
    assert "-i br-dummy -j RETURN" in nat["DOCKER"]
    assert "! -i br-dummy -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.168.0.2:80" in nat["DOCKER"]
    assert not any("src-type LOCAL" in r for r in nat["POSTROUTING"])


@pytest.mark.parametrize("version", ["28.3", "29.1"])
@pytest.mark.parametrize("src,dst,seen", [
    ("host/h1", "127.0.0.1:8080", "192.168.0.1"),   # DNAT in OUTPUT, route_localnet, MASQ LOCAL HOST
    ("host/h1", f"{H}:8080", "192.168.0.1"),
    ("container/same", f"{H}:8080", "192.168.0.3"),  # back out its own bridge: nothing masquerades it
    ("container/c1", f"{H}:8080", "192.168.0.1"),    # MASQ TO OWN PORT
    ("external:192.168.1.77", f"{H}:8080", "192.168.1.77"),
])
def test_who_the_server_sees(version, src, dst, seen):
    r = trace(host(version), src, dst)
    assert r.delivered and r.endpoint.name == "c1" and r.source_ip_seen == seen
    assert not any("docker-proxy" in str(h["where"]) for h in r.hops)


def test_hairpin_path_is_named_in_the_28_layout():
    r = trace(host("29.1"), "container/same", f"{H}:8080")
    assert "DOCKER-FORWARD: -i br-dummy -j ACCEPT" in str(r.hops[-3]["what"])


def test_another_network_through_the_host_port_differs_by_version():
    # the DNAT now happens for docker0's container too (no proxy, no RETURN): 29's DOCKER chain accepts the
    # published port, 28's DOCKER-ISOLATION-STAGE-2 drops it (20.10 too: engine scenario hairpin-other-network)
    r = trace(host("29.1"), "container/other", f"{H}:8080")
    assert r.delivered and r.source_ip_seen == "192.168.0.1"
    assert trace(host("28.3"), "container/other", f"{H}:8080").reason == "timeout"
    assert trace(host("28.3", True), "container/other", f"{H}:8080").delivered  # via docker-proxy

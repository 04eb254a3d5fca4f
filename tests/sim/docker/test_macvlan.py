"""macvlan networks (bridge mode, parent eth0): containers with their own address on the LAN, reachable from the
LAN and from each other, not from (or to) their own host - the parent interface (Docker's macvlan driver docs:
"the host cannot reach its macvlan containers"). Judged by Docker 20.10 in tests/docker_engine
(``macvlan-*`` scenarios, parent: the engine namespace's eth0)."""

from __future__ import annotations

import pytest

from quizapp.sim import ScenarioError, trace

from .test_engine_versions import host as any_host


def host(*commands: str, **kwargs):
    """A Docker 20.10 host: the engine these behaviours were judged on in tests/docker_engine."""
    return any_host(*commands, version="20.10", **kwargs)

MV = ("docker network create -d macvlan --subnet 192.168.1.0/24 --gateway 192.168.1.1 --ip-range 192.168.1.128/25 -o parent=eth0 mv",
      "docker run -d --name m1 --network mv -p 8080:80 web", "docker run -d --name m2 --network mv --expose 80 web",
      "docker run -d --name hh --network host --expose 8181 web", "docker run -d --name b1 --expose 80 web")


def test_reachable_from_the_lan_with_the_client_s_address():
    scn = host(*MV)
    r = trace(scn, "external:192.168.1.77", "192.168.1.128:80")
    assert (r.endpoint.name, r.source_ip_seen) == ("m1", "192.168.1.77")
    assert "macvlan" in r.hops[-2]["what"]


def test_published_ports_are_not_set_up_on_macvlan():
    scn = host(*MV)
    assert trace(scn, "external:192.168.1.77", "192.168.1.50:8080").reason == "refused"
    assert any("macvlan endpoint has no port mappings" in w for w in scn.warnings)


def test_the_parent_host_and_its_bridge_containers_cannot_reach_the_children():
    scn = host(*MV)
    assert trace(scn, "host/h1", "192.168.1.128:80").reason == "unreachable"
    assert trace(scn, "container/b1", "192.168.1.128:80").reason == "unreachable"
    assert trace(scn, "container/m1", "192.168.1.50:8181").reason == "unreachable"


def test_children_reach_each_other_by_name_and_address():
    scn = host(*MV)
    r = trace(scn, "container/m2", "m1:80")
    assert (r.endpoint.name, r.source_ip_seen) == ("m1", "192.168.1.129")


def test_another_docker_host_on_the_lan_reaches_them():
    other = host(*MV)
    from quizapp.sim import load_scenario
    text = ("kind: DockerHost\nmetadata: {name: h1}\nspec:\n  ip: 192.168.1.50\n  commands:\n"
            + "".join(f"  - {c!r}\n" for c in MV)
            + "---\nkind: DockerHost\nmetadata: {name: h2}\nspec:\n  ip: 192.168.1.60\n  commands:\n"
            "  - docker run -d --name far alpine\n")
    scn = load_scenario(text)
    assert trace(scn, "host/h2", "192.168.1.128:80").source_ip_seen == "192.168.1.60"
    assert trace(scn, "container/far", "192.168.1.128:80").source_ip_seen == "192.168.1.60"  # masqueraded
    assert other.hosts["h1"].networks["mv"].driver == "macvlan"


@pytest.mark.parametrize("line,words", [
    ("docker network create -d macvlan -o parent=eth0.10 nm", "VLAN sub-interfaces"),
    ("docker network create -d macvlan -o parent=eth0 -o macvlan_mode=hairpin nm",
     "requested macvlan mode 'hairpin' is not valid, 'bridge' mode is the macvlan driver default"),
    ("docker network create -d macvlan -o parent=lo nm", "loopback interface is not a valid macvlan parent link"),
    ("docker network create -d macvlan --internal -o parent=eth0 nm", "--internal with -o parent=eth0 is not modelled"),
    ("docker network create -d macvlan -o parent=eth0 -o com.docker.network.bridge.name=x nm", "option -o com.docker.network.bridge.name is not modelled"),
    ("docker network create -d overlay nm", "driver 'overlay'"),
])
def test_refusals(line, words):
    with pytest.raises(ScenarioError) as info:
        host(line)
    assert words in str(info.value)

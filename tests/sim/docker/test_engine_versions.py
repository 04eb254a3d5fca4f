"""spec.engineVersion and spec.daemon: what differs between the engines the simulator models, with the source
of each difference (the 20.10 side is also judged by the real engine in tests/docker_engine)."""

from __future__ import annotations

import pytest

from quizapp.sim import ScenarioError, load_scenario, trace
from quizapp.sim.rules import docker_rules, topology


def host(*commands: str, version: str | None = None, daemon: str | None = None):
    extra = f'  engineVersion: "{version}"\n' if version else ""
    if daemon:
        extra += f"  daemon: {daemon}\n"
    lines = "\n".join(f"  - {c}" for c in commands)
    return load_scenario(f"kind: DockerHost\nmetadata: {{name: h1}}\nspec:\n  ip: 192.168.1.50\n{extra}  commands:\n{lines}\n")


def refused(**kwargs) -> str:
    with pytest.raises(ScenarioError) as info:
        host("docker run -d --name web nginx", **kwargs)
    return str(info.value)


INTERNAL = ("docker network create --internal i", "docker run -d --name cli --network i alpine",
            "docker run -d --name hh --network host --expose 8080 web")


def test_internal_network_default_route_differs_before_25():
    # Docker < 25: the container still has a default route via the internal network's gateway (seen on 20.10:
    # the host's own address answers, other destinations are dropped by DOCKER-ISOLATION-STAGE-1).
    # Docker 25+: no default route, connect() fails at once (moby/moby#46603; 25.0 release notes).
    old, new = host(*INTERNAL, version="20.10"), host(*INTERNAL, version="27.5")
    assert trace(old, "container/cli", "192.168.1.50:8080").delivered
    assert trace(old, "container/cli", "192.168.1.77:80").reason == "timeout"
    assert trace(new, "container/cli", "192.168.1.50:8080").reason == "unreachable"
    assert trace(new, "container/cli", "192.168.1.77:80").reason == "unreachable"
    routes = {ns.name: ns.routes for ns in topology(old).namespaces}
    assert [r.via for r in routes["container/cli"]] == ["172.18.0.1"]
    assert topology(new).namespace("container/cli").routes == []


def test_several_networks_on_run_need_docker_25():
    # API 1.44 (Docker 25) accepts several networks on create; 20.10 refuses (its words, from the real engine)
    cmds = ("docker network create a", "docker network create b", "docker run -d --name both --network a --network b web")
    with pytest.raises(ScenarioError, match="Container cannot be connected to network endpoints: a, b"):
        host(*cmds, version="20.10")
    assert len(host(*cmds, version="27.5").hosts["h1"].containers["both"].attachments) == 2


def test_ip_without_network_is_ignored_by_20_10_and_refused_otherwise():
    scn = host("docker run -d --name web --ip 172.17.0.50 --expose 80 web", version="20.10")
    assert scn.hosts["h1"].containers["web"].attachments[0].ip == "172.17.0.2"
    assert any("ignored by Docker 20.10" in w for w in scn.warnings)
    with pytest.raises(ScenarioError, match="user specified IP address is supported on user defined networks only"):
        host("docker run -d --name web --ip 172.17.0.50 web", version="27.5")


def test_gateway_endpoint_carries_mappings_and_moves_on_connect():
    # moby Endpoint.Less: non-internal before internal, then network name
    scn = host("docker network create zeta", "docker network create alpha",
               "docker run -d --name web --network zeta -p 8080:80 web", "docker network connect alpha web")
    web = scn.hosts["h1"].containers["web"]
    assert web.gateway_attachment.network.name == "alpha"
    r = trace(scn, "host/h1", "127.0.0.1:8080")
    assert r.delivered and r.source_ip_seen == "172.19.0.1"  # docker-proxy reaches web on alpha
    r = trace(scn, "external:192.168.1.77", "192.168.1.50:8080")
    assert r.delivered and r.endpoint.ip == web.gateway_attachment.ip


def test_published_ports_need_a_non_internal_network():
    scn = host("docker network create --internal i", "docker run -d --name web --network i -p 8080:80 web")
    assert trace(scn, "external:192.168.1.77", "192.168.1.50:8080").reason == "refused"
    assert any("not set up" in w for w in scn.warnings)
    scn = host("docker network create --internal i", "docker network create a",
               "docker run -d --name web --network i -p 8080:80 web", "docker network connect a web")
    assert trace(scn, "external:192.168.1.77", "192.168.1.50:8080").delivered


@pytest.mark.parametrize("version,message", [
    ("30.0", "Docker 30.0 is not modelled"),
    ("28.0.0", "replaced in 28.0.1 (moby#49530)"),
    ("19.03", "is not modelled"),
    ("latest", "write the engine version as a quoted string"),
])
def test_engine_versions_not_modelled_are_refused(version, message):
    assert message in refused(version=version)


@pytest.mark.parametrize("daemon,message", [
    ('{"userland-proxy": "no"}', "must be true or false"),
    ('{"iptables": false}', "iptables: false is not modelled"),
    ('{"allow-direct-routing": "yes"}', "must be true or false"),
    ('{"default-address-pools": [{"base": "10.10.0.0/16", "size": 24}]}', "'default-address-pools' is not modelled"),
    ('{"bip": "10.9.0.0/16"}', "must be a host address"),
])
def test_daemon_settings_not_modelled_are_refused(daemon, message):
    text = refused(daemon=daemon)
    assert message in text and "spec.daemon" in text


def test_daemon_bip_moves_docker0_and_defaults_are_accepted():
    scn = host("docker run -d --name web -p 80:80 web",
               daemon='{"bip": "10.9.0.1/24", "userland-proxy": true, "icc": true, "iptables": true}')
    assert scn.hosts["h1"].containers["web"].attachments[0].ip == "10.9.0.2"
    assert trace(scn, "host/h1", "127.0.0.1:80").source_ip_seen == "10.9.0.1"


def test_enable_icc_false_drops_traffic_between_containers_of_the_network():
    scn = host("docker network create -o com.docker.network.bridge.enable_icc=false n",
               "docker run -d --name web --network n -p 8080:80 web", "docker run -d --name cli --network n alpine")
    assert trace(scn, "container/cli", "web:80").reason == "timeout"
    assert trace(scn, "container/cli", "192.168.1.50:8080").delivered  # docker-proxy is not forwarded traffic
    net = scn.hosts["h1"].networks["n"]
    assert f"-A DOCKER-FORWARD -i {net.bridge} -o {net.bridge} -j DROP" in docker_rules(scn.hosts["h1"])
    assert f"-A DOCKER-FORWARD -i {net.bridge} ! -o {net.bridge} -j ACCEPT" in docker_rules(scn.hosts["h1"])
    old = host("docker network create -o com.docker.network.bridge.enable_icc=false n", version="20.10")
    assert f"-A FORWARD -i {net.bridge} -o {net.bridge} -j DROP" in docker_rules(old.hosts["h1"])


def test_host_binding_ipv4_is_the_default_address_of_p():
    scn = host("docker network create -o com.docker.network.bridge.host_binding_ipv4=127.0.0.1 n",
               "docker run -d --name web --network n -p 8080:80 web")
    assert trace(scn, "external:192.168.1.77", "192.168.1.50:8080").reason == "refused"
    assert trace(scn, "host/h1", "127.0.0.1:8080").delivered


def test_add_host_and_host_gateway():
    scn = host("docker run -d --name hh --network host --expose 8080 web",
               "docker run -d --name cli --add-host db:10.1.2.3 --add-host host.docker.internal:host-gateway alpine")
    r = trace(scn, "container/cli", "host.docker.internal:8080")
    assert r.delivered and r.endpoint.name == "hh" and r.source_ip_seen == "172.17.0.2"
    assert "/etc/hosts" in r.hops[0]["what"]
    with pytest.raises(ScenarioError, match="custom host-to-IP mapping and the network mode"):
        host("docker run -d --name app web", "docker run -d --name side --network container:app --add-host a:1.2.3.4 web")
    with pytest.raises(ScenarioError, match="bad format for add-host"):
        host("docker run -d --name app --add-host nocolon web")


def test_container_dot_network_names_and_links():
    scn = host("docker network create app", "docker run -d --name db --network app --expose 5432 pg",
               "docker run -d --name cli --network app alpine", "docker run -d --name web --expose 80 nginx",
               "docker run -d --name old --link web:site alpine")
    assert trace(scn, "container/cli", "db.app:5432").endpoint.name == "db"
    assert trace(scn, "container/cli", "db.other:5432").reason == "nxdomain"
    assert trace(scn, "container/old", "site:80").endpoint.name == "web"  # --link on the default bridge
    assert trace(scn, "container/old", "web:80").endpoint.name == "web"


@pytest.mark.parametrize("option,words", [
    ("-h side", "conflicting options: hostname and the network mode"),
    ("--dns 10.0.0.53", "conflicting options: dns and the network mode"),
    ("--add-host a:10.1.2.3", "conflicting options: custom host-to-IP mapping and the network mode"),
    ("--link app:a", "links are only supported for user-defined networks"),
    ("-p 8080:80", "conflicting options: port publishing and the container type network mode"),
    ("-P", "conflicting options: port publishing and the container type network mode"),
    ("--expose 80", "conflicting options: port exposing and the container type network mode"),
    ("--mac-address 02:42:ac:11:00:99", "conflicting options: mac-address and the network mode"),
])
def test_container_mode_refusals_in_dockers_words(option, words):
    # moby runconfig validateNetContainerMode; Docker 20.10's words judged in tests/docker_engine (refuse-*)
    with pytest.raises(ScenarioError, match=words):
        host("docker run -d --name app web", f"docker run -d --name side --network container:app {option} web")


def test_joining_its_own_namespace_is_refused_in_dockers_words():
    with pytest.raises(ScenarioError, match="cannot join own network"):
        host("docker run -d --name self --network container:self web")


@pytest.mark.parametrize("version", ["20.10", "27.5"])
def test_internal_container_reaching_a_published_port_through_its_gateway(version):
    # seen on Docker 20.10: the internal bridge has no `-i <bridge> -j RETURN` in nat DOCKER, so the packet is
    # DNAT-ed to the published container and then dropped by DOCKER-ISOLATION-STAGE-1 (a timeout)
    scn = host("docker network create --internal i", "docker run -d --name cli --network i alpine",
               "docker run -d --name web -p 8080:80 nginx", version=version)
    r = trace(scn, "container/cli", "172.18.0.1:8080")
    assert r.reason == "timeout" and "DOCKER-ISOLATION-STAGE-1" in r.hops[-1]["what"]
    net = scn.hosts["h1"].networks["i"]
    assert f"-A DOCKER -i {net.bridge} -j RETURN" not in docker_rules(scn.hosts["h1"])

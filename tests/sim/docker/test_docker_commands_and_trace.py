"""Docker traces and command parsing."""

from __future__ import annotations

import pytest

from quizapp.sim import ScenarioError, load_scenario, load_scenario_documents, trace
from quizapp.sim.docker.flags import RUN_ALIASES, RUN_BOOL, RUN_SHORT, RUN_VALUE, CommandError, parse_flags
from quizapp.sim.docker.publishing import parse_publish

from ..helpers import changes, load, wheres


@pytest.fixture(scope="module")
def dh():
    return load("docker-host.yaml")


def host_with(*commands: str, ip: str = "192.168.1.50"):
    return load_scenario_documents([{"apiVersion": "quizapp.io/v1", "kind": "DockerHost", "metadata": {"name": "h1"},
                                     "spec": {"ip": ip, "commands": list(commands)}}])


# -- addresses ------------------------------------------------------------------------------------

def test_default_bridge_addresses_in_start_order(dh):
    h = dh.hosts["h1"]
    on_bridge = [(c.name, c.attachments[0].ip) for c in h.containers.values()
                 if c.attachments and c.attachments[0].network.name == "bridge"]
    assert on_bridge == [("web", "172.17.0.2"), ("admin", "172.17.0.3"), ("rnd", "172.17.0.4"), ("dns", "172.17.0.5"),
                         ("exp", "172.17.0.6"), ("plain", "172.17.0.7")]
    assert h.networks["bridge"].bridge == "docker0" and h.networks["bridge"].gateway == "172.17.0.1"


def test_user_defined_subnets_follow_docker_pools(dh):
    h = dh.hosts["h1"]
    assert str(h.networks["app"].subnet) == "172.18.0.0/16"
    assert h.networks["app"].bridge.startswith("br-") and len(h.networks["app"].bridge) == 15
    assert str(h.networks["db"].subnet) == "10.10.0.0/24" and h.networks["db"].gateway == "10.10.0.1"
    scn = host_with("docker network create a", "docker network create --subnet 172.19.0.0/16 b", "docker network create c")
    nets = scn.hosts["h1"].networks
    assert (str(nets["a"].subnet), str(nets["b"].subnet), str(nets["c"].subnet)) == ("172.18.0.0/16", "172.19.0.0/16", "172.20.0.0/16")


def test_random_host_ports_from_ephemeral_range(dh):
    h = dh.hosts["h1"]
    assert [(m.host_port, m.container_port) for m in h.containers["rnd"].publish] == [(32768, 80)]
    assert [(m.host_port, m.container_port) for m in h.containers["exp"].publish] == [(32769, 7000), (32770, 7001)]
    assert trace(dh, "external", "192.168.1.50:32770").endpoint.port == 7001


# -- publishing -----------------------------------------------------------------------------------

def test_publish_from_outside_keeps_client_ip(dh):
    r = trace(dh, "external:198.18.0.9", "192.168.1.50:8080")
    assert r.delivered
    assert r.endpoint.to_dict() == {"kind": "container", "name": "web", "ip": "172.17.0.2", "port": 80}
    assert r.source_ip_seen == "198.18.0.9"
    assert changes(r, "DNAT") == [{"type": "DNAT", "before": "192.168.1.50:8080", "after": "172.17.0.2:80"}]
    assert "host/h1 iptables nat PREROUTING" in wheres(r)


def test_host_loopback_goes_through_docker_proxy(dh):
    r = trace(dh, "host/h1", "localhost:8080")
    assert r.delivered and r.endpoint.name == "web"
    assert r.source_ip_seen == "172.17.0.1"
    assert changes(r, "proxy") and changes(r, "DNAT") == []


def test_host_to_own_lan_address_is_dnated_in_output(dh):
    r = trace(dh, "host/h1", "192.168.1.50:8080")
    assert r.delivered and r.source_ip_seen == "192.168.1.50"
    assert "host/h1 iptables nat OUTPUT" in wheres(r)


def test_loopback_bound_publish(dh):
    assert trace(dh, "external", "192.168.1.50:9000").reason == "refused"
    assert trace(dh, "host/h1", "192.168.1.50:9000").reason == "refused"
    r = trace(dh, "host/h1", "127.0.0.1:9000")
    assert r.delivered and r.endpoint.name == "admin" and r.source_ip_seen == "172.17.0.1"


def test_udp_publish_is_udp_only(dh):
    r = trace(dh, "external", "192.168.1.50:5353/udp")
    assert r.delivered and r.endpoint.port == 53
    r = trace(dh, "external", "192.168.1.50:5353")
    assert r.reason == "refused"


def test_expose_alone_publishes_nothing():
    scn = host_with("docker run -d --name xx --expose 80 nginx")
    assert trace(scn, "external", "192.168.1.50:80").reason == "refused"
    assert trace(scn, "host/h1", "172.17.0.2:80").delivered  # but the container listens on it


def test_published_port_without_listener():
    scn = host_with("docker run -d --name xx -p 8080:80 --label quizapp.io/listen=81 nginx")
    assert trace(scn, "external", "192.168.1.50:8080").reason == "refused"
    r = trace(scn, "host/h1", "localhost:8080")
    assert r.reason == "refused" and "docker-proxy" in r.hops[-1]["what"]


def test_container_to_published_port_via_host_uses_proxy():
    # Docker 20.10-28: nat DOCKER RETURNs what arrives from a bridge, docker-proxy connects from docker0's
    # address. Docker 29 has no RETURN (iptablesdoc usernet-portmap.md): the packet from another bridge is
    # DNAT-ed and masqueraded to docker0's address on the way out - the same peer address, other hops.
    old = trace(load("docker-host.yaml", engineVersion="20.10"), "container/tool", "192.168.1.50:8080")
    assert old.delivered and old.endpoint.name == "web" and old.source_ip_seen == "172.17.0.1"
    assert any("-j RETURN" in h["what"] for h in old.hops) and any("docker-proxy" in h["where"] for h in old.hops)
    new = trace(load("docker-host.yaml", engineVersion="29.1"), "container/tool", "192.168.1.50:8080")
    assert new.delivered and new.endpoint.name == "web" and new.source_ip_seen == "172.17.0.1"
    assert not any("-j RETURN" in h["what"] for h in new.hops) and changes(new, "DNAT") and changes(new, "SNAT")


# -- networks, DNS, isolation ---------------------------------------------------------------------

def test_dns_on_user_defined_network_by_name_and_alias(dh):
    for name in ("api", "backend", "API"):
        r = trace(dh, "container/tool", f"{name}:5000")
        assert r.delivered and r.endpoint.name == "api" and r.source_ip_seen == "172.18.0.3"
        assert "embedded DNS" in r.hops[0]["what"]


def test_no_dns_on_default_bridge(dh):
    r = trace(dh, "container/plain", "web:80")
    assert r.reason == "nxdomain"
    assert trace(dh, "container/plain", "172.17.0.2:80").delivered


def test_isolation_between_user_defined_networks(dh):
    r = trace(load("docker-host.yaml", engineVersion="27.5"), "container/tool", "10.10.0.10:5432")
    assert r.reason == "timeout" and "DOCKER-ISOLATION-STAGE-2" in r.hops[-1]["what"]
    r = trace(dh, "container/tool", "10.10.0.10:5432")  # 28+: the raw table drops it before filter
    assert r.reason == "timeout" and "-d 10.10.0.10/32 ! -i" in r.hops[-1]["what"] and "raw" in r.hops[-1]["where"]
    assert trace(dh, "container/tool", "pg:5432").reason == "nxdomain"  # pg is on another network
    assert trace(dh, "container/plain", "172.18.0.2:5000").reason == "timeout"


def test_network_connect_joins_a_second_network():
    scn = host_with("docker network create a", "docker network create b",
                    "docker run -d --name srv --network a --expose 80 nginx",
                    "docker run -d --name cli --network b alpine",
                    "docker network connect --alias web b srv")
    r = trace(scn, "container/cli", "web:80")
    assert r.delivered and r.endpoint.ip.startswith("172.19.")


def test_none_network(dh):
    assert trace(dh, "container/isolated", "172.17.0.2:80").reason == "unreachable"
    assert trace(dh, "container/isolated", "web:80").reason == "nxdomain"
    scn = host_with("docker run -d --name xx --network none --label quizapp.io/listen=80 alpine")
    assert trace(scn, "container/xx", "localhost:80").delivered


def test_container_mode_shares_namespace(dh):
    api = dh.hosts["h1"].containers["api"]
    r = trace(dh, "container/tool", "backend:9100")  # the sidecar listens in api's namespace
    assert r.delivered and r.endpoint.name == "sidecar" and r.endpoint.ip == api.attachments[0].ip
    r = trace(dh, "container/sidecar", "localhost:5000")
    assert r.delivered and r.endpoint.name == "api" and r.source_ip_seen == "127.0.0.1"


def test_host_mode_container_listens_on_host(dh):
    r = trace(dh, "external", "192.168.1.50:80")
    assert r.delivered and r.endpoint.to_dict() == {"kind": "container", "name": "hostnet", "ip": "192.168.1.50", "port": 80}
    assert trace(dh, "external", "192.168.1.50:9999").reason == "refused"  # -p discarded
    assert any("Published ports are discarded" in w for w in dh.warnings)


def test_container_mode_of_a_host_mode_container_listens_on_the_host():
    # the joiner's process is in the host's network namespace: the LAN and the host reach it on the host's
    # addresses (Docker 20.10 agrees: tests/docker_engine scenario container-mode-of-host-mode-listener)
    scn = host_with("docker run -d --name hh --network host --expose 8080 nginx",
                    "docker run -d --name side --network container:hh --label quizapp.io/listen=9100 exporter")
    r = trace(scn, "external:192.168.1.77", "192.168.1.50:9100")
    assert r.delivered and r.endpoint.name == "side" and r.source_ip_seen == "192.168.1.77"
    assert trace(scn, "host/h1", "127.0.0.1:9100").endpoint.name == "side"
    assert trace(scn, "container/side", "127.0.0.1:8080").endpoint.name == "hh"


def test_outbound_masquerade(dh):
    scn = load_scenario("""
apiVersion: quizapp.io/v1
kind: DockerHost
metadata: {name: a}
spec:
  ip: 192.168.1.50
  commands: ["docker run -d --name cc alpine"]
---
apiVersion: quizapp.io/v1
kind: DockerHost
metadata: {name: b}
spec:
  ip: 192.168.1.51
  commands: ["docker run -d --name ss -p 80:80 nginx"]
""")
    r = trace(scn, "container/cc", "192.168.1.51:80")
    assert r.delivered and r.source_ip_seen == "192.168.1.50"
    assert changes(r, "SNAT") == [{"type": "SNAT", "before": "172.17.0.2", "after": "192.168.1.50"}]
    assert trace(scn, "container/cc", "b:80").delivered  # host names resolve through the host's resolver


def test_container_ip_from_outside_unreachable(dh):
    assert trace(dh, "external", "172.17.0.2:80").reason == "unreachable"


# -- flag syntax ----------------------------------------------------------------------------------

def _run(args):
    return parse_flags(args, RUN_VALUE, RUN_BOOL, RUN_SHORT, RUN_ALIASES)


def test_flag_forms():
    f = _run(["--name=x", "-p8080:80", "-p", "81", "-dit", "--rm", "--net", "app", "-e", "A=1", "--publish=9:9/udp",
              "nginx", "--name", "ignored", "-p", "1:1"])
    assert f.last("name") == "x"
    assert f.all("publish") == ["8080:80", "81", "9:9/udp"]
    assert f.bools == {"detach": True, "interactive": True, "tty": True, "rm": True}
    assert f.last("network") == "app"
    assert f.positionals[0] == "nginx" and f.positionals[1:] == ["--name", "ignored", "-p", "1:1"]
    assert _run(["-dp", "80:80", "img"]).all("publish") == ["80:80"]
    assert _run(["--rm=false", "img"]).bools == {"rm": False}


@pytest.mark.parametrize("args,msg", [
    (["--frobnicate", "img"], "unknown flag: --frobnicate"),
    (["-Z", "img"], "unknown shorthand flag: 'Z'"),
    (["--name"], "flag needs an argument: --name"),
    (["-p"], "flag needs an argument: 'p'"),
])
def test_flag_errors(args, msg):
    with pytest.raises(CommandError, match=msg):
        _run(args)


@pytest.mark.parametrize("spec,expected", [
    ("8080:80", ("0.0.0.0", [8080], [80], "tcp")),
    ("127.0.0.1:8080:80", ("127.0.0.1", [8080], [80], "tcp")),
    ("80", ("0.0.0.0", None, [80], "tcp")),
    ("8080:80/udp", ("0.0.0.0", [8080], [80], "udp")),
    ("127.0.0.1::80", ("127.0.0.1", None, [80], "tcp")),
    ("8000-8001:80-81", ("0.0.0.0", [8000, 8001], [80, 81], "tcp")),
])
def test_publish_forms(spec, expected):
    p = parse_publish(spec)
    assert (p.host_ip, p.host_ports, p.container_ports, p.proto) == expected


@pytest.mark.parametrize("spec", ["8080:80/icmp", "a:80", "1:2:3:4", "70000:80", "[::1]:80:80"])
def test_publish_errors(spec):
    with pytest.raises(CommandError):
        parse_publish(spec)


def test_commands_accept_shell_forms():
    scn = host_with("$ sudo docker run -d \\\n  --name 'my web' -p 80:80 nginx" .replace("'my web'", "myweb"),
                    "docker container run --detach --name=two --publish 81:80 nginx nginx -g 'daemon off;'")
    assert set(scn.hosts["h1"].containers) == {"myweb", "two"}


def test_unnamed_containers_get_stable_names():
    a = host_with("docker run -d nginx", "docker run -d nginx")
    b = host_with("docker run -d nginx", "docker run -d nginx")
    assert list(a.hosts["h1"].containers) == list(b.hosts["h1"].containers)
    assert len(set(a.hosts["h1"].containers)) == 2


def test_container_names_need_two_characters():
    # moby's validContainerNamePattern is [a-zA-Z0-9][a-zA-Z0-9_.-]+ (checked against Docker 20.10 in
    # tests/docker_engine: "Invalid container name (x)")
    with pytest.raises(ScenarioError, match=r"Invalid container name \(x\)"):
        host_with("docker run -d --name x nginx")


def test_publish_to_any_loopback_address():
    scn = host_with("docker run -d --name web -p 127.0.0.2:8080:80 nginx")
    assert trace(scn, "host/h1", "127.0.0.2:8080").delivered
    assert trace(scn, "host/h1", "127.0.0.1:8080").reason == "refused"


def test_publish_with_network_none_is_ignored_with_a_warning():
    scn = host_with("docker run -d --name xx --network none -p 80:80 nginx")
    assert any("--network none" in w for w in scn.warnings)
    assert trace(scn, "external", "192.168.1.50:80").reason == "refused"


def test_the_dnat_hop_names_the_host_address_a_port_is_published_on():
    scn = load_scenario("kind: DockerHost\nmetadata: {name: h1}\nspec:\n  ip: 192.168.1.50\n  commands:\n"
                        "  - docker run -d --name web -p 192.168.1.50:8080:80 nginx\n")
    hops = " | ".join(h["what"] for h in trace(scn, "external:192.168.1.77", "192.168.1.50:8080").hops)
    assert "DOCKER: -d 192.168.1.50/32 ! -i docker0 -p tcp --dport 8080 -j DNAT" in hops


def test_two_members_of_one_namespace_on_the_same_port_the_first_holds_it():
    # One network namespace has one socket per port: the second process's bind fails (EADDRINUSE), so the
    # connection reaches the member that started first, and the scenario says the second would fail.
    scn = host_with("docker network create app",
                    "docker run -d --name api --network app --label quizapp.io/listen=8080 api",
                    "docker run -d --name side --network container:api --label quizapp.io/listen=8080,9100 exporter",
                    "docker run -d --name tool --network app alpine")
    r = trace(scn, "container/tool", "api:8080")
    assert r.delivered and r.endpoint.name == "api"
    assert trace(scn, "container/tool", "api:9100").endpoint.name == "side"
    assert any("port 8080/tcp is already bound in api's network namespace by api" in w for w in scn.warnings)
    assert not any("9100" in w for w in scn.warnings)

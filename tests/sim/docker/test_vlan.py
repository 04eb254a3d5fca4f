"""macvlan beyond bridge mode and ipvlan (L2, L3, L3S; flags bridge, private, vepa), from moby's drivers
(libnetwork/drivers/macvlan/macvlan_network.go, ipvlan/ipvlan_network.go, ipvlan_joinleave.go), the Docker docs
(docs.docker.com/engine/network/drivers/macvlan, .../ipvlan) and the kernel's ipvlan.rst. The kernel of the
machine these tests were written on cannot create ipvlan links, so ipvlan is judged by these sources only;
macvlan modes are judged by Docker 20.10 in tests/docker_engine (``macvlan-*`` scenarios)."""

from __future__ import annotations

import pytest

from quizapp.sim import ScenarioError, load_scenario, trace


def host(*commands: str, version: str | None = None, lan_routes: bool = False):
    extra = f'  engineVersion: "{version}"\n' if version else ""
    extra += "  lanRoutesToBridges: true\n" if lan_routes else ""
    lines = "\n".join(f"  - {c!r}" for c in commands)
    return load_scenario(f"kind: DockerHost\nmetadata: {{name: h1}}\nspec:\n  ip: 192.168.1.50\n{extra}  commands:\n{lines}\n")

MV = "docker network create -d macvlan --subnet 192.168.1.0/24 --gateway 192.168.1.1 --ip-range 192.168.1.128/25 -o parent=eth0"
IV = "docker network create -d ipvlan --subnet 192.168.1.0/24 --gateway 192.168.1.1 --ip-range 192.168.1.128/25 -o parent=eth0"
L3 = "docker network create -d ipvlan --subnet 10.50.0.0/24 -o parent=eth0 -o ipvlan_mode=l3"
PAIR = ("docker run -d --name c1 --network {net} --expose 80 web", "docker run -d --name c2 --network {net} --expose 80 web")


def two(create: str, net: str = "v", version: str = "29.1", **kw):
    return host(f"{create} {net}", *(p.format(net=net) for p in PAIR), version=version, **kw)


@pytest.mark.parametrize("mode,reason", [("bridge", None), ("private", "unreachable"), ("vepa", "unreachable")])
def test_macvlan_modes_between_children(mode, reason):
    scn = two(f"{MV} -o macvlan_mode={mode}", version="20.10")
    r = trace(scn, "container/c1", "c2:80")
    assert r.reason == reason
    if reason is None:
        assert (r.endpoint.name, r.source_ip_seen) == ("c2", "192.168.1.128")
    assert trace(scn, "external:192.168.1.77", "192.168.1.129:80").endpoint.name == "c2"  # the LAN reaches every mode


def test_macvlan_passthru_takes_one_container_and_the_host_s_lan():
    with pytest.raises(ScenarioError) as info:
        two(f"{MV} -o macvlan_mode=passthru", version="20.10")
    assert "passthru mode takes one container" in str(info.value)
    scn = host(f"{MV} -o macvlan_mode=passthru v", "docker run -d --name c1 --network v --expose 80 web", version="20.10")
    assert trace(scn, "external:192.168.1.77", "192.168.1.128:80").endpoint.name == "c1"
    r = trace(scn, "external:192.168.1.77", "192.168.1.50:22")
    assert r.reason == "unreachable" and "lower device" in r.hops[-1]["what"]


def test_macvlan_without_parent_containers_talk_only_to_each_other():
    scn = two("docker network create -d macvlan --subnet 10.9.0.0/24", version="20.10")
    r = trace(scn, "container/c1", "c2:80")
    assert (r.endpoint.name, r.source_ip_seen) == ("c2", "10.9.0.2")
    assert trace(scn, "container/c1", "192.168.1.77:80").reason == "unreachable"  # no default route
    assert not trace(scn, "external:192.168.1.77", "10.9.0.3:80").delivered


def test_one_network_per_parent_on_20_10():
    with pytest.raises(ScenarioError) as info:
        host(f"{MV} n1", "docker network create -d macvlan --subnet 10.1.0.0/24 -o parent=eth0 n2", version="20.10")
    assert "is already using parent interface eth0" in str(info.value)


def test_macvlan_and_bridge_gateway_endpoint_by_name():
    """The macvlan network is named first, so it is the gateway endpoint: the default route leads to the LAN's
    router and -p publishes nothing; the bridge network still reaches its own subnet."""
    scn = host(f"{MV} amv", "docker network create --subnet 172.20.0.0/24 zbr",
               "docker run -d --name web --network zbr --expose 80 web",
               "docker run -d --name cc --network amv --expose 80 web", "docker network connect zbr cc", version="20.10")
    c = scn.hosts["h1"].containers["cc"]
    assert c.gateway_attachment.network.name == "amv"
    assert trace(scn, "container/cc", "web:80").source_ip_seen == "172.20.0.3"
    r = trace(scn, "container/cc", "192.168.1.50:80")
    assert r.reason == "unreachable"  # 192.168.1.0/24 is on the macvlan interface: the parent's own host


def test_bridge_named_first_carries_the_default_route():
    scn = host(f"{MV} zmv", "docker network create --subnet 172.20.0.0/24 abr",
               "docker run -d --name cc --network abr --expose 80 web", "docker network connect zmv cc",
               "docker run -d --name far --network host --expose 9000 web", version="20.10")
    c = scn.hosts["h1"].containers["cc"]
    assert c.gateway_attachment.network.name == "abr" and c.route_attachment().network.name == "abr"
    assert trace(scn, "external:192.168.1.77", "192.168.1.128:80").endpoint.name == "cc"
    # the LAN's subnet is on the macvlan interface: that route is more specific than the default one
    assert trace(scn, "container/cc", "192.168.1.50:9000").reason == "unreachable"


def test_a_dummy_parent_network_is_never_the_gateway_endpoint():
    scn = host("docker network create -d macvlan --subnet 10.9.0.0/24 amv", "docker network create --subnet 172.20.0.0/24 zbr",
               "docker run -d --name cc --network amv --expose 80 web", "docker network connect zbr cc", version="20.10")
    assert scn.hosts["h1"].containers["cc"].gateway_attachment.network.name == "zbr"  # joinInfo.gw first


def test_gateway_moving_between_kinds_with_published_ports_is_refused():
    with pytest.raises(ScenarioError) as info:
        host("docker network create --subnet 172.20.0.0/24 zbr", f"{MV} amv",
             "docker run -d --name cc --network zbr -p 8080:80 web", "docker network connect amv cc", version="20.10")
    assert "would move between a macvlan/ipvlan network and a bridge network" in str(info.value)


def test_ipvlan_l2_like_macvlan_bridge():
    scn = two(IV)
    assert trace(scn, "container/c1", "c2:80").endpoint.name == "c2"
    r = trace(scn, "external:192.168.1.77", "192.168.1.128:80")
    assert (r.endpoint.name, r.source_ip_seen) == ("c1", "192.168.1.77")
    assert trace(scn, "host/h1", "192.168.1.128:80").reason == "unreachable"
    assert trace(scn, "container/c1", "192.168.1.50:22").reason == "unreachable"
    assert "ipvlan network v (l2 bridge)" in trace(scn, "container/c1", "c2:80").hops[-2]["what"]


@pytest.mark.parametrize("flag,reason", [("private", "unreachable"), ("vepa", "unreachable")])
def test_ipvlan_l2_flags(flag, reason):
    assert trace(two(f"{IV} -o ipvlan_flag={flag}"), "container/c1", "c2:80").reason == reason


def test_ipvlan_l3_needs_a_route_on_the_lan():
    scn = two(L3)
    r = trace(scn, "external:192.168.1.77", "10.50.0.1:80")  # Docker 29 reserves no gateway address on L3
    assert r.reason == "unreachable" and "answers no ARP" in r.hops[-1]["what"]
    assert trace(scn, "container/c1", "192.168.1.77:80").reason == "timeout"  # the answer has no way back
    routed = two(L3, lan_routes=True)
    r = trace(routed, "external:192.168.1.77", "10.50.0.1:80")
    assert (r.endpoint.name, r.source_ip_seen) == ("c1", "192.168.1.77")
    assert trace(routed, "host/h1", "10.50.0.1:80").reason == "unreachable"


def test_ipvlan_l3_routes_between_children_no_gateway():
    scn = two(L3)
    r = trace(scn, "container/c1", "c2:80")
    assert (r.endpoint.name, r.source_ip_seen) == ("c2", "10.50.0.1")
    assert "no ARP" in r.hops[-2]["what"]
    assert trace(two(f"{L3} -o ipvlan_flag=private"), "container/c1", "c2:80").reason == "timeout"


def test_ipvlan_versions():
    with pytest.raises(ScenarioError) as info:
        two(f"{L3}s", version="20.10")
    assert "requested ipvlan mode 'l3s' is not valid, 'l2' mode is the ipvlan driver default" in str(info.value)
    assert trace(two(f"{L3}s"), "container/c1", "c2:80").endpoint.name == "c2"
    scn = two(f"{IV} -o ipvlan_flag=private", version="20.10")  # 20.10 never reads ipvlan_flag
    assert trace(scn, "container/c1", "c2:80").endpoint.name == "c2"
    assert any("does not read -o ipvlan_flag" in w for w in scn.warnings)


@pytest.mark.parametrize("line,words", [
    (f"{IV} -o ipvlan_mode=l4 n", "requested ipvlan mode 'l4' is not valid"),
    (f"{IV} -o ipvlan_flag=hairpin n", "requested ipvlan flag 'hairpin' is not valid, 'bridge' is the ipvlan driver default"),
    (f"{L3} -o ipvlan_flag=vepa n", "ipvlan_flag=vepa with ipvlan_mode=l3 is not modelled"),
])
def test_ipvlan_refusals(line, words):
    with pytest.raises(ScenarioError) as info:
        host(line)
    assert words in str(info.value)


def test_ipvlan_and_macvlan_cannot_share_eth0():
    with pytest.raises(ScenarioError) as info:
        host(f"{MV} n1", "docker network create -d ipvlan --subnet 10.1.0.0/24 -o parent=eth0 n2")
    assert "on the same parent eth0 are not modelled" in str(info.value)


def test_ipvlan_l3_with_another_network_is_refused():
    with pytest.raises(ScenarioError) as info:
        host(f"{L3} l3", "docker network create br", "docker run -d --name cc --network br web", "docker network connect l3 cc")
    assert "ipvlan L3 network and other networks is not modelled" in str(info.value)


def test_run_with_a_macvlan_and_a_bridge_network_on_25_and_later():
    scn = host(f"{MV} amv", "docker network create --subnet 172.20.0.0/24 zbr",
               "docker run -d --name cc --network zbr --network amv -p 8080:80 --expose 80 web", version="29.1")
    c = scn.hosts["h1"].containers["cc"]
    assert c.gateway_attachment.network.name == "amv" and not c.publish  # the macvlan endpoint: nothing published
    assert any("has no port mappings" in w for w in scn.warnings)
    assert trace(scn, "external:192.168.1.77", "192.168.1.128:80").endpoint.name == "cc"


def test_docker_29_sets_no_gateway_without_gateway_flag():
    """moby#50929 (Docker 29.0): macvlan and ipvlan L2 networks get a default route only from --gateway; IPAM no
    longer reserves the first address for a guessed one."""
    make = "docker network create -d macvlan --subnet 10.7.0.0/24 -o parent=eth0 v"
    new = host(make, "docker run -d --name c1 --network v --expose 80 web", version="29.1")
    old = host(make, "docker run -d --name c1 --network v --expose 80 web", version="28.3")
    assert new.hosts["h1"].networks["v"].gateway is None and old.hosts["h1"].networks["v"].gateway == "10.7.0.1"
    assert new.hosts["h1"].containers["c1"].attachments[0].ip == "10.7.0.1"
    assert old.hosts["h1"].containers["c1"].attachments[0].ip == "10.7.0.2"
    r = trace(new, "container/c1", "192.168.1.77:80")
    assert r.reason == "unreachable" and "moby#50929" in r.hops[-1]["what"]

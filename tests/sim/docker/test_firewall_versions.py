"""Docker 28 and 29 against 20.10-27: the rules each engine writes and the hops the trace prints, with the
source of each difference (moby integration/network/bridge/iptablesdoc/generated/*.md; endpoint.go's
filterDirectAccess). The 20.10 side of the direct-routing difference is also judged by the real engine
(tests/docker_engine, scenario direct-routing-from-lan)."""

from __future__ import annotations

import re

import pytest

from quizapp.sim import ScenarioError, load_scenario, trace
from quizapp.sim.rules import docker_rules, topology

H = "192.168.1.50"
EXT = "external:192.168.1.77"


def host(*commands: str, version: str = "29.1", daemon: str | None = None, routes: bool = True):
    extra = f"  daemon: {daemon}\n" if daemon else ""
    if routes:
        extra += "  lanRoutesToBridges: true\n"
    lines = "\n".join(f"  - {c}" for c in commands)
    return load_scenario(f'kind: DockerHost\nmetadata: {{name: h1}}\nspec:\n  ip: {H}\n  engineVersion: "{version}"\n'
                         f"{extra}  commands:\n{lines}\n")


FRONT = ("docker network create --subnet 172.20.0.0/24 front",
         "docker run -d --name web --network front -p 8080:80 --expose 81 nginx",
         "docker network create --subnet 172.23.0.0/24 other", "docker run -d --name cli --network other alpine",
         "docker network create --internal --subnet 172.24.0.0/24 vault", "docker run -d --name safe --network vault alpine")


def chains(text: str, table: str) -> dict[str, list[str]]:
    body = text.split(f"*{table}\n", 1)[1].split("COMMIT", 1)[0] if f"*{table}\n" in text else ""
    out: dict[str, list[str]] = {}
    for line in body.splitlines():
        if line.startswith(":"):
            out.setdefault(line[1:].split()[0], [])
        elif line.startswith("-A "):
            name, _, spec = line[3:].partition(" ")
            out.setdefault(name, []).append(spec)
    return out


@pytest.mark.parametrize("version", ["20.10", "27.5"])
def test_legacy_layout_has_isolation_chains_and_no_raw_table(version):
    text = docker_rules(host(*FRONT, version=version).hosts["h1"])
    flt = chains(text, "filter")
    assert "*raw" not in text and "DOCKER-FORWARD" not in flt
    assert flt["FORWARD"][:2] == ["-j DOCKER-USER", "-j DOCKER-ISOLATION-STAGE-1"]
    assert "-i docker0 -j RETURN" in chains(text, "nat")["DOCKER"]


def test_docker_28_moves_the_rules_into_docker_forward_and_drops_direct_access_in_raw():
    scn = host(*FRONT, version="28.3")
    h = scn.hosts["h1"]
    text = docker_rules(h)
    flt, nat, raw = chains(text, "filter"), chains(text, "nat"), chains(text, "raw")
    # swarm-portmap.md as generated on 28.x: FORWARD jumps to DOCKER-USER and DOCKER-FORWARD only
    assert flt["FORWARD"] == ["-j DOCKER-USER", "-j DOCKER-FORWARD"]
    assert flt["DOCKER-FORWARD"][:3] == ["-j DOCKER-CT", "-j DOCKER-ISOLATION-STAGE-1", "-j DOCKER-BRIDGE"]
    assert "DOCKER-INTERNAL" not in flt and flt["DOCKER-USER"] == ["-j RETURN"]
    front, vault = h.networks["front"], h.networks["vault"]
    assert f"-o {front.bridge} -j DOCKER" in flt["DOCKER-BRIDGE"] and f"-i {front.bridge} -j ACCEPT" in flt["DOCKER-FORWARD"]
    assert f"! -d 172.24.0.0/24 -i {vault.bridge} -j DROP" in flt["DOCKER-ISOLATION-STAGE-1"]
    assert f"-i {front.bridge} -j RETURN" in nat["DOCKER"]  # 28 still RETURNs in nat
    # filterDirectAccess: one DROP per endpoint of a nat network, none for --internal ones
    assert raw["PREROUTING"] == [f"-d 172.20.0.2/32 ! -i {front.bridge} -j DROP",
                                 f"-d 172.23.0.2/32 ! -i {h.networks['other'].bridge} -j DROP"]


def test_docker_29_has_docker_internal_no_isolation_chains_and_no_nat_return():
    h = host(*FRONT, version="29.1").hosts["h1"]
    text = docker_rules(h)
    flt, nat = chains(text, "filter"), chains(text, "nat")
    # usernet-portmap.md / usernet-internal.md as generated on 29
    assert not any(c.startswith("DOCKER-ISOLATION") for c in flt)
    assert flt["DOCKER-FORWARD"][:3] == ["-j DOCKER-CT", "-j DOCKER-INTERNAL", "-j DOCKER-BRIDGE"]
    vault = h.networks["vault"]
    assert flt["DOCKER-INTERNAL"] == [f"! -s 172.24.0.0/24 -o {vault.bridge} -j DROP", f"! -d 172.24.0.0/24 -i {vault.bridge} -j DROP"]
    assert f"-i {vault.bridge} -o {vault.bridge} -j ACCEPT" in flt["DOCKER-FORWARD"]
    assert flt["DOCKER-USER"] == [] and not any("RETURN" in r for r in nat["DOCKER"])
    assert nat["DOCKER"] == [f"! -i {h.networks['front'].bridge} -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.20.0.2:80"]


@pytest.mark.parametrize("version,reason", [("20.10", None), ("27.5", None), ("28.3", "timeout"), ("29.1", "timeout")])
def test_lan_host_routing_straight_to_a_published_container_port(version, reason):
    # 20.10-27: the DOCKER chain's per-port ACCEPT lets the LAN reach the container's own address (moby#45610;
    # seen on the real 20.10 engine). 28+: raw PREROUTING -d <container> ! -i <bridge> -j DROP (filterDirectAccess).
    r = trace(host(*FRONT, version=version), EXT, "172.20.0.2:80")
    assert r.reason == reason
    if reason is None:
        assert r.source_ip_seen == "192.168.1.77" and "DOCKER: -d 172.20.0.2/32" in r.hops[-3]["what"]
    else:
        assert r.hops[-1]["where"] == "host/h1 iptables raw" and "-d 172.20.0.2/32 ! -i br-" in r.hops[-1]["what"]
    assert trace(host(*FRONT, version=version), EXT, "172.20.0.2:81").reason == "timeout"  # not published: never
    assert trace(host(*FRONT, version=version), EXT, f"{H}:8080").delivered  # the published port: always


def test_without_a_lan_route_the_container_address_is_unreachable():
    assert trace(host(*FRONT, routes=False), EXT, "172.20.0.2:80").reason == "unreachable"
    routes = topology(host(*FRONT)).namespace("lan").routes
    assert {(r.dst, r.via) for r in routes} >= {("172.20.0.0/24", H), ("172.17.0.0/16", H)}


def test_allow_direct_routing_removes_the_raw_drops():
    scn = host(*FRONT, version="28.3", daemon='{"allow-direct-routing": true}')
    assert chains(docker_rules(scn.hosts["h1"]), "raw")["PREROUTING"] == []
    r = trace(scn, EXT, "172.20.0.2:80")
    assert r.delivered and r.source_ip_seen == "192.168.1.77"
    assert trace(scn, EXT, "172.20.0.2:81").reason == "timeout"  # the DOCKER chain still drops unpublished ports
    with pytest.raises(ScenarioError, match="added in Docker 28.2"):
        host(*FRONT, version="28.1", daemon='{"allow-direct-routing": true}')


def test_nat_unprotected_opens_every_port_to_direct_routing():
    # usernet-portmap-natunprot.md: the DOCKER chain ends in ACCEPT, no per-port rule, no raw drop
    cmds = ("docker network create --subnet 172.30.0.0/24 -o com.docker.network.bridge.gateway_mode_ipv4=nat-unprotected open",
            "docker run -d --name uweb --network open -p 8081:80 --expose 81 nginx",
            "docker network create --subnet 172.29.0.0/24 side", "docker run -d --name cli2 --network side alpine")
    scn = host(*cmds)
    h = scn.hosts["h1"]
    flt, raw = chains(docker_rules(h), "filter"), chains(docker_rules(h), "raw")
    b = h.networks["open"].bridge
    assert f"! -i {b} -o {b} -j ACCEPT" in flt["DOCKER"] and not any("172.30.0.2" in r for r in flt["DOCKER"])
    assert not any("172.30.0.2" in r for r in raw.get("PREROUTING", []))
    r = trace(scn, EXT, "172.30.0.2:81")
    assert r.delivered and r.source_ip_seen == "192.168.1.77" and "nat-unprotected" in r.hops[-3]["what"]
    # 29: no isolation chains, so another network's container gets in too (masqueraded to the gateway)
    r = trace(scn, "container/cli2", "172.30.0.2:81")
    assert r.delivered and r.source_ip_seen == "172.30.0.1"
    assert trace(host(*cmds, version="28.3"), "container/cli2", "172.30.0.2:81").reason == "timeout"  # 28: isolation
    # Docker 27 knows the option (nat, routed) but not this value: the daemon's own words (bridge_linux.go newGwMode)
    with pytest.raises(ScenarioError, match=r"failed to parse com.docker.network.bridge.gateway_mode_ipv4 value: "
                                            r"nat-unprotected \(unknown gateway mode nat-unprotected\)"):
        host(*cmds, version="27.5")


def test_trusted_host_interfaces_keep_direct_access_from_that_interface():
    cmds = ("docker network create --subnet 172.31.0.0/24 -o com.docker.network.bridge.trusted_host_interfaces=eth0 trusted",
            "docker run -d --name tweb --network trusted -p 8082:80 --expose 81 nginx")
    scn = host(*cmds)
    b = scn.hosts["h1"].networks["trusted"].bridge
    assert chains(docker_rules(scn.hosts["h1"]), "raw")["PREROUTING"] == [
        "-d 172.31.0.2/32 -i eth0 -j ACCEPT", f"-d 172.31.0.2/32 ! -i {b} -j DROP"]
    r = trace(scn, EXT, "172.31.0.2:80")
    assert r.delivered and any("trusted_host_interfaces" in h["what"] for h in r.hops)
    assert trace(scn, EXT, "172.31.0.2:81").reason == "timeout"  # trusted in raw, still filtered by DOCKER
    with pytest.raises(ScenarioError, match="added in Docker 28.2"):
        host(*cmds, version="28.1")


@pytest.mark.parametrize("opt,words", [
    ("gateway_mode_ipv4=isolated", "can only be used for an internal network"),
    ("gateway_mode_ipv4=bogus", r"unknown gateway mode bogus"),
    ("trusted_host_interfaces=", "colon-separated list"),
])
def test_gateway_modes_and_interfaces_not_modelled_or_invalid_are_refused(opt, words):
    with pytest.raises(ScenarioError, match=words):
        host(f"docker network create -o com.docker.network.bridge.{opt} n")


@pytest.mark.parametrize("version,chain", [("27.5", "DOCKER-ISOLATION-STAGE-1"), ("28.3", "DOCKER-ISOLATION-STAGE-1"),
                                           ("29.1", "DOCKER-INTERNAL")])
def test_internal_network_hops_name_the_versions_chain(version, chain):
    scn = host("docker network create --internal i", "docker run -d --name cli --network i alpine",
               "docker run -d --name web -p 8080:80 nginx", version=version)
    r = trace(scn, "container/cli", "172.18.0.1:8080")
    assert r.reason == "timeout" and f"{chain}: ! -d 172.18.0.0/16" in r.hops[-1]["what"]


def test_userland_proxy_false_is_accepted_on_every_modelled_engine():
    # modelled for 28/29 too since the dockergw branch (tests/sim/docker/test_hairpin_forward.py)
    for version in ("27.5", "28.3", "29.1"):
        host("docker run -d --name web -p 8080:80 nginx", version=version, daemon='{"userland-proxy": false}')


def test_lan_routes_flag_must_be_a_boolean():
    with pytest.raises(ScenarioError, match="spec.lanRoutesToBridges"):
        load_scenario("kind: DockerHost\nmetadata: {name: h1}\nspec:\n  ip: 192.168.1.50\n  lanRoutesToBridges: yes please\n  commands: []\n")


TRACES = [(EXT, "172.20.0.2:80"), (EXT, "172.20.0.2:81"), (EXT, f"{H}:8080"), ("container/cli", "172.20.0.2:80"),
          ("container/cli", f"{H}:8080"), ("container/cli", "172.24.0.2:80"), ("container/safe", "172.24.0.1:8080")]


@pytest.mark.parametrize("version", ["20.10", "28.3", "29.1"])
def test_every_chain_a_hop_names_exists_in_that_versions_rules(version):
    # a learner running iptables -S on such a host finds the chains the trace printed
    scn = host(*FRONT, version=version)
    text = docker_rules(scn.hosts["h1"])
    declared = {t: set(chains(text, t)) for t in ("raw", "nat", "filter")}
    for src, dst in TRACES:
        for hop in trace(scn, src, dst).hops:
            table = next((t for t in declared if f"iptables {t}" in hop["where"]), None)
            if table is None:
                continue
            rule_text = hop["what"].split(" (")[0]
            named = set(re.findall(r"\b(DOCKER[A-Z0-9-]*|PREROUTING|POSTROUTING|FORWARD)\b", rule_text))
            assert named <= declared[table] | {"FORWARD", "PREROUTING", "POSTROUTING"}, (version, src, dst, hop)
            if version != "20.10":
                assert "DOCKER-ISOLATION" not in rule_text or version == "28.3", hop


def test_docker_user_lines_per_version():
    # 29 writes no "-A DOCKER-USER -j RETURN" (usernet-portmap.md as generated on 29): a rule appended with -A is
    # reached; up to 28 it sits after dockerd's RETURN and never matches
    lines = ("docker run -d --name web -p 8080:80 nginx", "iptables -A DOCKER-USER -i eth0 -j DROP")
    new, old = host(*lines, version="29.1"), host(*lines, version="28.3")
    assert trace(new, EXT, f"{H}:8080").reason == "timeout" and trace(old, EXT, f"{H}:8080").delivered
    assert chains(docker_rules(new.hosts["h1"]), "filter")["DOCKER-USER"] == ["-i eth0 -j DROP"]
    assert chains(docker_rules(old.hosts["h1"]), "filter")["DOCKER-USER"] == ["-j RETURN", "-i eth0 -j DROP"]


def test_raw_drops_come_before_docker_user():
    # an ACCEPT in DOCKER-USER cannot re-open direct access on 28+: raw PREROUTING runs first (docker/docs#25676)
    r = trace(host(*FRONT, "iptables -I DOCKER-USER -d 172.20.0.0/24 -j ACCEPT"), EXT, "172.20.0.2:81")
    assert r.reason == "timeout" and r.hops[-1]["where"] == "host/h1 iptables raw"
    r = trace(host(*FRONT, "iptables -I DOCKER-USER -d 172.20.0.0/24 -j ACCEPT", version="27.5"), EXT, "172.20.0.2:81")
    assert r.delivered and r.source_ip_seen == "192.168.1.77"  # 27: the ACCEPT skips Docker's own DROP

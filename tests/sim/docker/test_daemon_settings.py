"""spec.daemon settings modelled with both values: ``userland-proxy`` (hairpin NAT instead of docker-proxy) and
``icc`` (the default bridge), and the bridge option ``enable_ip_masquerade``. Sources: libnetwork
drivers/bridge setup_ip_tables.go (setupIPTablesInternal: "SKIP DNAT", "MASQ LOCAL HOST", setIcc), iptables.go
(Forward: no ``! -i <bridge>`` in hairpin mode; OUTPUT without ``! -d 127.0.0.0/8``), link.go (icc off); the
same outcomes are judged by Docker 20.10 in tests/docker_engine (scenarios ``hairpin-*``, ``daemon-icc-*``,
``no-masquerade-*``)."""

from __future__ import annotations

from quizapp.sim import trace
from quizapp.sim.docker.rules import docker_rules

from .test_engine_versions import host as _host


def host(*commands: str, version: str = "20.10", daemon: str | None = None):
    """The engine these semantics were judged on (userland-proxy: false is refused for 28+, see
    test_firewall_versions)."""
    return _host(*commands, version=version, daemon=daemon)

NO_PROXY = '{"userland-proxy": false}'
WEB = "docker run -d --name web -p 8080:80 web"


def test_without_the_userland_proxy_the_host_is_masqueraded_to_the_bridge_address():
    scn = host(WEB, daemon=NO_PROXY)
    for dst in ("127.0.0.1:8080", "192.168.1.50:8080", "172.17.0.1:8080"):
        r = trace(scn, "host/h1", dst)
        assert (r.delivered, r.endpoint.name, r.source_ip_seen) == (True, "web", "172.17.0.1"), dst
        assert not any("docker-proxy" in h["what"] for h in r.hops)
    loop = trace(scn, "host/h1", "127.0.0.1:8080")
    assert any("route_localnet=1" in h["what"] for h in loop.hops)
    assert any("--src-type LOCAL -j MASQUERADE" in h["what"] for h in loop.hops)


def test_with_the_userland_proxy_the_host_address_is_seen_as_it_is():
    r = trace(host(WEB), "host/h1", "192.168.1.50:8080")
    assert r.source_ip_seen == "192.168.1.50"


def test_without_the_userland_proxy_another_container_is_seen_with_its_own_address():
    scn = host(WEB, "docker run -d --name cli alpine", daemon=NO_PROXY)
    for dst in ("192.168.1.50:8080", "172.17.0.1:8080"):
        r = trace(scn, "container/cli", dst)
        assert (r.endpoint.name, r.source_ip_seen) == ("web", "172.17.0.3"), dst
    proxied = trace(host(WEB, "docker run -d --name cli alpine"), "container/cli", "192.168.1.50:8080")
    assert proxied.source_ip_seen == "172.17.0.1"


def test_without_the_userland_proxy_a_container_reaching_itself_is_masqueraded():
    r = trace(host(WEB, daemon=NO_PROXY), "container/web", "192.168.1.50:8080")
    assert (r.endpoint.name, r.source_ip_seen) == ("web", "172.17.0.1")
    assert any("-s 172.17.0.2/32 -d 172.17.0.2/32" in h["what"] for h in r.hops)


def test_without_the_userland_proxy_other_networks_are_isolated_from_published_ports():
    scn = host(WEB, "docker network create b", "docker run -d --name cb --network b alpine", daemon=NO_PROXY)
    r = trace(scn, "container/cb", "192.168.1.50:8080")
    assert r.reason == "timeout" and "DOCKER-ISOLATION-STAGE-2" in r.hops[-1]["what"]
    assert trace(host(WEB, "docker network create b", "docker run -d --name cb --network b alpine"),
                 "container/cb", "192.168.1.50:8080").delivered


def test_without_the_userland_proxy_loopback_publishing_and_refusals():
    scn = host("docker run -d --name lo -p 127.0.0.1:9090:80 web", "docker run -d --name cli alpine",
               "docker run -d --name nol -p 7070:80 -l quizapp.io/listen= web", daemon=NO_PROXY)
    assert trace(scn, "host/h1", "127.0.0.1:9090").source_ip_seen == "172.17.0.1"
    assert trace(scn, "external:192.168.1.77", "192.168.1.50:9090").reason == "refused"
    assert trace(scn, "container/cli", "172.17.0.1:9090").reason == "refused"
    assert trace(scn, "external:192.168.1.77", "192.168.1.50:7070").reason == "refused"  # the container's RST


def test_rules_without_the_userland_proxy():
    text = docker_rules(host(WEB, daemon=NO_PROXY).hosts["h1"])
    assert "-A OUTPUT -m addrtype --dst-type LOCAL -j DOCKER" in text
    assert "-A POSTROUTING -o docker0 -m addrtype --src-type LOCAL -j MASQUERADE" in text
    assert "-A DOCKER -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80" in text
    assert "-j RETURN" not in text.split("*filter")[0].split("*nat")[-1]
    assert "-A DOCKER -i docker0 -j RETURN" in docker_rules(host(WEB).hosts["h1"])


def test_daemon_icc_false_is_the_default_bridge_only():
    scn = host(WEB, "docker run -d --name cli alpine", "docker network create u",
               "docker run -d --name u1 --network u --expose 80 web", "docker run -d --name u2 --network u alpine",
               daemon='{"icc": false}')
    r = trace(scn, "container/cli", "172.17.0.2:80")
    assert r.reason == "timeout" and "icc: false" in r.hops[-1]["what"]
    assert trace(scn, "container/cli", "192.168.1.50:8080").source_ip_seen == "172.17.0.1"  # docker-proxy
    assert trace(scn, "container/u2", "u1:80").delivered
    assert "-A FORWARD -i docker0 -o docker0 -j DROP" in docker_rules(scn.hosts["h1"])
    new = host(WEB, "docker run -d --name cli alpine", version="29.1", daemon='{"icc": false}')
    assert "DOCKER-FORWARD: -i docker0 -o docker0 -j DROP (the daemon runs with icc: false)" in trace(new, "container/cli", "172.17.0.2:80").hops[-1]["what"]
    assert "-A DOCKER-FORWARD -i docker0 -o docker0 -j DROP" in docker_rules(new.hosts["h1"])


def test_daemon_icc_false_links_open_the_exposed_ports():
    scn = host("docker run -d --name web -p 8080:80 --expose 81 -l quizapp.io/listen=80,81,82 web",
               "docker run -d --name lnk --link web:db alpine", daemon='{"icc": false}')
    assert trace(scn, "container/lnk", "db:80").source_ip_seen == "172.17.0.3"
    assert trace(scn, "container/lnk", "db:81").delivered
    assert trace(scn, "container/lnk", "db:82").reason == "timeout"  # not exposed
    rules = docker_rules(scn.hosts["h1"])
    assert "-A DOCKER -s 172.17.0.3/32 -d 172.17.0.2/32 -i docker0 -o docker0 -p tcp -m tcp --dport 81 -j ACCEPT" in rules
    assert "-A DOCKER -s 172.17.0.2/32 -d 172.17.0.3/32 -i docker0 -o docker0 -p tcp -m tcp --sport 80 -j ACCEPT" in rules


def test_enable_ip_masquerade_false():
    scn = host("docker network create -o com.docker.network.bridge.enable_ip_masquerade=false nm",
               "docker run -d --name web --network nm -p 8080:80 web", "docker run -d --name cli --network nm alpine",
               "docker run -d --name hh --network host --expose 8181 web")
    out = trace(scn, "container/cli", "192.168.1.77:80")
    assert out.reason == "timeout" and "enable_ip_masquerade=false" in " ".join(h["what"] for h in out.hops)
    assert trace(scn, "container/cli", "192.168.1.50:8181").source_ip_seen == "172.18.0.3"  # local: no NAT at all
    assert trace(scn, "container/cli", "192.168.1.50:8080").source_ip_seen == "172.18.0.1"  # ! -i: docker-proxy
    rules = docker_rules(scn.hosts["h1"])
    assert "-s 172.18.0.0/16 ! -o" not in rules and "-A DOCKER -i br-" not in rules  # no MASQUERADE, no RETURN


def _unmasqueraded_with_lan_routes(version: str):
    from quizapp.sim import load_scenario
    return load_scenario(f"""\
kind: DockerHost
metadata: {{name: h1}}
spec:
  ip: 192.168.1.50
  engineVersion: "{version}"
  lanRoutesToBridges: true
  commands:
  - docker network create -o com.docker.network.bridge.enable_ip_masquerade=false nm
  - docker run -d --name cli --network nm alpine
---
kind: DockerHost
metadata: {{name: h2}}
spec:
  ip: 192.168.1.60
  commands:
  - docker run -d --name web --network host --expose 80 web
""")


def test_without_masquerade_a_lan_that_routes_the_subnet_back_sees_the_container_address():
    out = trace(_unmasqueraded_with_lan_routes("20.10"), "container/h1/cli", "192.168.1.60:80")
    assert out.delivered and out.source_ip_seen == "172.18.0.2"


def test_without_masquerade_the_answer_past_the_raw_filter_of_28_is_refused_not_guessed():
    import pytest
    from quizapp.sim import TraceError
    with pytest.raises(TraceError, match="raw-table filter"):
        trace(_unmasqueraded_with_lan_routes("29.1"), "container/h1/cli", "192.168.1.60:80")

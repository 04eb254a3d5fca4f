"""``iptables -I DOCKER-USER ...`` lines (quizapp/sim/docker/userchain.py): the documented subset of iptables'
matches and targets, where the chain sees packets (forwarded ones only, after DNAT), and refusals naming the
option. The same outcomes are judged by Docker 20.10 in tests/docker_engine (``user-chain-*`` scenarios)."""

from __future__ import annotations

import pytest

from quizapp.sim import ScenarioError, trace
from quizapp.sim.docker.rules import docker_rules

from .test_engine_versions import host as _host


def host(*commands: str, version: str = "20.10", daemon: str | None = None):
    """The engine these rules were judged on (tests/docker_engine); test_firewall_versions covers 29."""
    return _host(*commands, version=version, daemon=daemon)

WEB = "docker run -d --name web -p 8080:80 web"
EXT = "external:192.168.1.77"


def test_only_one_lan_client_let_in_and_the_host_is_not_filtered():
    scn = host(WEB, "docker run -d --name cli alpine", "iptables -I DOCKER-USER -i eth0 ! -s 192.168.1.99 -j DROP")
    r = trace(scn, EXT, "192.168.1.50:8080")
    assert r.reason == "timeout" and "DOCKER-USER: -i eth0 ! -s 192.168.1.99 -j DROP" in r.hops[-1]["what"]
    assert trace(scn, "external:192.168.1.99", "192.168.1.50:8080").delivered
    assert trace(scn, "host/h1", "127.0.0.1:8080").delivered  # docker-proxy: not forwarded
    assert trace(scn, "container/cli", "192.168.1.50:8080").delivered


def test_the_published_port_is_matched_with_ctorigdstport_not_dport():
    scn = host(WEB, "docker run -d --name api -p 9090:80 web",
               "iptables -I DOCKER-USER -p tcp -m conntrack --ctorigdstport 8080 -j REJECT")
    assert trace(scn, EXT, "192.168.1.50:8080").reason == "refused"
    assert trace(scn, EXT, "192.168.1.50:9090").delivered
    after_dnat = host(WEB, "iptables -I DOCKER-USER -p tcp --dport 8080 -j DROP")
    assert trace(after_dnat, EXT, "192.168.1.50:8080").delivered  # the packet's port is 80 by then
    assert trace(host(WEB, "iptables -I DOCKER-USER -p tcp --dport 80 -j DROP"), EXT, "192.168.1.50:8080").reason == "timeout"


@pytest.mark.parametrize("reject_with,reason", [("icmp-port-unreachable", "refused"), ("tcp-reset", "refused"),
                                                 ("icmp-host-unreachable", "unreachable")])
def test_reject_with(reject_with, reason):
    scn = host(WEB, f"iptables -I DOCKER-USER -i eth0 -j REJECT --reject-with {reject_with}")
    assert trace(scn, EXT, "192.168.1.50:8080").reason == reason


def test_order_insert_position_and_append_after_dockerd_return():
    scn = host(WEB, "iptables -I DOCKER-USER -i eth0 -j DROP", "iptables -I DOCKER-USER -s 192.168.1.77 -j RETURN")
    assert trace(scn, EXT, "192.168.1.50:8080").delivered  # the later -I is first
    scn = host(WEB, "iptables -I DOCKER-USER -i eth0 -j DROP", "iptables -I DOCKER-USER 2 -s 192.168.1.77 -j RETURN")
    assert trace(scn, EXT, "192.168.1.50:8080").reason == "timeout"
    appended = host(WEB, "iptables -A DOCKER-USER -i eth0 -j DROP")
    assert trace(appended, EXT, "192.168.1.50:8080").delivered  # after dockerd's -j RETURN
    assert docker_rules(appended.hosts["h1"]).index("-A DOCKER-USER -j RETURN") < docker_rules(appended.hosts["h1"]).index("-A DOCKER-USER -i eth0 -j DROP")


def test_accept_skips_isolation_only_when_the_answer_is_accepted_too():
    nets = ("docker network create --subnet 10.40.0.0/24 a", "docker network create --subnet 10.41.0.0/24 b",
            "docker run -d --name xa --network a --expose 80 web", "docker run -d --name cb --network b alpine")
    one_way = host(*nets, "iptables -I DOCKER-USER -s 10.41.0.0/24 -d 10.40.0.0/24 -j ACCEPT")
    r = trace(one_way, "container/cb", "10.40.0.2:80")
    assert r.reason == "timeout" and "DOCKER-ISOLATION drops it" in r.hops[-1]["what"]
    both = host(*nets, "iptables -I DOCKER-USER -s 10.41.0.0/24 -d 10.40.0.0/24 -j ACCEPT",
                "iptables -I DOCKER-USER -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT")
    assert trace(both, "container/cb", "10.40.0.2:80").source_ip_seen == "10.40.0.1"  # MASQUERADE ! -o br-b


def test_traffic_between_containers_of_a_bridge_is_forwarded_too():
    scn = host(WEB, "docker run -d --name cli alpine", "iptables -I DOCKER-USER -s 172.17.0.3 -d 172.17.0.2 -j REJECT")
    assert trace(scn, "container/cli", "172.17.0.2:80").reason == "refused"
    icc = host(WEB, "docker run -d --name cli alpine", "iptables -I DOCKER-USER -s 172.17.0.3 -j ACCEPT", daemon='{"icc": false}')
    assert trace(icc, "container/cli", "172.17.0.2:80").delivered


def test_outbound_and_answers_dropped():
    scn = host(WEB, "docker run -d --name cli alpine", "iptables -I DOCKER-USER -o eth0 -j DROP",
               "docker run -d --name hh --network host --expose 81 web")
    assert trace(scn, "container/cli", "192.168.1.77:80").reason == "timeout"
    answers = host(WEB, "iptables -I DOCKER-USER -s 172.17.0.2 -o eth0 -j DROP")
    r = trace(answers, EXT, "192.168.1.50:8080")
    assert r.reason == "timeout" and "ESTABLISHED" in r.hops[-1]["what"]


@pytest.mark.parametrize("line,words", [
    ("iptables -I FORWARD -j DROP", "chain FORWARD is not modelled"),
    ("iptables -t nat -I DOCKER-USER -j DROP", "table nat is not modelled"),
    ("iptables -I DOCKER-USER -m iprange --src-range 1.2.3.4-1.2.3.9 -j DROP", "option -m iprange is not modelled"),
    ("iptables -I DOCKER-USER --sport 80 -p tcp -j DROP", "option --sport is not modelled"),
    ("iptables -I DOCKER-USER -j LOG", "target -j LOG is not modelled"),
    ("iptables -I DOCKER-USER --dport 80 -j DROP", 'unknown option "--dport"'),
    ("iptables -D DOCKER-USER 1", "option -D is not modelled"),
    ("iptables -I DOCKER-USER -s 10.0.0.0/8", "without -j"),
])
def test_refusals_name_the_option(line, words):
    with pytest.raises(ScenarioError) as info:
        host(WEB, line)
    assert words in str(info.value) and "spec.commands[1]" in str(info.value)

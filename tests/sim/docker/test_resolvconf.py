"""--dns-search, --dns-option and --domainname (quizapp/sim/docker/resolvconf.py, dns.py): the container's
resolv.conf as moby's sandbox_dns_unix.go and resolvconf.Build write it, the order in which the container's
resolver tries a short name (resolv.conf(5): ndots and the search list), what the embedded DNS does with a name it
does not know (libnetwork resolver.go: not forwarded when the user set ndots), and the /etc/hosts line
``<ip> <hostname>.<domainname> <hostname>`` (sandbox_dns_unix.go updateHostsFile). Judged by Docker 20.10 in
tests/docker_engine (``dns-search-*``, ``domainname-*`` scenarios)."""

from __future__ import annotations

import pytest

from quizapp.sim import ScenarioError, trace
from quizapp.sim.docker.resolvconf import own_names, resolv_conf

from .test_engine_versions import host as any_host


def host(*commands: str):
    return any_host("docker network create app", "docker run -d --name db1 --network app --expose 80 img",
                    *commands, version="20.10")


def containers(*commands: str):
    return host(*commands).hosts["h1"].containers


def test_resolv_conf_lines():
    c = containers("docker run -d --name s1 --network app --dns-search example.com img",
                   "docker run -d --name s2 --network app --dns-option ndots:2 --dns-option edns0 img",
                   "docker run -d --name s3 --network app --dns-opt edns0 --dns-search . img",
                   "docker run -d --name s4 --dns 192.168.1.77 --dns-search corp.example.com. --dns-option ndots:3 img",
                   "docker run -d --name s5 --dns-search example.com img")
    assert resolv_conf(c["s1"]) == ["search example.com", "nameserver 127.0.0.11", "options ndots:0"]
    assert resolv_conf(c["s2"]) == ["nameserver 127.0.0.11", "options ndots:2 edns0"]  # the user's ndots wins
    assert resolv_conf(c["s3"]) == ["nameserver 127.0.0.11", "options edns0 ndots:0"]  # "." writes no search line
    assert resolv_conf(c["s4"]) == ["search corp.example.com", "nameserver 192.168.1.77", "options ndots:3"]
    assert resolv_conf(c["s5"]) is None  # the host's nameservers: unknown to the simulator


def test_short_names_go_to_the_embedded_dns_first_with_ndots_0():
    scn = host("docker run -d --name cli --network app --dns-search example.com img")
    r = trace(scn, "container/cli", "db1:80")
    assert r.endpoint.name == "db1"
    assert "asks db1, db1.example.com in this order" in r.hops[0]["what"]


def test_with_the_user_s_ndots_the_search_domain_is_tried_first():
    scn = host("docker run -d --name cli --network app --dns-search example.com --dns-option ndots:1 img")
    r = trace(scn, "container/cli", "db1:80")
    assert r.endpoint.name == "db1"
    whats = [h["what"] for h in r.hops]
    assert "asks db1.example.com, db1 in this order" in whats[0]
    assert "upstream resolver answers NXDOMAIN" in whats[1]
    assert trace(scn, "container/cli", "db1.app:80").endpoint.name == "db1"  # one dot: as given first


def test_with_the_user_s_ndots_a_single_label_lan_name_is_not_forwarded():
    assert trace(host("docker run -d --name cli --network app img"), "container/cli", "h1:80").reason != "nxdomain"
    r = trace(host("docker run -d --name cli --network app --dns-option ndots:1 img"), "container/cli", "h1:80")
    assert r.reason == "nxdomain" and "does not forward a single-label name" in r.hops[-1]["what"]
    r = trace(host("docker run -d --name cli --network app --dns-option ndots:1 --dns-search example.com img"),
              "container/cli", "h1:80")
    assert r.reason == "nxdomain"


def test_domainname_makes_the_fqdn_of_the_container_s_own_hosts_line():
    scn = host("docker run -d --name web --network app -h web --domainname example.com --expose 80 img",
               "docker run -d --name dotted --network app -h api.example.com --expose 80 img")
    c = scn.hosts["h1"].containers
    assert own_names(c["web"]) == ["web.example.com", "web"]  # hostname -f prints the first
    assert own_names(c["dotted"]) == ["api.example.com", "api"]
    assert trace(scn, "container/web", "web.example.com:80").endpoint.name == "web"
    assert trace(scn, "container/dotted", "api:80").endpoint.name == "dotted"
    # the embedded DNS knows the name and the hostname, not the FQDN
    assert trace(scn, "container/db1", "web:80").endpoint.name == "web"
    assert trace(scn, "container/db1", "web.example.com:80").reason == "nxdomain"


@pytest.mark.parametrize("line,words", [
    ("docker run -d --name x1 --dns-search bad_domain img", "bad_domain is not a valid domain"),
    ("docker run -d --name x1 --network app --dns-option ndots:x img", "--dns-option ndots:x is not modelled"),
    ("docker run -d --name x1 --network host --domainname example.com img", "--domainname with --network host is not modelled"),
])
def test_refusals(line, words):
    with pytest.raises(ScenarioError) as info:
        host(line)
    assert words in str(info.value)


def test_default_bridge_takes_any_dns_option_and_container_mode_ignores_search():
    scn = host("docker run -d --name x1 --dns 192.168.1.77 --dns-option ndots:x img",
               "docker run -d --name x2 --network container:db1 --dns-search example.com img")
    assert resolv_conf(scn.hosts["h1"].containers["x1"]) == ["nameserver 192.168.1.77", "options ndots:x"]
    assert any("--dns-search/--dns-option are ignored with --network container:" in w for w in scn.warnings)

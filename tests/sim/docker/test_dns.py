"""Name resolution in containers (quizapp/sim/docker/dns.py): hostnames, short ids, --dns and resolv.conf, and a
--network-alias shared by several containers. The same answers are judged by Docker 20.10 in tests/docker_engine
(``dns-*`` scenarios)."""

from __future__ import annotations

from quizapp.sim import trace
from quizapp.sim.docker.dns import embedded_lookup, resolv_conf
from quizapp.sim.docker.model import container_id

from .test_engine_versions import host as any_host


def host(*commands: str, **kwargs):
    """A Docker 20.10 host: the engine these behaviours were judged on in tests/docker_engine."""
    return any_host(*commands, version="20.10", **kwargs)

APP = ("docker network create app",
       "docker run -d --name db1 --network app -h dbhost --network-alias db --expose 80 img",
       "docker run -d --name db2 --network app --network-alias db --expose 80 img",
       "docker run -d --name cli --network app --dns 192.168.1.77 img",
       "docker run -d --name old --dns 192.168.1.77 --dns 192.168.1.78 -h three --expose 80 img")


def test_container_ids_are_deterministic_and_documented():
    c = host(*APP).hosts["h1"].containers["db1"]
    assert c.id == container_id("h1", "db1", 1) and len(c.id) == 64 and c.short_id == c.id[:12]
    assert c.id != host(*APP).hosts["h1"].containers["db2"].id
    assert host(*APP).hosts["h1"].containers["db1"].id == c.id  # stable across loads


def test_a_shared_alias_answers_with_every_container_in_random_order():
    scn = host(*APP)
    cli = scn.hosts["h1"].containers["cli"]
    assert sorted(embedded_lookup(cli, "db")[1]) == ["172.18.0.2", "172.18.0.3"]
    seen = {trace(scn, "container/cli", "db:80", seed=seed).endpoint.name for seed in range(12)}
    assert seen == {"db1", "db2"}
    r = trace(scn, "container/cli", "db:80")
    assert "every container with this name or alias" in r.hops[0]["what"]


def test_hostname_and_short_id_resolve_on_user_defined_networks():
    scn = host(*APP)
    db1 = scn.hosts["h1"].containers["db1"]
    assert trace(scn, "container/cli", "dbhost:80").endpoint.name == "db1"
    assert trace(scn, "container/cli", f"{db1.short_id}:80").endpoint.name == "db1"
    assert embedded_lookup(scn.hosts["h1"].containers["cli"], db1.short_id) == ("app", ["172.18.0.2"])
    own = trace(scn, "container/db1", "dbhost:80")
    assert own.delivered and "own hostname" in own.hops[0]["what"]


def test_default_bridge_hostname_only_in_the_container_s_own_hosts_file():
    scn = host(*APP)
    assert trace(scn, "container/old", "three:80").endpoint.name == "old"
    assert trace(scn, "container/old", "db1:80").reason == "nxdomain"


def test_resolv_conf_embedded_dns_or_the_dns_servers():
    c = host(*APP).hosts["h1"].containers
    assert resolv_conf(c["cli"]) == ["nameserver 127.0.0.11", "options ndots:0"]
    assert resolv_conf(c["old"]) == ["nameserver 192.168.1.77", "nameserver 192.168.1.78"]
    assert resolv_conf(c["db1"]) == ["nameserver 127.0.0.11", "options ndots:0"]


def test_dns_forwarding_is_shown():
    r = trace(host(*APP, "docker run -d --name lanweb --network host --expose 80 img"), "container/cli", "h1:80")
    assert "127.0.0.11 forwards it to 192.168.1.77 (--dns)" in r.hops[0]["what"]

"""docker stop/start/rm/rename and network disconnect as scenario commands (the 20.10 side is also judged by the
real engine in tests/docker_engine)."""

from __future__ import annotations

import pytest

from quizapp.sim import ScenarioError, TraceError, load_scenario, trace


def host(*commands: str):
    lines = "\n".join(f"  - {c}" for c in commands)
    return load_scenario(f"kind: DockerHost\nmetadata: {{name: h1}}\nspec:\n  ip: 192.168.1.50\n  commands:\n{lines}\n")


NET = ("docker network create --subnet 10.30.0.0/24 n", "docker run -d --name web --network n -p 8080:80 nginx",
       "docker run -d --name cli --network n alpine")


def test_a_stopped_container_has_no_address_name_or_published_port():
    scn = host(*NET, "docker stop web")
    assert trace(scn, "container/cli", "10.30.0.2:80").reason == "unreachable"
    assert trace(scn, "container/cli", "web:80").reason == "nxdomain"
    assert trace(scn, "external:192.168.1.77", "192.168.1.50:8080").reason == "refused"
    with pytest.raises(TraceError, match="is stopped"):
        trace(scn, "container/web", "cli:80")


def test_start_attaches_again_with_the_lowest_free_address():
    scn = host("docker network create --subnet 10.30.0.0/24 n", "docker run -d --name web --network n --expose 80 nginx",
               "docker stop web", "docker run -d --name other --network n --expose 80 nginx", "docker start web")
    assert scn.hosts["h1"].containers["other"].attachments[0].ip == "10.30.0.2"
    assert scn.hosts["h1"].containers["web"].attachments[0].ip == "10.30.0.3"


def test_start_keeps_fixed_ports_and_reallocates_random_ones():
    scn = host("docker run -d --name web -p 8080:80 -p 81 nginx", "docker run -d --name api -p 82 nginx",
               "docker stop web", "docker start web")
    ports = sorted((m.host_port, m.random) for m in scn.hosts["h1"].containers["web"].publish)
    assert ports == [(8080, False), (32770, True)]  # 32768 was web's, 32769 api's: the allocator moves on
    assert trace(scn, "external:192.168.1.77", "192.168.1.50:8080").delivered


def test_rm_needs_force_for_a_running_container_and_frees_its_port():
    with pytest.raises(ScenarioError, match="You cannot remove a running container web"):
        host("docker run -d --name web -p 8080:80 nginx", "docker rm web")
    scn = host("docker run -d --name web -p 8080:80 nginx", "docker rm -f web", "docker run -d --name web -p 8080:3000 nginx")
    r = trace(scn, "external:192.168.1.77", "192.168.1.50:8080")
    assert r.delivered and r.endpoint.port == 3000


def test_rename_changes_the_dns_name():
    scn = host(*NET, "docker rename web shop")
    assert trace(scn, "container/cli", "shop:80").endpoint.name == "shop"
    assert trace(scn, "container/cli", "web:80").reason == "nxdomain"
    with pytest.raises(ScenarioError, match='The container name "/cli" is already in use'):
        host(*NET, "docker rename web cli")


def test_disconnect_moves_the_gateway_endpoint():
    scn = host("docker network create --subnet 10.33.0.0/24 alpha", "docker network create --subnet 10.34.0.0/24 beta",
               "docker run -d --name web --network beta -p 8080:80 nginx", "docker network connect alpha web")
    assert trace(scn, "host/h1", "127.0.0.1:8080").source_ip_seen == "10.33.0.1"
    scn = host("docker network create --subnet 10.33.0.0/24 alpha", "docker network create --subnet 10.34.0.0/24 beta",
               "docker run -d --name web --network beta -p 8080:80 nginx", "docker network connect alpha web",
               "docker network disconnect alpha web")
    assert trace(scn, "host/h1", "127.0.0.1:8080").source_ip_seen == "10.34.0.1"
    with pytest.raises(ScenarioError, match="container web is not connected to network alpha"):
        host("docker network create alpha", "docker run -d --name web nginx", "docker network disconnect alpha web")


def test_a_container_left_without_networks_has_only_lo():
    scn = host("docker run -d --name web --expose 80 nginx", "docker network disconnect bridge web",
               "docker run -d --name cli alpine")
    assert scn.hosts["h1"].containers["cli"].attachments[0].ip == "172.17.0.2"  # web's old address, free again
    assert trace(scn, "container/web", "172.17.0.2:80").reason == "unreachable"
    assert trace(scn, "container/web", "localhost:80").delivered


def test_lifecycle_of_other_modes_is_refused():
    with pytest.raises(ScenarioError, match="not modelled for containers in host, none or container: mode"):
        host("docker run -d --name hh --network host nginx", "docker stop hh")


def test_random_host_ports_are_allocated_anew_when_the_gateway_endpoint_moves():
    # Docker 20.10 (tests/docker_engine harness, by hand): `docker port web` showed 80/tcp -> 32768, then 32769
    # after `network connect alpha web`, then 32770 after `network disconnect alpha web`; 8080:81 stayed
    cmds = ["docker network create zeta", "docker network create alpha",
            "docker run -d --name web --network zeta -p 80 -p 8080:81 nginx"]

    def ports(*more):
        scn = host(*cmds, *more)
        return sorted(m.host_port for m in scn.hosts["h1"].containers["web"].publish)

    assert ports() == [8080, 32768]
    assert ports("docker network connect alpha web") == [8080, 32769]
    assert ports("docker network connect alpha web", "docker network disconnect alpha web") == [8080, 32770]
    # a network that sorts after the gateway's does not move it: nothing is re-published
    assert ports("docker network create zz", "docker network connect zz web") == [8080, 32768]

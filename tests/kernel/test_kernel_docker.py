"""Docker scenarios built for real (bridges, DNAT and MASQUERADE in the DOCKER chains, isolation,
docker-proxy on every published port, none / host / container: modes); each case compares the simulator's
trace with a real TCP/UDP connection. The whole set runs with each firewall layout: 20.10 (FORWARD,
DOCKER-ISOLATION-STAGE-1/2), 28.3 (DOCKER-FORWARD, raw drops) and 29.1 (DOCKER-INTERNAL, no nat RETURN)."""

from __future__ import annotations

import pytest

from .check import compare
from .conftest import build_lab, load

pytestmark = pytest.mark.kernel

H1 = "192.168.1.50"


VERSIONS = ["20.10", "28.3", "29.1"]


@pytest.fixture(scope="module", params=VERSIONS, ids=[f"docker-{v}" for v in VERSIONS])
def docker(request, kernel_ok):
    scn = load("docker.yaml", docker={"engineVersion": request.param})
    return scn, build_lab(request, scn, f"qzd{VERSIONS.index(request.param)}")


def _host_port(scn, container: str, port: int, proto: str = "tcp") -> int:
    c = scn.hosts["h1"].containers[container]
    return next(m.host_port for m in c.publish if m.container_port == port and m.proto == proto)


CASES = [
    # -p 8080:80: DNAT from outside (client IP kept), docker-proxy from the host's loopback, OUTPUT DNAT
    # for the host's own LAN address, docker-proxy for a container reaching the published port
    ("publish-from-outside", "external", f"{H1}:8080"),
    ("publish-host-loopback-docker-proxy", "host/h1", "localhost:8080"),
    ("publish-host-own-address", "host/h1", f"{H1}:8080"),
    ("publish-from-container-default-bridge", "container/plain", f"{H1}:8080"),
    ("publish-from-container-user-network", "container/tool", f"{H1}:8080"),
    ("unpublished-port", "external", f"{H1}:8081"),
    # -p 127.0.0.1:9000:9000: from the host only
    ("loopback-publish-from-host", "host/h1", "127.0.0.1:9000"),
    ("loopback-publish-from-outside", "external", f"{H1}:9000"),
    # -p 5353:53/udp: UDP delivered, TCP refused
    ("udp-publish", "external", f"{H1}:5353/udp"),
    ("udp-publish-tcp-refused", "external", f"{H1}:5353"),
    ("udp-publish-from-host-loopback", "host/h1", "127.0.0.1:5353/udp"),
    # container addresses are private to the host
    ("container-ip-from-outside", "external", "172.17.0.2:80"),
    ("container-ip-from-host", "host/h1", "172.17.0.2:80"),
    # same network, across user-defined networks (isolation)
    ("default-bridge-container-to-container", "container/plain", "172.17.0.2:80"),
    ("user-network-container-to-container", "container/tool", "172.18.0.2:5000"),
    ("isolation-between-user-networks", "container/tool", "10.10.0.10:5432"),
    ("isolation-default-bridge-to-user-network", "container/plain", "172.18.0.2:5000"),
    ("container-port-not-listening", "container/tool", "172.18.0.2:5001"),
    # --network none, --network host, --network container:api
    ("network-none", "container/isolated", "172.17.0.2:80"),
    ("network-host-from-outside", "external", f"{H1}:8181"),
    ("container-mode-shared-ip", "container/tool", "172.18.0.2:9100"),
    ("container-mode-localhost", "container/sidecar", "localhost:5000"),
    ("container-mode-from-owner-localhost", "container/api", "127.0.0.1:9100"),
    # --internal network: no way out, no way in from other networks
    ("internal-network-no-way-out", "container/vault", f"{H1}:8080"),
    ("internal-network-from-other-network", "container/tool", "172.19.0.2:8200"),
    ("internal-network-same-network-gateway", "container/vault", "172.19.0.1:8080"),
    # -p 192.168.1.50:8443:443: bound to one host address
    ("publish-on-host-address-from-outside", "external", f"{H1}:8443"),
    ("publish-on-host-address-from-host-loopback", "host/h1", "127.0.0.1:8443"),
    ("publish-on-host-address-from-host", "host/h1", f"{H1}:8443"),
    ("udp-port-not-published", "external", f"{H1}:8080/udp"),
    ("published-port-via-other-network-gateway", "container/tool", "172.17.0.1:8080"),
    ("container-reaches-its-own-published-port", "container/web", f"{H1}:8080"),
    ("host-to-user-network-container", "host/h1", "172.18.0.2:5000"),
    # a container on two networks (docker network connect)
    ("two-networks-reaches-second-network", "container/both", "10.10.0.10:5432"),
    ("two-networks-reached-on-second-address", "container/pg", "10.10.0.2:6000"),
    ("two-networks-isolation-still-applies", "container/plain", "10.10.0.2:6000"),
    # published, but nothing listens in the container
    ("published-not-listening-dnat", "external", f"{H1}:8090"),
    ("published-not-listening-docker-proxy", "host/h1", "localhost:8090"),
    ("published-udp-not-listening-dnat", "external", f"{H1}:5454/udp"),
    ("published-udp-not-listening-docker-proxy", "host/h1", "127.0.0.1:5454/udp"),
]


@pytest.mark.parametrize("src,dst", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_docker_host(docker, src, dst):
    scn, lab = docker
    compare(lab, scn, src, dst)


@pytest.mark.parametrize("container,port", [("rnd", 80), ("exp", 7000), ("exp", 7001)],
                         ids=["publish-random-port", "publish-all-expose-7000", "publish-all-expose-7001"])
def test_random_host_ports(docker, container, port):
    scn, lab = docker
    compare(lab, scn, "external", f"{H1}:{_host_port(scn, container, port)}")

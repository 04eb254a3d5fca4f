"""The dockergw behaviours in the kernel: the rules the simulator writes for Docker 28/29 (gateway modes routed and
isolated, --gw-priority, userland-proxy: false) loaded into namespaces, real connections compared with the
simulator's delivered / reason / endpoint / source address. The kernel judges the rules and routes, not Docker:
what Docker writes comes from moby's iptablesdoc and golden files (tests/sim/docker/test_routed.py,
test_rules_forward_hairpin.py); 28/29 cannot run in the engine tier (Debian's engine is 20.10).

* g1 (29.1, the LAN routes the bridges to it): a routed network, an isolated --internal network with a host
  service on the address its gateway would have, a container whose gateway endpoint is chosen by gw-priority.
* g2 (28.3 and 29.1, daemon userland-proxy: false): hairpin NAT, route_localnet, MASQ LOCAL HOST.
"""

from __future__ import annotations

import pytest

from quizapp.sim import load_scenario

from .check import compare
from .conftest import build_lab

pytestmark = pytest.mark.kernel

G1 = """apiVersion: quizapp.io/v1
kind: DockerHost
metadata: {name: g1}
spec:
  ip: 192.168.1.50
  engineVersion: "29.1"
  lanRoutesToBridges: true
  commands:
  - docker network create --subnet 172.32.0.0/24 -o com.docker.network.bridge.gateway_mode_ipv4=routed rt
  - docker run -d --name rweb --network rt -p 8080:80 --expose 81 nginx
  - docker run -d --name cli alpine
  - docker network create --internal -o com.docker.network.bridge.gateway_mode_ipv4=isolated --subnet 172.33.0.0/24 vault
  - docker run -d --name db --network vault --ip 172.33.0.10 --expose 5432 postgres
  - docker run -d --name app --network vault --ip 172.33.0.11 alpine
  - docker run -d --name agent --network host --expose 9000 alpine
  - docker network create --subnet 172.34.0.0/24 backend
  - docker network create --subnet 172.35.0.0/24 frontend
  - docker run -d --name api --network backend --network name=frontend,gw-priority=10 -p 8085:80 nginx
"""


def _g2(version: str) -> str:
    return f"""apiVersion: quizapp.io/v1
kind: DockerHost
metadata: {{name: g2}}
spec:
  ip: 192.168.1.50
  engineVersion: "{version}"
  daemon: {{"userland-proxy": false}}
  commands:
  - docker network create --subnet 172.36.0.0/24 app
  - docker run -d --name web --network app -p 8080:80 nginx
  - docker run -d --name same --network app alpine
  - docker run -d --name other alpine
"""


@pytest.fixture(scope="module")
def g1(request, kernel_ok):
    scn = load_scenario(G1, source="g1")
    return scn, build_lab(request, scn, "qzg")


HAIRPIN_VERSIONS = ["28.3", "29.1"]


@pytest.fixture(scope="module", params=HAIRPIN_VERSIONS, ids=[f"docker-{v}" for v in HAIRPIN_VERSIONS])
def g2(request, kernel_ok):
    scn = load_scenario(_g2(request.param), source=f"g2 {request.param}")
    return scn, build_lab(request, scn, f"qzh{HAIRPIN_VERSIONS.index(request.param)}")


G1_CASES = [
    ("routed-published-port-direct", "external", "172.32.0.2:80"),
    ("routed-other-port-direct", "external", "172.32.0.2:81"),
    ("routed-host-port-not-mapped", "external", "192.168.1.50:8080"),
    ("routed-from-nat-network", "container/cli", "172.32.0.2:80"),
    ("isolated-same-bridge", "container/app", "172.33.0.10:5432"),
    ("isolated-no-gateway-address", "container/app", "172.33.0.1:9000"),
    ("isolated-no-default-route", "container/app", "192.168.1.50:9000"),
    ("gw-priority-carries-the-mapping", "external", "192.168.1.50:8085"),
]


@pytest.mark.parametrize("src,dst", [c[1:] for c in G1_CASES], ids=[c[0] for c in G1_CASES])
def test_gateway_modes_and_priority_as_the_kernel_says(g1, src, dst):
    scn, lab = g1
    compare(lab, scn, src, dst)


G2_CASES = [
    ("host-localhost", "host/g2", "127.0.0.1:8080"),
    ("host-own-address", "host/g2", "192.168.1.50:8080"),
    ("neighbour-same-bridge", "container/same", "192.168.1.50:8080"),
    ("container-own-port", "container/web", "192.168.1.50:8080"),
    ("other-network", "container/other", "192.168.1.50:8080"),
    ("lan-client", "external", "192.168.1.50:8080"),
]


@pytest.mark.parametrize("src,dst", [c[1:] for c in G2_CASES], ids=[c[0] for c in G2_CASES])
def test_hairpin_on_28_and_29_as_the_kernel_says(g2, src, dst):
    scn, lab = g2
    compare(lab, scn, src, dst)

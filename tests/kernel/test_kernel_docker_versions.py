"""Where Docker versions differ, the kernel decides: the generated 20.10, 28.3 and 29.1 rules (raw, nat, filter)
loaded into namespaces, a LAN router with static routes to the bridges (spec.lanRoutesToBridges), and real
connections compared with the simulator's delivered / reason / endpoint / source address.

* h1 (the version under test): a LAN host routing straight to a container address - delivered on 20.10 for a
  published port (DOCKER's per-port ACCEPT), dropped in raw PREROUTING on 28+ (filterDirectAccess); between
  bridges, isolation (20.10/28) or the raw drop; a published port reached from another bridge (RETURN and
  docker-proxy up to 28, DNAT and MASQUERADE on 29).
* h2 (29.1): gateway mode nat-unprotected (every port open) and trusted_host_interfaces=eth0.
* h3 (28.3): daemon allow-direct-routing.
"""

from __future__ import annotations

import pytest

from quizapp.sim import load_scenario

from .check import compare
from .conftest import build_lab

pytestmark = pytest.mark.kernel

VERSIONS = ["20.10", "28.3", "29.1"]


def _h1(version: str) -> str:
    return f"""apiVersion: quizapp.io/v1
kind: DockerHost
metadata: {{name: h1}}
spec:
  ip: 192.168.1.50
  engineVersion: "{version}"
  lanRoutesToBridges: true
  commands:
  - docker network create --subnet 172.20.0.0/24 front
  - docker run -d --name web --network front -p 8080:80 --expose 81 nginx
  - docker run -d --name old -p 9090:90 nginx
  - docker network create --subnet 172.23.0.0/24 other
  - docker run -d --name cli --network other alpine
  - docker network create --internal --subnet 172.24.0.0/24 vault
  - docker run -d --name safe --network vault --expose 82 alpine
"""


OPTIONS = """apiVersion: quizapp.io/v1
kind: DockerHost
metadata: {name: h2}
spec:
  ip: 192.168.1.51
  engineVersion: "29.1"
  lanRoutesToBridges: true
  daemon: {bip: 10.2.0.1/24}
  commands:
  - docker network create --subnet 172.30.0.0/24 -o com.docker.network.bridge.gateway_mode_ipv4=nat-unprotected open
  - docker run -d --name uweb --network open -p 8081:80 --expose 81 nginx
  - docker network create --subnet 172.31.0.0/24 -o com.docker.network.bridge.trusted_host_interfaces=eth0 trusted
  - docker run -d --name tweb --network trusted -p 8082:80 --expose 81 nginx
  - docker network create --subnet 172.29.0.0/24 side
  - docker run -d --name cli2 --network side alpine
---
apiVersion: quizapp.io/v1
kind: DockerHost
metadata: {name: h3}
spec:
  ip: 192.168.1.52
  engineVersion: "28.3"
  lanRoutesToBridges: true
  daemon: {bip: 10.3.0.1/24, allow-direct-routing: true}
  commands:
  - docker network create --subnet 10.40.0.0/24 adr
  - docker run -d --name aweb --network adr -p 8083:80 --expose 81 nginx
"""


@pytest.fixture(scope="module", params=VERSIONS, ids=[f"docker-{v}" for v in VERSIONS])
def h1(request, kernel_ok):
    scn = load_scenario(_h1(request.param), source=f"h1 {request.param}")
    return scn, build_lab(request, scn, f"qzv{VERSIONS.index(request.param)}")


@pytest.fixture(scope="module")
def options(request, kernel_ok):
    scn = load_scenario(OPTIONS, source="h2/h3")
    return scn, build_lab(request, scn, "qzo")


H1_CASES = [
    ("lan-direct-published-port", "external", "172.20.0.2:80"),
    ("lan-direct-unpublished-port", "external", "172.20.0.2:81"),
    ("lan-direct-default-bridge", "external", "172.17.0.2:90"),
    ("lan-published-port-on-host", "external", "192.168.1.50:8080"),
    ("lan-direct-internal-network", "external", "172.24.0.2:82"),
    ("other-bridge-direct", "container/cli", "172.20.0.2:80"),
    ("other-bridge-published-port-via-host", "container/cli", "192.168.1.50:8080"),
    ("other-bridge-published-port-via-gateway", "container/cli", "172.17.0.1:9090"),
    ("same-bridge-published-port-via-host", "container/web", "192.168.1.50:8080"),
    ("internal-to-published-port-via-gateway", "container/safe", "172.24.0.1:8080"),
    ("host-direct", "host/h1", "172.20.0.2:81"),
]


@pytest.mark.parametrize("src,dst", [c[1:] for c in H1_CASES], ids=[c[0] for c in H1_CASES])
def test_versions_differ_as_the_kernel_says(h1, src, dst):
    scn, lab = h1
    compare(lab, scn, src, dst)


OPTION_CASES = [
    ("nat-unprotected-any-port-from-lan", "external", "172.30.0.2:81"),
    ("nat-unprotected-from-other-bridge", "container/cli2", "172.30.0.2:81"),
    ("trusted-interface-published-port", "external", "172.31.0.2:80"),
    ("trusted-interface-unpublished-port", "external", "172.31.0.2:81"),
    ("trusted-interface-not-the-other-bridge", "container/cli2", "172.31.0.2:80"),
    ("allow-direct-routing-published-port", "external", "10.40.0.2:80"),
    ("allow-direct-routing-unpublished-port", "external", "10.40.0.2:81"),
]


@pytest.mark.parametrize("src,dst", [c[1:] for c in OPTION_CASES], ids=[c[0] for c in OPTION_CASES])
def test_28_and_29_options_as_the_kernel_says(options, src, dst):
    scn, lab = options
    compare(lab, scn, src, dst)

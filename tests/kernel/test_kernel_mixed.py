"""The simulator's own full example (tests/sim/scenarios/k8s-full.yaml) built for real: a tainted
control-plane node, Deployment replicas, named ports that differ per Pod, an unready Pod, an EndpointSlice
pointing at a Docker host on the same LAN, annotation-declared listeners."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.sim import TraceError, load_scenario, trace

from .check import compare
from .conftest import build_lab

pytestmark = pytest.mark.kernel

FULL = Path(__file__).parent.parent / "sim" / "scenarios" / "k8s-full.yaml"


@pytest.fixture(scope="module")
def full(request, kernel_ok):
    scn = load_scenario(FULL.read_text(encoding="utf-8"), source=FULL.name)
    return scn, build_lab(request, scn, "qzf")


def _vip(scn, ns, name):
    return scn.services[(ns, name)].cluster_ip


CASES = [
    # (id, src, dst built from the loaded model)
    ("selectorless-service-to-docker-host", "pod/shop/shell", lambda s: f"{_vip(s, 'shop', 'legacy')}:5432"),
    ("deployment-replicas-load-balanced", "pod/debug", lambda s: f"{_vip(s, 'shop', 'cache')}:6379"),
    ("named-targetport-only-on-one-pod", "pod/debug", lambda s: f"{_vip(s, 'shop', 'api-metrics')}:9100"),
    ("nodeport-on-tainted-control-plane", "external", lambda s: "192.168.1.10:30080"),
    ("allocated-nodeport", "external", lambda s: f"192.168.1.11:{s.services[('shop', 'api-lb')].ports[0].node_port}"),
    ("unready-pod-still-reachable-by-ip", "pod/debug", lambda s: "10.244.2.11:8080"),
    ("annotation-listener-tcp", "pod/debug", lambda s: f"{s.pods[('default', 'quiet')].ip}:7000"),
    ("annotation-listener-udp", "pod/debug", lambda s: f"{s.pods[('default', 'quiet')].ip}:5353/udp"),
    ("nodeport-without-endpoints", "external", lambda s: f"192.168.1.12:{s.services[('default', 'quiet')].ports[0].node_port}"),
    ("udp-service-without-endpoints", "pod/debug", lambda s: f"{_vip(s, 'default', 'dns')}:53/udp"),
    ("node-to-docker-host", "node/n1", lambda s: "192.168.1.60:5432"),
    ("docker-host-to-nodeport", "host/dbhost", lambda s: "192.168.1.12:30081"),
]


@pytest.mark.parametrize("src,dst", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_full_example(full, src, dst):
    scn, lab = full
    compare(lab, scn, src, dst(scn))


@pytest.mark.parametrize("src", ["pod/debug", "container/postgres"])
def test_an_address_outside_the_scenario_is_not_guessed(src):
    # The lab's router drops it (a timeout), but that is the lab, not the world: a machine there may answer, and
    # an empty LAN address fails ARP. The simulator stops instead (quizapp/sim/core/tracer.py).
    with pytest.raises(TraceError, match="198.18.0.1 is not an address of the scenario"):
        trace(load_scenario(FULL.read_text()), src, "198.18.0.1:80")

"""The edge of the model: names and addresses outside the scenario stop the trace; only certain NXDOMAINs answer."""
from __future__ import annotations

import pytest

from quizapp.sim import TraceError, load_scenario, trace
from quizapp.sim.core.upstream import upstream_could_answer

from ..helpers import NODE_N1, SHOP_CLIENT

K8S = NODE_N1 + "---\n" + SHOP_CLIENT

DOCKER = """\
apiVersion: quizapp.io/v1
kind: DockerHost
metadata: {name: h1}
spec:
  ip: 192.168.1.50
  commands:
  - docker network create app
  - docker run -d --name cli --network app alpine sleep infinity
"""


@pytest.mark.parametrize("name", ["kubernetes.io", "registry.npmjs.org", "api.github.com", "xn--fiqs8s.cn", "db.shop"])
def test_public_looking_names_may_resolve(name):
    assert upstream_could_answer(name)


@pytest.mark.parametrize("name", ["web", "db.test", "x.invalid", "printer.local", "nas.home.arpa", "a.b.c.d.e.f",
                                  "10-0-0-1.x9", "git.corp", "localhost", "db.other", "shop.example.com"])
def test_names_no_public_resolver_holds(name):
    assert not upstream_could_answer(name)


def test_the_scenarios_own_labels_are_not_top_level_domains():
    assert upstream_could_answer("web.shop")  # .shop is a top-level domain
    assert not upstream_could_answer("web.shop", own_labels={"shop"})  # unless shop is the scenario's namespace


def test_a_pod_asking_for_a_public_name_stops_the_trace_instead_of_nxdomain():
    scn = load_scenario(K8S)
    with pytest.raises(TraceError, match="kubernetes.io is not in the scenario"):
        trace(scn, "pod/shop/client", "kubernetes.io:443")


def test_a_pod_asking_for_a_reserved_or_namespace_name_gets_nxdomain():
    scn = load_scenario(K8S)
    assert trace(scn, "pod/shop/client", "db.test:5432").reason == "nxdomain"
    assert trace(scn, "pod/shop/client", "web.shop:80").reason == "nxdomain"  # every search-list query included


def test_a_container_asking_for_a_public_name_stops_the_trace():
    scn = load_scenario(DOCKER)
    with pytest.raises(TraceError, match="registry.npmjs.org is not in the scenario"):
        trace(scn, "container/h1/cli", "registry.npmjs.org:443")
    assert trace(scn, "container/h1/cli", "nosuch:80").reason == "nxdomain"


def test_an_address_outside_the_scenario_stops_the_trace_instead_of_a_timeout():
    scn = load_scenario(DOCKER)
    with pytest.raises(TraceError, match="192.168.1.77 is not an address of the scenario"):
        trace(scn, "container/h1/cli", "192.168.1.77:80")
    assert trace(scn, "container/h1/cli", "192.168.1.50:22").reason == "refused"  # the host itself is modelled

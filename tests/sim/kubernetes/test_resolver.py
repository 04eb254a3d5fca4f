"""resolv.conf per dnsPolicy / dnsConfig and the resolver's query order (ndots and the search list)."""

from __future__ import annotations

from quizapp.sim.kubernetes.resolver import (NODE_RESOLVER, DNSConfig, parse_dns_config, pod_resolv_conf,
                                             query_names)

D = "cluster.local"


def conf(policy="ClusterFirst", host_network=False, config=None, ns="shop"):
    return pod_resolv_conf(policy, host_network, ns, D, "10.96.0.10", config)


def test_cluster_first_search_list_and_ndots_5():
    c = conf()
    assert c.nameservers == ["10.96.0.10"] and c.ndots == 5
    assert c.searches == ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local"]
    # fewer than 5 dots: every search suffix first, in order, then the name as is
    assert query_names("web.other", c) == ["web.other.shop.svc.cluster.local", "web.other.svc.cluster.local",
                                           "web.other.cluster.local", "web.other"]
    assert query_names("example.com.", c) == ["example.com"]  # absolute: asked once
    assert query_names("a.b.c.d.e.f", c)[0] == "a.b.c.d.e.f"  # 5 dots: as is first


def test_host_network_falls_back_unless_cluster_first_with_host_net():
    assert conf(host_network=True).nameservers == [NODE_RESOLVER]
    assert "ClusterFirstWithHostNet" in conf(host_network=True).why
    assert conf("ClusterFirstWithHostNet", host_network=True).nameservers == ["10.96.0.10"]
    assert conf("Default").searches == [] and conf("Default").ndots == 1


def test_none_takes_only_dns_config_and_others_merge_it():
    cfg = DNSConfig(("1.1.1.1",), ("corp.example",), (("ndots", "2"),))
    none = conf("None", config=cfg)
    assert none.nameservers == ["1.1.1.1"] and none.searches == ["corp.example"] and none.ndots == 2
    merged = conf(config=cfg)
    assert merged.nameservers == ["10.96.0.10", "1.1.1.1"]
    assert merged.searches[-1] == "corp.example" and merged.ndots == 2
    assert query_names("db", merged)[-2:] == ["db.corp.example", "db"]


def test_dns_config_checks():
    errs = []
    assert parse_dns_config({"nameservers": ["nope"], "options": [{"name": "ndots", "value": 2}], "search": []},
                            "spec.dnsConfig", lambda p, m: errs.append(p)) is None
    assert errs == ["spec.dnsConfig.search", "spec.dnsConfig.nameservers[0]", "spec.dnsConfig.options[0].value"]

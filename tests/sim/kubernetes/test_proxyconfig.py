"""KubeProxyConfiguration read as kube-proxy reads it: strict, one section per mode."""

from __future__ import annotations

import ipaddress

from quizapp.sim.kubernetes.proxyconfig import is_local, parse_proxy_config


def parse(doc):
    errs, warns = [], []
    cfg = parse_proxy_config({"apiVersion": "kubeproxy.config.k8s.io/v1alpha1", "kind": "KubeProxyConfiguration", **doc},
                             lambda p, m: errs.append((p, m)), lambda p, m: warns.append((p, m)))
    return cfg, errs, warns


def test_a_kubeadm_file_is_accepted():
    cfg, errs, warns = parse({"bindAddress": "0.0.0.0", "clientConnection": {"kubeconfig": "/var/lib/kube-proxy/kubeconfig.conf"},
                              "clusterCIDR": "10.244.0.0/16", "configSyncPeriod": "15m0s", "conntrack": {"maxPerCore": 32768},
                              "mode": "", "iptables": {"masqueradeAll": False, "minSyncPeriod": "1s", "syncPeriod": "30s"},
                              "ipvs": {}, "nodePortAddresses": None, "detectLocalMode": ""})
    assert errs == [] and warns == [] and cfg.mode == "iptables" and str(cfg.cluster_cidr) == "10.244.0.0/16"


def test_unknown_fields_and_other_modes_are_refused():
    _, errs, _ = parse({"modee": "iptables", "iptables": {"masqueradeal": True}, "mode": "kernelspace"})
    assert [p for p, _ in errs] == ["modee", "mode", "iptables.masqueradeal"]


def test_each_mode_reads_only_its_section():
    cfg, errs, warns = parse({"nftables": {"masqueradeAll": True}})
    assert not errs and not cfg.masquerade_all and warns[0][0] == "nftables"


def test_nodeport_addresses_localhost_and_local_detection():
    cfg, _, _ = parse({"nodePortAddresses": ["primary"], "iptables": {"localhostNodePorts": False}})
    assert cfg.nodeport_on("192.168.1.11", "192.168.1.11") and not cfg.nodeport_on("10.0.0.5", "192.168.1.11")
    assert not cfg.nodeport_on("127.0.0.1", "192.168.1.11")
    default, _, _ = parse({})
    assert default.nodeport_on("127.0.0.1", "x") and default.nodeport_on("10.0.0.5", "192.168.1.11")
    assert is_local(default, "10.244.1.5", None) is None  # no clusterCIDR: no detector
    node_cidr, _, _ = parse({"detectLocalMode": "NodeCIDR"})
    assert is_local(node_cidr, "10.244.1.5", ipaddress.IPv4Network("10.244.1.0/24"))


def test_ipvs_mode_reads_its_section_and_iptables_masquerade_all():
    cfg, errs, warns = parse({"mode": "ipvs", "ipvs": {"scheduler": "sh", "strictARP": True, "syncPeriod": "30s"},
                              "iptables": {"masqueradeAll": True}})
    assert not errs and not warns
    assert (cfg.mode, cfg.ipvs_scheduler, cfg.strict_arp, cfg.masquerade_all) == ("ipvs", "sh", True, True)
    assert not cfg.nodeport_on("127.0.0.1", "192.168.1.11") and cfg.nodeport_on("10.244.1.1", "192.168.1.11")
    _, errs, warns = parse({"mode": "ipvs", "iptables": {"localhostNodePorts": True}, "nftables": {"masqueradeAll": True}})
    assert not errs and [p for p, _ in warns] == ["iptables", "nftables"]
    cfg, errs, _ = parse({"mode": "ipvs"})
    assert not errs and cfg.ipvs_scheduler == "rr" and not cfg.strict_arp

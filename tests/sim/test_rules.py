"""quizapp.sim.rules: the kernel's view of a scenario, generated from the simulator's model."""

from __future__ import annotations

import copy
import re

import pytest

from quizapp.sim import load_scenario_documents
from quizapp.sim.rules import (
    Tables,
    docker_rules,
    node_rules,
    portmap_chain,
    topology,
    vtep_mac,
)
from quizapp.sim.trace import sep_chain, svc_chain

from .helpers import load


@pytest.fixture(scope="module")
def full():
    return load("k8s-full.yaml")


@pytest.fixture(scope="module")
def dock():
    return load("docker-host.yaml")


def _rules(text: str, table: str) -> list[str]:
    body = text.split(f"*{table}\n", 1)[1].split("COMMIT", 1)[0]
    return [line for line in body.splitlines() if line.startswith("-A ")]


def _chains(text: str, table: str) -> set[str]:
    body = text.split(f"*{table}\n", 1)[1].split("COMMIT", 1)[0]
    return {line[1:].split()[0] for line in body.splitlines() if line.startswith(":")}


def test_restore_document_shape(full):
    text = node_rules(full, full.nodes["n1"])
    assert text.count("*nat\n") == 1 and text.count("*filter\n") == 1 and text.count("COMMIT") == 2
    for table in ("nat", "filter"):
        declared = _chains(text, table)
        for rule in _rules(text, table):
            chain = rule.split()[1]
            assert chain in declared, rule
            m = re.search(r"-j (\S+)", rule)
            if m and m.group(1).startswith(("KUBE-", "CNI-", "FLANNEL-")):
                assert m.group(1) in declared, rule


def test_cluster_policy_chains_use_the_simulators_names(full):
    svc = full.services[("shop", "api")]
    sp = svc.ports[0]
    nat = _rules(node_rules(full, full.nodes["n1"]), "nat")
    svc_ch, ext_ch = svc_chain(svc, sp), svc_chain(svc, sp, "KUBE-EXT-")
    assert f'-A KUBE-SERVICES -d 10.96.0.20/32 -p tcp -m tcp --dport 80 -m comment --comment "shop/api:http cluster IP" -j {svc_ch}' in nat
    assert any(r.startswith("-A KUBE-NODEPORTS -p tcp -m tcp --dport 30080 ") and r.endswith(f"-j {ext_ch}") for r in nat)
    ext = [r for r in nat if r.startswith(f"-A {ext_ch} ")]
    assert ext[0].endswith("-j KUBE-MARK-MASQ") and ext[1] == f"-A {ext_ch} -j {svc_ch}"
    lines = [r for r in nat if r.startswith(f"-A {svc_ch} ")]
    assert lines[0].startswith(f"-A {svc_ch} ! -s 10.244.0.0/16 -d 10.96.0.20/32") and lines[0].endswith("-j KUBE-MARK-MASQ")
    a, b = sp.endpoints  # kube-proxy's order: 10.244.1.10:8080, 10.244.2.10:9090
    assert "--probability 0.5000000000" in lines[1] and lines[1].endswith(f"-j {sep_chain(svc, sp, a)}")
    assert "statistic" not in lines[2] and lines[2].endswith(f"-j {sep_chain(svc, sp, b)}")
    sep = sep_chain(svc, sp, b)
    assert f'-A {sep} -s 10.244.2.10/32 -m comment --comment "shop/api:http" -j KUBE-MARK-MASQ' in nat
    assert f'-A {sep} -p tcp -m tcp -m comment --comment "shop/api:http" -j DNAT --to-destination 10.244.2.10:9090' in nat
    # the nodePort tail call is the last rule of KUBE-SERVICES
    services = [r for r in nat if r.startswith("-A KUBE-SERVICES ")]
    assert services[-1].endswith("-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS")
    assert "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN" in nat


def test_probabilities_one_over_n_minus_i(full):
    svc = full.services[("shop", "cache")]
    sp = svc.ports[0]
    nat = _rules(node_rules(full, full.nodes["n1"]), "nat")
    lines = [r for r in nat if r.startswith(f"-A {svc_chain(svc, sp)} ") and "KUBE-SEP-" in r]
    probs = [re.search(r"--probability (\S+)", r).group(1) if "statistic" in r else None for r in lines]
    assert probs == ["0.3333333333", "0.5000000000", None]


def test_local_policy_per_node(full):
    svc = full.services[("shop", "api-local")]
    sp = svc.ports[0]
    svl, ext = svc_chain(svc, sp, "KUBE-SVL-"), svc_chain(svc, sp, "KUBE-EXT-")
    n1 = node_rules(full, full.nodes["n1"])
    nat1 = _rules(n1, "nat")
    assert f"-A {ext} -j {svl}" in nat1
    local = [r for r in nat1 if r.startswith(f"-A {svl} ")]
    assert len(local) == 1 and local[0].endswith(f"-j {sep_chain(svc, sp, sp.endpoints[0])}")  # api-a only
    assert not any("has no local endpoints" in r for r in _rules(n1, "filter"))
    cp = node_rules(full, full.nodes["cp"])  # no api Pod on cp
    assert f"-A {ext} -j {svl}" not in _rules(cp, "nat") and svl not in cp
    drop = [r for r in _rules(cp, "filter") if "shop/api-local has no local endpoints" in r]
    assert drop == ['-A KUBE-EXTERNAL-SERVICES -m addrtype --dst-type LOCAL -p tcp -m tcp --dport 30081 -m comment --comment "shop/api-local has no local endpoints" -j DROP']
    ext_rules = [r for r in _rules(cp, "nat") if r.startswith(f"-A {ext} ")]
    assert ext_rules[0].startswith(f"-A {ext} -s 10.244.0.0/16 ")  # pod traffic short-circuit
    assert "--src-type LOCAL -j KUBE-MARK-MASQ" in ext_rules[1]


def test_services_without_endpoints_are_rejected(full):
    flt = _rules(node_rules(full, full.nodes["n2"]), "filter")
    dns = full.services[("default", "dns")]
    quiet = full.services[("default", "quiet")]
    assert f'-A KUBE-SERVICES -d {dns.cluster_ip}/32 -p udp -m udp --dport 53 -m comment --comment "default/dns has no endpoints" -j REJECT' in flt
    assert any(f"--dport {quiet.ports[0].node_port} " in r and r.endswith("-j REJECT") and "KUBE-EXTERNAL-SERVICES" in r for r in flt)
    nat = _rules(node_rules(full, full.nodes["n2"]), "nat")
    assert not any(dns.cluster_ip in r for r in nat)


def test_internal_traffic_policy_local(full):
    svc = full.services[("shop", "api-node-local")]
    sp = svc.ports[0]
    svl = svc_chain(svc, sp, "KUBE-SVL-")
    nat = _rules(node_rules(full, full.nodes["n2"]), "nat")
    assert any(r.startswith(f"-A KUBE-SERVICES -d {svc.cluster_ip}/32 ") and r.endswith(f"-j {svl}") for r in nat)
    assert next(r for r in nat if r.startswith(f"-A {svl} ")).endswith("-j KUBE-MARK-MASQ")
    flt = _rules(node_rules(full, full.nodes["cp"]), "filter")
    assert any(svc.cluster_ip in r and "has no local endpoints" in r and r.endswith("-j DROP") for r in flt)


def test_session_affinity_recent(full):
    svc = full.services[("shop", "api-sticky")]
    sp = svc.ports[0]
    nat = _rules(node_rules(full, full.nodes["n1"]), "nat")
    sep = sep_chain(svc, sp, sp.endpoints[0])
    assert any(r.startswith(f"-A {svc_chain(svc, sp)} ") and f"--name {sep} " in r and "--rcheck --seconds 10800 --reap" in r for r in nat)
    assert any(r.startswith(f"-A {sep} ") and "-m recent --set" in r and "DNAT" in r for r in nat)


def test_loadbalancer_ip_jumps_to_ext_chain(full):
    svc = full.services[("shop", "api-lb")]
    sp = svc.ports[0]
    nat = _rules(node_rules(full, full.nodes["n1"]), "nat")
    assert any(r.startswith("-A KUBE-SERVICES -d 198.51.100.7/32 -p tcp -m tcp --dport 443 ") and r.endswith(f"-j {svc_chain(svc, sp, 'KUBE-EXT-')}") for r in nat)


def test_portmap_only_on_the_pods_node(full):
    pod = full.pods[("default", "ingress")]
    n1 = _rules(node_rules(full, full.nodes["n1"]), "nat")
    ch = portmap_chain(pod)
    assert "-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT" in n1
    assert f"-A {ch} -s {pod.ip}/32 -p tcp -m tcp --dport 8443 -j CNI-HOSTPORT-SETMARK" in n1
    assert f"-A {ch} -p tcp -m tcp --dport 8443 -j DNAT --to-destination {pod.ip}:443" in n1
    assert "-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE" in n1
    assert not any("CNI-" in r for r in _rules(node_rules(full, full.nodes["n2"]), "nat"))


def test_flannel_masquerade_follows_ip_masq(full):
    nat = _rules(node_rules(full, full.nodes["n1"]), "nat")
    assert '-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully' in nat
    docs = copy.deepcopy(full.documents)
    docs[0]["spec"]["ipMasq"] = False
    off = load_scenario_documents(docs)
    assert "FLANNEL" not in node_rules(off, off.nodes["n1"])


def test_docker_rules():
    host = load("docker-host.yaml", engineVersion="27.5").hosts["h1"]  # the 20.10-27 layout
    text = docker_rules(host)
    nat, flt = _rules(text, "nat"), _rules(text, "filter")
    app = host.networks["app"]
    assert "-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER" in nat
    assert "-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE" in nat
    assert f"-A POSTROUTING -s {app.subnet} ! -o {app.bridge} -j MASQUERADE" in nat
    assert "-A DOCKER -i docker0 -j RETURN" in nat
    web = host.containers["web"].attachments[0].ip
    admin = host.containers["admin"].attachments[0].ip
    dns = host.containers["dns"].attachments[0].ip
    assert f"-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination {web}:80" in nat
    assert f"-A DOCKER -d 127.0.0.1/32 ! -i docker0 -p tcp -m tcp --dport 9000 -j DNAT --to-destination {admin}:9000" in nat
    assert f"-A DOCKER ! -i docker0 -p udp -m udp --dport 5353 -j DNAT --to-destination {dns}:53" in nat
    assert ":FORWARD DROP [0:0]" in text
    assert f"-A DOCKER -d {web}/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT" in flt
    assert "-A DOCKER ! -i docker0 -o docker0 -j DROP" in flt
    assert f"-A DOCKER-ISOLATION-STAGE-1 -i {app.bridge} ! -o {app.bridge} -j DOCKER-ISOLATION-STAGE-2" in flt
    assert f"-A DOCKER-ISOLATION-STAGE-2 -o {app.bridge} -j DROP" in flt
    # per-port ACCEPTs come before the networks' default DROPs
    docker_chain = [r for r in flt if r.startswith("-A DOCKER ")]
    assert max(i for i, r in enumerate(docker_chain) if "ACCEPT" in r) < min(i for i, r in enumerate(docker_chain) if "DROP" in r)


def test_topology_kubernetes(full):
    t = topology(full)
    assert t.lan == "192.168.1.0/24" and t.router == "192.168.1.1"
    n1 = t.namespace("node/n1")
    assert [i.name for i in n1.interfaces][:3] == ["eth0", "cni0", "flannel.1"]  # eth0 first, as on a machine
    assert n1.iface("cni0").addresses == ["10.244.1.1/24"]
    vx = n1.iface("flannel.1")
    assert vx.addresses == ["10.244.1.0/32"] and vx.vxlan == {"id": 1, "dstport": 8472, "local": "192.168.1.11", "dev": "eth0", "learning": False}
    n2 = full.nodes["n2"]
    assert any(r.dst == "10.244.2.0/24" and r.via == "10.244.2.0" and r.dev == "flannel.1" and r.onlink for r in n1.routes)
    assert any(n.ip == "10.244.2.0" and n.mac == vtep_mac(n2) for n in n1.neighbours)
    assert any(f.mac == vtep_mac(n2) and f.dst == "192.168.1.12" for f in n1.fdb)
    assert n1.iptables == node_rules(full, full.nodes["n1"])
    api_a = t.namespace("pod/shop/api-a")
    assert api_a.iface("eth0").addresses == ["10.244.1.10/24"] and api_a.routes[0].via == "10.244.1.1"
    assert {(lst.port, lst.proto, lst.kind, lst.name) for lst in api_a.listeners} == {(8080, "tcp", "pod", "shop/api-a"), (9100, "tcp", "pod", "shop/api-a")}
    port = api_a.iface("eth0").peer
    assert port[0] == "node/n1" and n1.iface(port[1]).master == "cni0" and n1.iface(port[1]).hairpin
    # hostNetwork Pods listen in their node's namespace; sources map to namespaces
    assert any(lst.name == "exporter" and lst.port == 9100 for lst in t.namespace("node/n2").listeners)
    assert t.namespace_of("pod/exporter") == "node/n2"
    assert t.namespace_of("pod/shop/shell") == "pod/shop/shell"
    assert t.namespace_of("external") == "external/203.0.113.10"
    ext = t.namespace("external/203.0.113.10")
    assert [(r.dst, r.via) for r in ext.routes] == [("192.168.1.0/24", "203.0.113.1")]  # no default route
    assert any(r.type == "blackhole" and r.dst == "default" for r in t.namespace("lan").routes)


def test_topology_host_gw_and_no_hairpin(full):
    docs = copy.deepcopy(full.documents)
    docs[0]["spec"].update({"backend": "host-gw", "hairpinMode": False})
    scn = load_scenario_documents(docs)
    t = topology(scn)
    n1 = t.namespace("node/n1")
    assert not any(i.kind == "vxlan" for i in n1.interfaces)
    assert any(r.dst == "10.244.2.0/24" and r.via == "192.168.1.12" and r.dev == "eth0" for r in n1.routes)
    assert not any(i.hairpin for i in n1.interfaces)


def test_topology_docker(dock):
    t = topology(dock)
    h1 = t.namespace("host/h1")
    host = dock.hosts["h1"]
    assert h1.iface("docker0").addresses == ["172.17.0.1/16"]
    assert h1.iface(host.networks["db"].bridge).addresses == ["10.10.0.1/24"]
    assert {(p.host_ip, p.host_port, p.proto) for p in h1.proxies} >= {("0.0.0.0", 8080, "tcp"), ("127.0.0.1", 9000, "tcp"), ("0.0.0.0", 5353, "udp")}
    # container: sharing -> the owner's namespace, listeners of every member
    assert t.namespace_of("container/sidecar") == "container/api"
    api = t.namespace("container/api")
    assert {(lst.port, lst.name) for lst in api.listeners} == {(5000, "api"), (9100, "sidecar")}
    # none: only lo; host: the host's namespace
    assert t.namespace("container/isolated").interfaces == [] and t.namespace("container/isolated").routes == []
    assert t.namespace_of("container/hostnet") == "host/h1"
    assert any(lst.name == "hostnet" and lst.port == 80 for lst in h1.listeners)
    web = t.namespace("container/web")
    assert web.iface("eth0").addresses == [f"{host.containers['web'].attachments[0].ip}/16"]
    assert web.routes[0].dst == "default" and web.routes[0].via == "172.17.0.1"
    assert h1.iptables == docker_rules(host)


def test_tables_render_declares_builtin_and_user_chains():
    t = Tables()
    t.chain("filter", "FORWARD", "DROP")
    t.rule("filter", "FORWARD", "-j X")
    t.chain("filter", "X")
    t.rule("nat", "PREROUTING", "-j Y")
    out = t.render()
    assert out.index("*nat") < out.index("*filter")
    assert ":FORWARD DROP [0:0]" in out and ":X - [0:0]" in out and ":PREROUTING ACCEPT [0:0]" in out

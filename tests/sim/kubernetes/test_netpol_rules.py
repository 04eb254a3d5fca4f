"""The policy chains written for a node: peers expanded to addresses, named ports resolved, DROP at the end."""

from __future__ import annotations

from quizapp.sim.kubernetes.netpol import PolicySet
from quizapp.sim.kubernetes.netpol_parse import parse_network_policy
from quizapp.sim.kubernetes.netpol_rules import pod_chain, netpol_rules

from .test_netpol_unit import CLIENT, OTHER_NS, WEB, HOSTNET


class Recorder:
    def __init__(self):
        self.chains, self.lines = set(), []

    def chain(self, table, name, policy="-"):
        self.chains.add(name)

    def rule(self, table, chain, spec):
        self.lines.append(f"-A {chain} {spec}")


def pol(spec, name):
    return parse_network_policy({"metadata": {"name": name}, "spec": spec}, lambda p, m: None)


def test_ingress_chain_for_selected_pod_only():
    ps = PolicySet([pol({"podSelector": {"matchLabels": {"app": "web"}}, "ingress": [
        {"from": [{"podSelector": {"matchLabels": {"role": "client"}}},
                  {"ipBlock": {"cidr": "203.0.113.0/24", "except": ["203.0.113.128/25"]}}],
         "ports": [{"port": "http"}]}]}, "web")], {})
    t = Recorder()
    netpol_rules(t, ps, [WEB, CLIENT, HOSTNET], [WEB, CLIENT, OTHER_NS, HOSTNET])
    text = "\n".join(t.lines)
    chain = pod_chain(WEB, "ingress")
    assert f"-A KUBE-ROUTER-FORWARD -d 10.244.1.5/32 -j {chain}" in text
    assert pod_chain(CLIENT, "ingress") not in t.chains  # not selected: no chain
    assert "-s 10.244.1.6/32 -p tcp -m tcp --dport 8080" in text  # the client Pod, named port resolved on web
    assert "10.244.2.7" not in text  # other namespace
    assert "-s 203.0.113.128/25 -j RETURN" in text  # except before the mark
    assert t.lines[-1].startswith(f"-A {chain} -m comment") and t.lines[-1].endswith("-j DROP")
    assert t.lines[1] == "-A KUBE-ROUTER-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN"

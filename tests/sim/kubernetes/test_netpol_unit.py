"""NetworkPolicy parsing (the API server's checks) and verdicts over plain objects."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from quizapp.sim.kubernetes.netpol import PolicySet
from quizapp.sim.kubernetes.netpol_parse import parse_network_policy


@dataclass(eq=False)
class P:
    namespace: str
    name: str
    labels: dict
    ip: str
    host_network: bool = False
    named_ports: dict = field(default_factory=dict)


def policy(spec, name="p", ns="default"):
    errors = []
    pol = parse_network_policy({"metadata": {"name": name, "namespace": ns}, "spec": spec},
                               lambda path, msg: errors.append((path, str(msg))))
    assert not errors, errors
    return pol


def problems(spec):
    errors = []
    parse_network_policy({"metadata": {"name": "p"}, "spec": spec}, lambda path, msg: errors.append((path, str(msg))))
    return errors


WEB = P("default", "web", {"app": "web"}, "10.244.1.5", named_ports={("http", "TCP"): 8080})
CLIENT = P("default", "client", {"role": "client"}, "10.244.1.6")
OTHER_NS = P("team-b", "tool", {"role": "client"}, "10.244.2.7")
HOSTNET = P("default", "exporter", {"role": "client"}, "192.168.1.11", host_network=True)
NS = {"team-b": {"kubernetes.io/metadata.name": "team-b", "team": "b"}}


def test_no_policy_means_not_isolated():
    v = PolicySet([], NS).ingress(WEB, CLIENT.ip, CLIENT, 8080, "tcp")
    assert v.allowed and not v.isolated


def test_default_deny_ingress_selects_every_pod_and_allows_nothing():
    ps = PolicySet([policy({"podSelector": {}, "policyTypes": ["Ingress"]}, "deny")], NS)
    v = ps.ingress(WEB, CLIENT.ip, CLIENT, 8080, "tcp")
    assert not v.allowed and v.isolated and "default/deny" in v.text("ingress", "pod/web")
    assert ps.egress(CLIENT, WEB.ip, WEB, 8080, "tcp").allowed  # egress not isolated


def test_policy_types_default_to_ingress_plus_egress_when_egress_rules_exist():
    assert policy({"podSelector": {}}).types == {"Ingress"}
    assert policy({"podSelector": {}, "egress": [{}]}).types == {"Ingress", "Egress"}


def test_pod_selector_peer_and_the_rule_that_allowed():
    ps = PolicySet([policy({"podSelector": {"matchLabels": {"app": "web"}},
                            "ingress": [{"from": [{"podSelector": {"matchLabels": {"role": "client"}}}]}]}, "allow")], NS)
    v = ps.ingress(WEB, CLIENT.ip, CLIENT, 8080, "tcp")
    assert v.allowed and v.policy.name == "allow" and v.rule.label == "ingress[0]"
    assert not ps.ingress(WEB, OTHER_NS.ip, OTHER_NS, 8080, "tcp").allowed  # podSelector: own namespace only
    assert not ps.ingress(WEB, HOSTNET.ip, HOSTNET, 8080, "tcp").allowed  # hostNetwork never matches selectors


def test_namespace_selector_alone_and_together_with_pod_selector():
    either = policy({"podSelector": {}, "ingress": [{"from": [
        {"namespaceSelector": {"matchLabels": {"team": "b"}}}, {"podSelector": {"matchLabels": {"role": "x"}}}]}]})
    both = policy({"podSelector": {}, "ingress": [{"from": [
        {"namespaceSelector": {"matchLabels": {"team": "b"}}, "podSelector": {"matchLabels": {"role": "x"}}}]}]})
    assert PolicySet([either], NS).ingress(WEB, OTHER_NS.ip, OTHER_NS, 80, "tcp").allowed
    assert not PolicySet([both], NS).ingress(WEB, OTHER_NS.ip, OTHER_NS, 80, "tcp").allowed
    # the automatic kubernetes.io/metadata.name label, also for namespaces without a document
    by_name = policy({"podSelector": {}, "ingress": [{"from": [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "default"}}}]}]})
    assert PolicySet([by_name], NS).ingress(WEB, CLIENT.ip, CLIENT, 80, "tcp").allowed


def test_ip_block_with_except():
    ps = PolicySet([policy({"podSelector": {}, "ingress": [{"from": [
        {"ipBlock": {"cidr": "203.0.113.0/24", "except": ["203.0.113.128/25"]}}]}]})], NS)
    assert ps.ingress(WEB, "203.0.113.10", None, 80, "tcp").allowed
    assert not ps.ingress(WEB, "203.0.113.200", None, 80, "tcp").allowed
    assert ps.ingress(WEB, HOSTNET.ip, HOSTNET, 80, "tcp").allowed is False


def test_ports_named_range_and_protocol():
    named = PolicySet([policy({"podSelector": {}, "ingress": [{"ports": [{"port": "http"}]}]})], NS)
    assert named.ingress(WEB, CLIENT.ip, CLIENT, 8080, "tcp").allowed
    assert not named.ingress(WEB, CLIENT.ip, CLIENT, 8080, "udp").allowed
    assert not named.ingress(CLIENT, WEB.ip, WEB, 8080, "tcp").allowed  # client declares no port "http"
    rng = PolicySet([policy({"podSelector": {}, "ingress": [{"ports": [{"port": 32000, "endPort": 32768, "protocol": "UDP"}]}]})], NS)
    assert rng.ingress(WEB, CLIENT.ip, CLIENT, 32768, "udp").allowed
    assert not rng.ingress(WEB, CLIENT.ip, CLIENT, 32769, "udp").allowed
    assert not rng.ingress(WEB, CLIENT.ip, CLIENT, 32000, "tcp").allowed


def test_policies_add_up_and_egress_matches_destination():
    deny = policy({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}, "deny-all")
    dns = policy({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}]}, "dns")
    web = policy({"podSelector": {"matchLabels": {"role": "client"}}, "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "web"}}}]}]}, "to-web")
    ps = PolicySet([deny, dns, web], NS)
    assert ps.egress(CLIENT, "10.96.0.10", None, 53, "udp").policy.name == "dns"
    assert ps.egress(CLIENT, WEB.ip, WEB, 8080, "tcp").policy.name == "to-web"
    assert not ps.egress(WEB, CLIENT.ip, CLIENT, 8080, "tcp").allowed
    assert {p.name for p in ps.egress(WEB, CLIENT.ip, CLIENT, 80, "tcp").selecting} == {"deny-all", "dns"}


def test_hostnetwork_pods_are_never_selected():
    ps = PolicySet([policy({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})], NS)
    assert not ps.ingress(HOSTNET, CLIENT.ip, CLIENT, 80, "tcp").isolated
    assert not ps.egress(HOSTNET, WEB.ip, WEB, 80, "tcp").isolated


def test_match_expressions():
    ps = PolicySet([policy({"podSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}]},
                            "ingress": [{"from": [{"podSelector": {"matchExpressions": [{"key": "role", "operator": "Exists"}]}}]}]})], NS)
    assert ps.ingress(WEB, CLIENT.ip, CLIENT, 80, "tcp").allowed
    assert not ps.ingress(CLIENT, WEB.ip, WEB, 80, "tcp").isolated


@pytest.mark.parametrize("spec,path,words", [
    ({"ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}]}]}, "spec.ingress[0].from[0]", "both ipBlock"),
    ({"ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["192.168.0.0/16"]}}]}]}, "spec.ingress[0].from[0].ipBlock.except[0]", "strict subset"),
    ({"ingress": [{"ports": [{"port": "http", "endPort": 90}]}]}, "spec.ingress[0].ports[0].endPort", "not a number"),
    ({"ingress": [{"ports": [{"port": 90, "endPort": 80}]}]}, "spec.ingress[0].ports[0].endPort", "greater than or equal"),
    ({"policyTypes": ["Inbound"]}, "spec.policyTypes[0]", "Unsupported value"),
    ({"ingres": []}, "spec.ingres", "unknown field"),
    ({"podSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]}}, "spec.podSelector.matchExpressions[0].values", "Required value"),
    ({"egress": [{"to": [{}]}]}, "spec.egress[0].to[0]", "must specify a peer"),
    ({"ingress": [{"from": [{"ipBlock": {"cidr": "fd00::/8"}}]}]}, "spec.ingress[0].from[0].ipBlock.cidr", "IPv6"),
])
def test_invalid_policies_are_refused_with_the_field(spec, path, words):
    errs = problems(spec)
    assert errs and errs[0][0] == path and words in errs[0][1], errs


def test_unknown_address_in_a_known_range():
    import ipaddress
    allow_all = PolicySet([policy({"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]})], NS)
    pods = ipaddress.IPv4Network("10.244.0.0/16")
    assert allow_all.egress(WEB, None, None, 53, "udp", ip_range=pods).allowed
    narrow = PolicySet([policy({"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.244.9.0/24"]}}]}]})], NS)
    assert not narrow.egress(WEB, None, None, 53, "udp", ip_range=pods).allowed

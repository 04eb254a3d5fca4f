"""iptables rules that enforce NetworkPolicies on one node, shaped the way iptables-based policy controllers
(kube-router's network policy controller, Calico in iptables mode) write them.

* ``filter FORWARD`` (first rule) jumps to ``KUBE-ROUTER-FORWARD``; the node's own traffic (``OUTPUT``,
  ``INPUT``) is not filtered, since traffic between a Pod and its own node is always allowed.
* ``KUBE-ROUTER-FORWARD``: replies and later packets of allowed connections (conntrack ``ESTABLISHED``,
  ``RELATED``) return at once; then, for each Pod of this node that a policy isolates, ``-s <podIP>`` jumps
  to its egress chain ``KUBE-POD-EG-<hash>`` and ``-d <podIP>`` to its ingress chain ``KUBE-POD-IN-<hash>``.
  A connection between two Pods of one node passes both chains; across nodes the source's node checks the
  egress side and the destination's node the ingress side.
* A Pod chain clears mark ``0x10000``, jumps to one chain per policy rule (``KUBE-NWPLCY-<hash>``), which
  sets the mark when the packet matches a peer and a port, returns when the mark is set, and DROPs
  otherwise (Calico and Cilium drop; kube-router itself REJECTs).
* Peers are expanded to addresses, as the controllers' ipsets hold them: the Pods a selector matches now,
  ``ipBlock`` CIDRs with their ``except`` ranges as earlier ``RETURN`` rules. Named ports are resolved per
  destination Pod.

The packet is seen as it is in ``FORWARD``: after kube-proxy's DNAT (the endpoint Pod, not the Cluster IP)
and before any masquerade (an external client of a NodePort with a local endpoint is seen with its own
address; one forwarded from another node arrives masqueraded to that node's address).

Pure: ``t`` is anything with ``chain(table, name)`` and ``rule(table, chain, spec)``.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any, Iterable

from .netpol import NetworkPolicy, Peer, PolicySet, Rule

MARK = "0x10000"
FORWARD_CHAIN = "KUBE-ROUTER-FORWARD"


def _hash(text: str) -> str:
    return base64.b32encode(hashlib.sha256(text.encode()).digest()).decode()[:16]


def _q(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def pod_chain(pod: Any, direction: str) -> str:
    prefix = "KUBE-POD-IN-" if direction == "ingress" else "KUBE-POD-EG-"
    return prefix + _hash(f"{pod.namespace}/{pod.name}{direction}")


def rule_chain(pod: Any, pol: NetworkPolicy, rule: Rule) -> str:
    return "KUBE-NWPLCY-" + _hash(f"{pod.namespace}/{pod.name}/{pol.namespace}/{pol.name}/{rule.label}")


def _peer_pods(ps: PolicySet, pol: NetworkPolicy, peer: Peer, pods: Iterable[Any]) -> list[Any]:
    return [p for p in pods if p.ip and ps.peer_selects(pol, peer, p)]


def _port_matches(rule: Rule, port_pod: Any) -> list[str]:
    """iptables port matches for a rule, named ports resolved on ``port_pod``; [] when nothing can match,
    [""] for every port."""
    if not rule.ports:
        return [""]
    out = []
    for p in rule.ports:
        proto = p.protocol.lower()
        if proto == "sctp":
            continue  # no SCTP in the kernel harness
        if p.port is None:
            out.append(f"-p {proto}")
        elif isinstance(p.port, str):
            num = port_pod.named_ports.get((p.port, p.protocol)) if port_pod is not None else None
            if num is not None:
                out.append(f"-p {proto} -m {proto} --dport {num}")
        elif p.end_port is not None:
            out.append(f"-p {proto} -m {proto} --dport {p.port}:{p.end_port}")
        else:
            out.append(f"-p {proto} -m {proto} --dport {p.port}")
    return out


def _rule(t: Any, ps: PolicySet, pod: Any, pol: NetworkPolicy, rule: Rule, pods: list[Any]) -> str:
    chain = rule_chain(pod, pol, rule)
    t.chain("filter", chain)
    flag = "-s" if rule.direction == "ingress" else "-d"
    comment = f"-m comment --comment {_q(f'{pol.namespace}/{pol.name} {rule.label}')}"
    mark = f"-j MARK --set-xmark {MARK}/{MARK}"
    # (address match, pod whose named ports count, except ranges)
    targets: list[tuple[str, Any, tuple]] = []
    if not rule.peers:
        targets.append(("", pod if rule.direction == "ingress" else None, ()))
    for peer in rule.peers:
        if peer.ip_block is not None:
            targets.append((f"{flag} {peer.ip_block.cidr}", pod if rule.direction == "ingress" else None,
                            peer.ip_block.excepts))
            continue
        for p in _peer_pods(ps, pol, peer, pods):
            targets.append((f"{flag} {p.ip}/32", pod if rule.direction == "ingress" else p, ()))
    for addr, port_pod, excepts in targets:
        for ports in _port_matches(rule, port_pod):
            match = " ".join(x for x in (addr, ports) if x)
            if excepts:
                sub = "KUBE-NWPLCY-" + _hash(f"{chain}{match}")
                t.chain("filter", sub)
                for e in excepts:
                    t.rule("filter", sub, f"{flag} {e} -j RETURN")
                t.rule("filter", sub, f"{comment} {mark}")
                t.rule("filter", chain, f"{match} -j {sub}")
            else:
                t.rule("filter", chain, f"{match + ' ' if match else ''}{comment} {mark}")
    return chain


def netpol_rules(t: Any, ps: PolicySet, node_pods: Iterable[Any], all_pods: Iterable[Any]) -> None:
    """Write the policy chains for the Pods of one node (``node_pods``) into ``t``."""
    pods = [p for p in all_pods if p.ip and not p.host_network]
    t.chain("filter", FORWARD_CHAIN)
    t.rule("filter", "FORWARD", f"-m comment --comment {_q('kube-router netpol')} -j {FORWARD_CHAIN}")
    t.rule("filter", FORWARD_CHAIN, "-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN")
    for pod in node_pods:
        if pod.host_network or not pod.ip:
            continue
        for direction, kind, flag in (("egress", "Egress", "-s"), ("ingress", "Ingress", "-d")):
            selecting = ps.selecting(pod, kind)
            if not selecting:
                continue
            chain = pod_chain(pod, direction)
            t.chain("filter", chain)
            t.rule("filter", FORWARD_CHAIN, f"{flag} {pod.ip}/32 -j {chain}")
            t.rule("filter", chain, f"-j MARK --set-xmark 0x0/{MARK}")
            for pol in selecting:
                for rule in (pol.ingress if direction == "ingress" else pol.egress):
                    t.rule("filter", chain, f"-j {_rule(t, ps, pod, pol, rule, pods)}")
            t.rule("filter", chain, f"-m mark --mark {MARK}/{MARK} -j RETURN")
            names = ", ".join(f"{p.namespace}/{p.name}" for p in selecting)
            t.rule("filter", chain, f"-m comment --comment {_q(f'{direction} of {pod.namespace}/{pod.name} not allowed by {names}')} -j DROP")

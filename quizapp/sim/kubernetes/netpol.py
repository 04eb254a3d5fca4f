"""NetworkPolicy (networking.k8s.io/v1) as the API reference defines it: parsing with the API server's
checks, and the verdict for one connection.

Semantics (kubernetes.io/docs/concepts/services-networking/network-policies/ and the API reference):

* A Pod is isolated for ingress (egress) when at least one NetworkPolicy of its namespace selects it
  (``spec.podSelector``; empty selects every Pod) and lists ``Ingress`` (``Egress``) in ``policyTypes``.
  Without ``policyTypes``: ``Ingress``, plus ``Egress`` when the policy has egress rules.
* An isolated Pod accepts only what at least one rule of one selecting policy allows: policies add up, none
  subtracts. A connection needs the egress side of its source *and* the ingress side of its destination.
* A rule allows traffic that matches one of its peers (``from`` / ``to``; empty or absent: everyone) *and*
  one of its ports (empty or absent: every port). A peer is an ``ipBlock`` (``cidr`` minus ``except``) or a
  ``podSelector`` (Pods of the policy's namespace), a ``namespaceSelector`` (every Pod of the selected
  namespaces) or both in one element (those Pods of those namespaces).
* Ports: ``protocol`` (TCP by default), ``port`` as a number or a name (resolved on the destination Pod,
  per protocol), ``endPort`` for a range (numeric ``port`` only).
* hostNetwork Pods are never selected, and selectors do not match them as peers (their traffic is the
  node's: only an ``ipBlock`` holding the node's address matches it).
* Replies of an allowed connection are allowed (connection tracking), and traffic between a Pod and its
  own node is always allowed. Those two are decided by the tracer, not here.

Parsing: :mod:`quizapp.sim.kubernetes.netpol_parse`. Pure: the Pods and namespaces are anything with the attributes used below (the simulator's model objects).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Iterable
from quizapp.words import Said, say


# ------------------------------------------------------------------------------------------ objects

@dataclass(frozen=True)
class LabelSelector:
    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: dict[str, str]) -> bool:
        for k, v in self.match_labels:
            if labels.get(k) != v:
                return False
        for key, op, values in self.match_expressions:
            have = key in labels
            if op == "In" and not (have and labels[key] in values):
                return False
            if op == "NotIn" and have and labels[key] in values:
                return False
            if op == "Exists" and not have:
                return False
            if op == "DoesNotExist" and have:
                return False
        return True

    def text(self) -> str:
        parts = [f"{k}={v}" for k, v in self.match_labels]
        for key, op, values in self.match_expressions:
            vals = ",".join(values)
            parts.append({"In": f"{key} in ({vals})", "NotIn": f"{key} notin ({vals})", "Exists": key,
                          "DoesNotExist": f"!{key}"}[op])
        return ",".join(parts) if parts else "{} (all)"


@dataclass(frozen=True)
class IPBlock:
    cidr: ipaddress.IPv4Network
    excepts: tuple[ipaddress.IPv4Network, ...] = ()

    def contains(self, ip: str) -> bool:
        a = ipaddress.IPv4Address(ip)
        return a in self.cidr and not any(a in e for e in self.excepts)

    def holds(self, net: ipaddress.IPv4Network) -> bool:
        """Every address of ``net`` is in the block."""
        return net.subnet_of(self.cidr) and not any(e.overlaps(net) for e in self.excepts)

    def text(self) -> str:
        exc = f" except {', '.join(map(str, self.excepts))}" if self.excepts else ""
        return f"ipBlock {self.cidr}{exc}"


@dataclass(frozen=True)
class Peer:
    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None

    def text(self) -> str:
        if self.ip_block is not None:
            return self.ip_block.text()
        parts = []
        if self.namespace_selector is not None:
            parts.append(f"namespaceSelector {self.namespace_selector.text()}")
        if self.pod_selector is not None:
            parts.append(f"podSelector {self.pod_selector.text()}")
        return " and ".join(parts)


@dataclass(frozen=True)
class PolicyPort:
    protocol: str = "TCP"
    port: int | str | None = None
    end_port: int | None = None

    def text(self) -> str:
        if self.port is None:
            return f"any {self.protocol} port"
        if self.end_port is not None:
            return f"{self.port}-{self.end_port}/{self.protocol}"
        return f"{self.port}/{self.protocol}"


@dataclass(frozen=True)
class Rule:
    direction: str  # ingress | egress
    index: int
    peers: tuple[Peer, ...]  # empty: every peer
    ports: tuple[PolicyPort, ...]  # empty: every port

    @property
    def label(self) -> str:
        return f"{self.direction}[{self.index}]"


@dataclass(eq=False)
class NetworkPolicy:
    namespace: str
    name: str
    pod_selector: LabelSelector
    types: frozenset[str]
    ingress: tuple[Rule, ...]
    egress: tuple[Rule, ...]
    doc: int = 0

    @property
    def ref(self) -> str:
        return f"networkpolicy/{self.namespace}/{self.name}"

    def selects(self, pod: Any) -> bool:
        return (pod.namespace == self.namespace and not pod.host_network
                and self.pod_selector.matches(pod.labels))


# ------------------------------------------------------------------------------------------ verdicts

@dataclass
class Verdict:
    """The decision for one direction of one connection at one Pod."""

    allowed: bool
    isolated: bool  # some policy selects the Pod for this direction
    policy: NetworkPolicy | None = None  # the policy whose rule allowed it
    rule: Rule | None = None
    selecting: list[NetworkPolicy] = field(default_factory=list)

    def text(self, direction: str, pod_ref: str) -> str:
        return str(self.words(direction, pod_ref))

    def words(self, direction: str, pod_ref: str) -> Said:
        """The decision as a message (the trace renders it in the reader's language)."""
        if not self.isolated:
            return say("no NetworkPolicy selects {pod} for {direction}: allowed", pod=pod_ref, direction=direction)
        names = ", ".join(f"{p.namespace}/{p.name}" for p in self.selecting)
        if self.allowed:
            assert self.policy is not None and self.rule is not None
            policy = "/".join((self.policy.namespace, self.policy.name))
            return say("allowed by NetworkPolicy {policy} {rule}", policy=policy, rule=self.rule.label)
        return say("{pod} is isolated for {direction} by {names}; no rule allows it: DROP", pod=pod_ref,
                   direction=direction, names=names)


class PolicySet:
    """The policies of a scenario, indexed by namespace; ``ns_labels`` maps a namespace to its labels."""

    def __init__(self, policies: Iterable[NetworkPolicy], ns_labels: dict[str, dict[str, str]]):
        self.policies = list(policies)
        self.ns_labels = ns_labels
        # a policy whose podSelector has matchLabels is found through one of its labels; the others
        # (empty selector, expressions only) are checked for every Pod of the namespace
        self._by_label: dict[tuple[str, str, str], list[NetworkPolicy]] = {}
        self._unindexed: dict[str, list[NetworkPolicy]] = {}
        self._order = {id(p): i for i, p in enumerate(self.policies)}
        for p in self.policies:
            if p.pod_selector.match_labels:
                k, v = p.pod_selector.match_labels[0]
                self._by_label.setdefault((p.namespace, k, v), []).append(p)
            else:
                self._unindexed.setdefault(p.namespace, []).append(p)

    def labels_of(self, namespace: str) -> dict[str, str]:
        labels = self.ns_labels.get(namespace)
        if labels is None:  # a namespace without a document still has its automatic label
            return {"kubernetes.io/metadata.name": namespace}
        return labels

    def selecting(self, pod: Any, kind: str) -> list[NetworkPolicy]:
        if pod is None or pod.host_network:
            return []
        found = list(self._unindexed.get(pod.namespace, ()))
        for k, v in pod.labels.items():
            found.extend(self._by_label.get((pod.namespace, k, v), ()))
        if len(found) > 1:
            found.sort(key=lambda p: self._order[id(p)])  # document order, as listed in hops
        return [p for p in found if kind in p.types and p.selects(pod)]

    def ingress(self, dst_pod: Any, src_ip: str | None, src_pod: Any, port: int, proto: str) -> Verdict:
        """May ``src`` (an address, and the Pod owning it if any) open ``port``/``proto`` on ``dst_pod``?"""
        return self._verdict(self.selecting(dst_pod, "Ingress"), "ingress", src_ip, src_pod, dst_pod, port, proto)

    def egress(self, src_pod: Any, dst_ip: str | None, dst_pod: Any, port: int, proto: str,
               ip_range: Any = None) -> Verdict:
        """May ``src_pod`` open ``port``/``proto`` on ``dst`` (an address, and the Pod owning it if any)?
        ``ip_range``: when the address is not known, only the network it lies in (an ``ipBlock`` then matches
        when it holds all of that network)."""
        return self._verdict(self.selecting(src_pod, "Egress"), "egress", dst_ip, dst_pod, dst_pod, port, proto,
                             ip_range)

    def _verdict(self, selecting: list[NetworkPolicy], direction: str, peer_ip: str | None, peer_pod: Any,
                 dst_pod: Any, port: int, proto: str, ip_range: Any = None) -> Verdict:
        if not selecting:
            return Verdict(True, False)
        proto = proto.upper()
        for pol in selecting:
            for rule in (pol.ingress if direction == "ingress" else pol.egress):
                if (self._ports_match(rule, dst_pod, port, proto)
                        and self._peers_match(pol, rule, peer_ip, peer_pod, ip_range)):
                    return Verdict(True, True, pol, rule, selecting)
        return Verdict(False, True, selecting=selecting)

    @staticmethod
    def _ports_match(rule: Rule, dst_pod: Any, port: int, proto: str) -> bool:
        if not rule.ports:
            return True
        for p in rule.ports:
            if p.protocol != proto:
                continue
            if p.port is None:
                return True
            if isinstance(p.port, str):
                named = dst_pod.named_ports.get((p.port, proto)) if dst_pod is not None else None
                if named == port:
                    return True
            elif p.end_port is not None:
                if p.port <= port <= p.end_port:
                    return True
            elif p.port == port:
                return True
        return False

    def _peers_match(self, pol: NetworkPolicy, rule: Rule, ip: str | None, pod: Any, ip_range: Any = None) -> bool:
        if not rule.peers:
            return True
        for peer in rule.peers:
            if peer.ip_block is not None:
                if ip is not None and peer.ip_block.contains(ip):
                    return True
                if ip is None and ip_range is not None and peer.ip_block.holds(ip_range):
                    return True
                continue
            if self.peer_selects(pol, peer, pod):
                return True
        return False

    def peer_selects(self, pol: NetworkPolicy, peer: Peer, pod: Any) -> bool:
        """Does a selector peer of ``pol`` match ``pod`` (never a hostNetwork Pod)?"""
        if pod is None or pod.host_network:
            return False
        if peer.namespace_selector is None:
            if pod.namespace != pol.namespace:
                return False
        elif not peer.namespace_selector.matches(self.labels_of(pod.namespace)):
            return False
        return peer.pod_selector is None or peer.pod_selector.matches(pod.labels)

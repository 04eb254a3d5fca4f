"""Trace steps: NetworkPolicy where an iptables-based policy controller enforces it, in ``filter FORWARD``.

Only when the cluster's network plugin enforces policies (``kind: Cluster`` ``spec.networkPolicy: enforced``;
``scn.policies`` is then a :class:`~quizapp.sim.kubernetes.netpol.PolicySet`). The packet is judged as it is
in FORWARD: after kube-proxy's DNAT, before any masquerade. The source Pod's node checks egress when it forwards
the Pod's packet; the destination Pod's node checks ingress when it forwards the packet to the Pod. Traffic the
node itself sends (its processes, hostNetwork Pods, ``OUTPUT``) or receives (``INPUT``) is not filtered: a Pod's
own node may always reach it. A denied packet is dropped (timeout).
"""

from __future__ import annotations

from ..core.packet import Done, Packet
from .model import Node, Pod
from quizapp.words import say


class PolicySteps:
    """Mixin of the tracer (:mod:`quizapp.sim.trace`)."""

    def _policy_egress(self, node: Node, pkt: Packet, from_pod: Pod | None) -> None:
        ps = self.scn.policies
        if ps is None or from_pod is None or from_pod.host_network:
            return
        if pkt.dst in (node.ip, node.bridge_ip, node.vtep_ip) or pkt.dst in node.extra_ips:
            return  # to its own node: INPUT, not FORWARD
        dst_pod = self.scn.pod_by_ip.get(pkt.dst)
        v = ps.egress(from_pod, pkt.dst, dst_pod, pkt.dport, pkt.proto)
        self._policy_hop(node, v, "egress", from_pod, pkt)

    def _policy_ingress(self, node: Node, pkt: Packet, target: Pod, origin: str) -> None:
        ps = self.scn.policies
        if ps is None or origin == "local":
            return  # the node's own traffic (OUTPUT) is always allowed to its Pods
        src_pod = self.scn.pod_by_ip.get(pkt.src)
        v = ps.ingress(target, pkt.src, src_pod, pkt.dport, pkt.proto)
        self._policy_hop(node, v, "ingress", target, pkt)

    def _policy_hop(self, node: Node, v, direction: str, pod: Pod, pkt: Packet) -> None:
        if not v.isolated:
            return
        where = say("{node} policy (filter FORWARD)", node=node.ref)
        what = say("{proto} {src} -> {dst_text}: {verdict}", proto=pkt.proto, src=pkt.src, dst_text=pkt.dst_text,
                   verdict=v.words(direction, pod.ref))
        self.hop(where, what)
        if not v.allowed:
            raise Done("timeout")

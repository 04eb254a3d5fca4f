"""What dockerd's filter and raw rules do with one packet, in the named engine's layout (the hops a learner
reads quote the rules :mod:`.rules` / :mod:`.rules_forward` write, so ``iptables -S`` on such a host shows them).

* Docker 20.10-27: ``FORWARD`` itself holds ``DOCKER-USER``, ``DOCKER-ISOLATION-STAGE-1/2`` and ``DOCKER``.
* Docker 28 (28.0.1 on): ``FORWARD -j DOCKER-FORWARD``, which jumps to ``DOCKER-CT``,
  ``DOCKER-ISOLATION-STAGE-1`` and ``DOCKER-BRIDGE`` (``-o <bridge> -j DOCKER``); raw ``PREROUTING`` drops packets
  addressed to a container from any interface but its bridge.
* Docker 29: ``DOCKER-INTERNAL`` instead of the isolation chains; networks are kept apart by the ``DOCKER``
  chain's per-bridge DROP (and the raw drops).
"""

from __future__ import annotations

from typing import Any

from quizapp.words import Said, say

from ..core.packet import Done, Packet
from .model import DockerHost, DockerNetwork
from .routed import routed_accept
from .rules_forward import default_rule, raw_accept, raw_drop


def raw_verdict(host: DockerHost, net: DockerNetwork, pkt: Packet, in_iface: str) -> Said | None:
    """The raw PREROUTING rule that drops ``pkt`` (addressed to a container on ``net``) arriving on
    ``in_iface``, or None when the packet passes (a trusted interface's ACCEPT comes first)."""
    if not host.settings.filters_direct_access or net.internal or net.gateway_mode != "nat":
        return None
    owner = net.by_ip.get(pkt.dst)
    if owner is None or in_iface == net.bridge:
        return None
    if in_iface in net.trusted:
        return None
    return say("PREROUTING: {rule} (Docker 28+ drops packets addressed straight to a container unless they come from "
               "its own bridge; it runs before nat, so DNAT to a published port is not affected)", rule=raw_drop(net, pkt.dst))


def raw_trusted(net: DockerNetwork, pkt: Packet, in_iface: str) -> Said:
    return say("PREROUTING: {rule} ({iface} is in com.docker.network.bridge.trusted_host_interfaces of {name})",
               rule=raw_accept(pkt.dst, in_iface), iface=in_iface, name=net.name)


def _published(host: DockerHost, net: DockerNetwork, pkt: Packet) -> str | None:
    for (proto, _hport), lst in host.mappings.items():
        for m, c in lst:
            att = c.gateway_attachment
            if proto == pkt.proto and att is not None and att.network is net and att.ip == pkt.dst and m.container_port == pkt.dport:
                b = net.bridge
                return f"-d {att.ip}/32 ! -i {b} -o {b} -p {pkt.proto} --dport {pkt.dport} -j ACCEPT"
    return None


def _to_docker_chain(host: DockerHost, net: DockerNetwork, pkt: Packet) -> tuple[bool, Said]:
    """The DOCKER chain (reached from FORWARD, or from DOCKER-BRIDGE on 28+) for a packet to ``net``."""
    head = f"DOCKER-FORWARD -j DOCKER-BRIDGE; DOCKER-BRIDGE: -o {net.bridge} -j DOCKER; " if host.settings.forward_chain else ""
    if net.gateway_mode in ("nat", "routed"):
        accept = _published(host, net, pkt) if net.gateway_mode == "nat" else routed_accept(host, net, pkt.dst, pkt.dport, pkt.proto)
        if accept is not None:
            return True, say("{jumps}DOCKER: {rule}", jumps=head, rule=accept)
    rule = default_rule(net)
    if rule.endswith("ACCEPT"):
        return True, say("{jumps}DOCKER: {rule} (gateway mode nat-unprotected: every port is open to direct routing)", jumps=head, rule=rule)
    return False, say("{jumps}DOCKER: {rule} (only published ports are forwarded in)", jumps=head, rule=rule)


def _internal(host: DockerHost, spec: str, net: DockerNetwork, what: Said) -> Said:
    s = host.settings
    chain = "DOCKER-ISOLATION-STAGE-1" if s.isolation_chains else "DOCKER-INTERNAL"
    jump = f"DOCKER-FORWARD -j {chain}; " if s.forward_chain else ""
    return say("{jump}{chain}: {rule} (network {name} is --internal: {what})", jump=jump, chain=chain, rule=spec,
               name=net.name, what=what)


def leaving_internal(host: DockerHost, net: DockerNetwork) -> Said:
    """The rule that drops a packet leaving the --internal network ``net``."""
    return _internal(host, f"! -d {net.subnet} -i {net.bridge} -j DROP", net, say("nothing leaves it"))


def forward_verdict(host: DockerHost, from_net: DockerNetwork | None, net: DockerNetwork,
                    pkt: Packet) -> tuple[bool, Said]:
    """filter FORWARD for ``pkt`` routed out of ``net``'s bridge, arriving from the LAN (``from_net`` None) or
    from the bridge of ``from_net``: (accepted, the rules that decided)."""
    s = host.settings
    if from_net is not None and from_net.internal:
        return False, leaving_internal(host, from_net)
    if net.internal and (s.forward_chain or from_net is not None):
        return False, _internal(host, f"! -s {net.subnet} -o {net.bridge} -j DROP", net, say("nothing enters it"))
    if from_net is not None and from_net is not net and s.isolation_chains and net.gateway_mode == "routed" and s.forward_chain:
        # Docker 28: DOCKER-ISOLATION-STAGE-1 -o <routed bridge> -j RETURN comes first (usernet-portmap-routed.md)
        ok, what = _to_docker_chain(host, net, pkt)
        return ok, say("DOCKER-FORWARD -j DOCKER-ISOLATION-STAGE-1; DOCKER-ISOLATION-STAGE-1: -o {bridge} -j RETURN "
                       "(network {name} has gateway mode routed); {rest}", bridge=net.bridge, name=net.name, rest=what)
    if from_net is not None and from_net is not net and s.isolation_chains:
        head = "DOCKER-FORWARD -j DOCKER-ISOLATION-STAGE-1; " if s.forward_chain else ""
        return False, say("{jump}DOCKER-ISOLATION-STAGE-1: -i {from_bridge} ! -o {from_bridge} -j DOCKER-ISOLATION-STAGE-2; "
                          "DOCKER-ISOLATION-STAGE-2: -o {bridge} -j DROP (networks {from_name} and {name} are isolated)",
                          jump=head, from_bridge=from_net.bridge, bridge=net.bridge, from_name=from_net.name, name=net.name)
    return _to_docker_chain(host, net, pkt)


def icc_drop(host: DockerHost, net: DockerNetwork) -> Said:
    """The rule that drops traffic between containers of a network with icc off (the daemon's ``icc: false``
    for the default bridge, ``com.docker.network.bridge.enable_icc=false`` for the others)."""
    why = (say("the daemon runs with icc: false") if not net.user_defined
           else say("network {name} has com.docker.network.bridge.enable_icc=false", name=net.name))
    head = "DOCKER-FORWARD: " if host.settings.forward_chain else ""
    return say("{chain}-i {b} -o {b} -j DROP ({why})", chain=head, b=net.bridge, why=why)


def hairpin_head(host: DockerHost) -> str:
    """Where Docker 28+ decides a packet that goes back out the bridge it came in by: DOCKER-FORWARD."""
    return "DOCKER-FORWARD: " if host.settings.forward_chain else ""


def hairpin_accept(host: DockerHost, net: DockerNetwork) -> Said:
    """The rule that lets a DNAT-ed packet back out the bridge it came from (icc on). Docker 28+ (iptabler
    network.go, outRuleICC): DOCKER-BRIDGE's jump to DOCKER matches nothing (every rule there has ``! -i``), then
    ``DOCKER-FORWARD -i <bridge> -j ACCEPT``."""
    b = net.bridge
    if host.settings.forward_chain:
        return say("DOCKER-FORWARD -j DOCKER-BRIDGE; DOCKER-BRIDGE: -o {b} -j DOCKER (no rule there matches -i {b}); "
                   "DOCKER-FORWARD: -i {b} -j ACCEPT (hairpin: back out the bridge it came from)", b=b)
    return say('-i {b} -o {b} -j ACCEPT (hairpin: back out the bridge it came from)', b=b)


def link_accept_head(host: DockerHost, net: DockerNetwork) -> str:
    """How a packet between two containers of ``net`` reaches the DOCKER chain's legacy-link ACCEPT."""
    return f"DOCKER-FORWARD -j DOCKER-BRIDGE; DOCKER-BRIDGE: -o {net.bridge} -j DOCKER; " if host.settings.forward_chain else ""


class FirewallSteps:
    """Mixin of the Docker trace steps: a packet forwarded into a bridge (raw, filter, MASQUERADE)."""

    hop: Any  # TracerBase.hop

    def _raw_in(self, host: DockerHost, pkt: Packet, from_net: DockerNetwork | None, net: DockerNetwork) -> None:
        """raw PREROUTING (28+) for a packet routed to a container address on ``net`` from the LAN (``from_net``
        None) or from another bridge; raises Done when it drops the packet."""
        in_iface = from_net.bridge if from_net is not None else "eth0"
        drop = raw_verdict(host, net, pkt, in_iface)
        if drop is not None:
            self.hop(f"{host.ref} iptables raw", drop)
            raise Done("timeout")
        if in_iface in net.trusted and host.settings.filters_direct_access and pkt.dst in net.by_ip:
            self.hop(f"{host.ref} iptables raw", raw_trusted(net, pkt, in_iface))

    def _filter_in(self, host: DockerHost, pkt: Packet, from_net: DockerNetwork | None, net: DockerNetwork) -> None:
        """Docker's own filter rules for that packet (after DOCKER-USER); raises Done when they drop it."""
        ok, what = forward_verdict(host, from_net, net, pkt)
        self.hop(f"{host.ref} iptables filter FORWARD", what)
        if not ok:
            raise Done("timeout")

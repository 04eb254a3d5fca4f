"""Trace steps for bridge networks in gateway modes ``routed`` and ``isolated`` (:mod:`.routed`, :mod:`.bridgeopts`).

* routed: a container's packet to the LAN leaves unmasqueraded (moby ``setupNonInternalNetworkRules``: ``nat :=
  !config.Routed``), so the answer returns only if the LAN routes the subnet back to the host; the answer passes
  ``DOCKER-CT`` (conntrack) and no raw drop (``filterDirectAccess`` skips routed networks). A host port "published"
  by a container on a routed network is not set up at all (``usernet-portmap-routed.md``: no DNAT, no proxy).
* isolated: the bridge has no address (``setupVerifyAndReconcileIPv4`` returns early), so the host has no
  connected route to the subnet: its packets, and those it forwards, follow the default route out of eth0.
"""

from __future__ import annotations

from typing import Any

from quizapp.words import say

from ..core.packet import Done, Packet
from .model import DockerHost, DockerNetwork


class GatewayModeSteps:
    """Mixin of :class:`~quizapp.sim.docker.trace.DockerSteps`."""

    hop: Any
    _lan: Any

    def _isolated_no_route(self, host: DockerHost, pkt: Packet, net: DockerNetwork) -> None:
        """``pkt`` is for an address on the isolated network ``net``: the host has no route into it."""
        self.hop(f"{host.ref} routing", say("network {name} has gateway mode isolated: bridge {bridge} has no address, so "
                                            "{host} has no route to {subnet}; the packet follows the default route out "
                                            "of eth0, and nothing on the LAN has {dst}",
                                            name=net.name, bridge=net.bridge, host=host.ref, subnet=net.subnet, dst=pkt.dst))
        raise Done("timeout")

    def _routed_out(self, host: DockerHost, pkt: Packet, net: DockerNetwork) -> None:
        """A container on the routed network ``net`` reaches past the host: no MASQUERADE."""
        self.hop(f"{host.ref} iptables nat POSTROUTING",
                 say("no MASQUERADE for {subnet} (network {name} has gateway mode routed): the packet leaves with "
                     "source {src}", subnet=net.subnet, name=net.name, src=pkt.src))
        if not host.lan_routes:
            self.hop(f"{host.ref} eth0", say('sends {src} -> {dst_text} on the LAN; nothing on the LAN routes {subnet} back to {host}, so the answer never returns', src=pkt.src, dst_text=pkt.dst_text, subnet=net.subnet, host=host.ref))
            raise Done("timeout")
        self.hop(f"{host.ref} eth0", say('sends {src} -> {dst_text} on the LAN; the LAN routes {subnet} back to {host} (spec.lanRoutesToBridges), so the answer can return', src=pkt.src, dst_text=pkt.dst_text, subnet=net.subnet, host=host.ref))
        self._lan(pkt, None, f"{host.ref} eth0")

    def _routed_port_note(self, host: DockerHost, pkt: Packet) -> None:
        """A hop when ``pkt``'s port is one that a container on a routed network was run with (``-p``)."""
        for c in host.containers.values():
            att = c.gateway_attachment
            for m in c.publish:
                if m.routed and att is not None and m.host_port == pkt.dport and m.proto == pkt.proto:
                    self.hop(f"{host.ref} INPUT", say("{container} was run with -p {host_port}:{port}/{proto} on network {name}, "
                                                      "whose gateway mode is routed: Docker sets up no DNAT and no "
                                                      "docker-proxy for it, only port {port} on the container's own "
                                                      "address {ip}", container=c.ref, host_port=m.host_port,
                                                      port=m.container_port, proto=m.proto, name=att.network.name, ip=att.ip))
                    return

"""Bridge networks in gateway mode ``routed`` (``-o com.docker.network.bridge.gateway_mode_ipv4=routed``).

Sources: moby ``integration/network/bridge/iptablesdoc/generated/usernet-portmap-routed.md`` (Docker 28/29),
``daemon/libnetwork/drivers/bridge/internal/iptabler/network.go`` (``setupNonInternalNetworkRules``: no
MASQUERADE when routed, ``setICMP``), ``endpoint.go`` (``filterDirectAccess`` returns early for routed),
``testdata/TestIptabler/*gwm=routed*`` and docs.docker.com/engine/network/packet-filtering-firewalls/ (direct
routing). What a routed network changes:

* no NAT: no ``-s <subnet> ! -o <bridge> -j MASQUERADE``; its containers reach the LAN with their own addresses,
  so an answer comes back only when the LAN routes the subnet to the host (``spec.lanRoutesToBridges``);
* port mappings are skipped: no DNAT, no docker-proxy, no host port; ``-p 8080:80`` opens container port 80 in
  the filter ``DOCKER`` chain (``-d <container>/32 ! -i <bridge> -o <bridge> -p tcp --dport 80 -j ACCEPT``), so
  clients reach it on the container's own address; every other port is dropped (``! -i <bridge> -o <bridge> -j
  DROP``), ICMP is accepted (``-o <bridge> -p icmp -j ACCEPT``);
* no raw-table drops (direct access is the point), and on Docker 28 ``DOCKER-ISOLATION-STAGE-1`` starts with
  ``-i <bridge> -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`` and ``-o <bridge> -j RETURN``, so other
  networks' containers reach its published ports too (29 has no isolation chains: the ``DOCKER`` chain decides).
  Those two 28 rules come from the document as generated on 28.0.0 (ipset layout); keeping them in 28.0.1's
  ``DOCKER-FORWARD`` layout is an inference (no generated 28.0.1+ routed document was found).

Modelled for Docker 28 and 29 (the option and value exist since 27.0, whose rule layout is not modelled). A port
published on one host address (``-p 127.0.0.1:8080:80``) is refused: moby still DNATs it
(``gwm=routed,bindlh=true`` golden file), which the simulator does not model.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

from quizapp.words import say

from .flags import CommandError

if TYPE_CHECKING:  # pragma: no cover
    from .model import DockerContainer, DockerHost, DockerNetwork


def routed_gateway(c: "DockerContainer") -> bool:
    """Whether ``c``'s gateway endpoint is on a routed-mode network (its port mappings bind no host port)."""
    att = c.gateway_attachment
    return att is not None and att.network.gateway_mode == "routed"


@contextmanager
def unbound_ports(builder: Any, c: "DockerContainer", specs: list) -> Iterator[None]:
    """Publish ``c``'s ports without binding host ports when its gateway network is routed."""
    if not routed_gateway(c):
        yield
        return
    for spec in specs:
        if spec.address_given and spec.host_ip != "0.0.0.0":
            raise CommandError(say("docker run: -p {host_ip}:... on routed network {name} is not modelled by the simulator (Docker still DNATs a port bound to one host address in routed mode); publish without a host address, e.g. -p 8080:80",
                                   host_ip=spec.host_ip, name=c.gateway_attachment.network.name))
    taken, next_port = builder._taken, dict(builder._next_port)
    builder._taken = {}
    try:
        yield
    finally:
        builder._taken, builder._next_port = taken, next_port
    for m in c.publish:
        m.routed = True


def routed_mappings(host: "DockerHost") -> list[tuple[Any, "DockerContainer", Any]]:
    """(mapping, container, gateway attachment) of every port published on a routed-mode network, in the
    order the containers were started."""
    out = []
    for c in host.containers.values():
        att = c.gateway_attachment
        for m in c.publish:
            if m.routed and att is not None:
                out.append((m, c, att))
    return out


def routed_accept(host: "DockerHost", net: "DockerNetwork", dst: str, dport: int, proto: str) -> str | None:
    """The filter ``DOCKER`` rule that opens ``dst:dport/proto`` on the routed network ``net``, or None."""
    for m, c, att in routed_mappings(host):
        if att.network is net and att.ip == dst and m.container_port == dport and m.proto == proto:
            b = net.bridge
            return f"-d {att.ip}/32 ! -i {b} -o {b} -p {proto} --dport {dport} -j ACCEPT"
    return None


def icmp_rule(net: "DockerNetwork") -> str:
    return f"-o {net.bridge} -p icmp -j ACCEPT"


def isolation_head(net: "DockerNetwork") -> list[str]:
    """Docker 28's first rules in ``DOCKER-ISOLATION-STAGE-1`` for a routed network."""
    return [f"-i {net.bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", f"-o {net.bridge} -j RETURN"]

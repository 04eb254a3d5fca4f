"""The nat and filter rules dockerd writes for a host (userland proxy on, the default): :func:`docker_rules`.

Layout of Docker 27 without the ipset: ``DOCKER``, ``DOCKER-ISOLATION-STAGE-1/2``, ``DOCKER-USER``.
"""

from __future__ import annotations

from ..core.tables import Tables
from .model import DockerHost, DockerNetwork


def bridge_networks(host: DockerHost) -> list[DockerNetwork]:
    """The host's bridge networks, in creation order (docker0 first)."""
    return [n for n in host.networks.values() if n.driver == "bridge" and n.subnet is not None]


def published(host: DockerHost) -> list[tuple]:
    out = []
    for (proto, _hport), lst in sorted(host.mappings.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        for m, c in lst:
            if proto in ("tcp", "udp") and c.gateway_attachment is not None:
                out.append((m, c, c.gateway_attachment))
    return out


def docker_rules(host: DockerHost) -> str:
    """The nat and filter rules dockerd writes for ``host`` (userland proxy on, the default)."""
    t = Tables()
    nets = bridge_networks(host)
    newest_first = list(reversed(nets))  # dockerd inserts each new network's rules at the top
    nat, flt = "nat", "filter"
    t.chain(nat, "DOCKER")
    t.rule(nat, "PREROUTING", "-m addrtype --dst-type LOCAL -j DOCKER")
    t.rule(nat, "OUTPUT", "! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER")
    for net in newest_first:
        if not net.internal:
            t.rule(nat, "POSTROUTING", f"-s {net.subnet} ! -o {net.bridge} -j MASQUERADE")
    for net in newest_first:
        if not net.internal:  # an --internal bridge gets no RETURN: its traffic is DNAT-ed, then isolated
            t.rule(nat, "DOCKER", f"-i {net.bridge} -j RETURN")
    maps = published(host)
    for m, c, att in maps:
        dst = f"-d {m.host_ip}/32 " if m.host_ip != "0.0.0.0" else ""
        t.rule(nat, "DOCKER", f"{dst}! -i {att.network.bridge} -p {m.proto} -m {m.proto} --dport {m.host_port} -j DNAT --to-destination {att.ip}:{m.container_port}")

    t.chain(flt, "FORWARD", "DROP")  # dockerd sets the policy when it enables ip_forward itself
    for ch in ("DOCKER", "DOCKER-ISOLATION-STAGE-1", "DOCKER-ISOLATION-STAGE-2", "DOCKER-USER"):
        t.chain(flt, ch)
    t.rule(flt, "FORWARD", "-j DOCKER-USER")
    t.rule(flt, "FORWARD", "-j DOCKER-ISOLATION-STAGE-1")
    for net in newest_first:
        b = net.bridge
        t.rule(flt, "FORWARD", f"-o {b} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
        t.rule(flt, "FORWARD", f"-o {b} -j DOCKER")
        t.rule(flt, "FORWARD", f"-i {b} ! -o {b} -j ACCEPT")
        t.rule(flt, "FORWARD", f"-i {b} -o {b} -j {'ACCEPT' if net.icc else 'DROP'}")
    for m, c, att in maps:
        b = att.network.bridge
        t.rule(flt, "DOCKER", f"-d {att.ip}/32 ! -i {b} -o {b} -p {m.proto} -m {m.proto} --dport {m.container_port} -j ACCEPT")
    for net in nets:
        t.rule(flt, "DOCKER", f"! -i {net.bridge} -o {net.bridge} -j DROP")
    for net in newest_first:
        b = net.bridge
        if net.internal:
            t.rule(flt, "DOCKER-ISOLATION-STAGE-1", f"! -s {net.subnet} -o {b} -j DROP")
            t.rule(flt, "DOCKER-ISOLATION-STAGE-1", f"! -d {net.subnet} -i {b} -j DROP")
        else:
            t.rule(flt, "DOCKER-ISOLATION-STAGE-1", f"-i {b} ! -o {b} -j DOCKER-ISOLATION-STAGE-2")
    for net in newest_first:
        if not net.internal:
            t.rule(flt, "DOCKER-ISOLATION-STAGE-2", f"-o {net.bridge} -j DROP")
    t.rule(flt, "DOCKER-USER", "-j RETURN")
    return t.render()

"""The rules dockerd writes for a host: :func:`docker_rules`.

Docker 20.10 to 27 (without the ipset): nat and filter, ``DOCKER``, ``DOCKER-ISOLATION-STAGE-1/2``,
``DOCKER-USER`` (below). Docker 28 and 29: :mod:`.rules_forward` (``DOCKER-FORWARD`` and raw-table drops).
"""

from __future__ import annotations

from ..core.tables import Tables
from .model import DockerHost, DockerNetwork, nat_returns
from .rules_forward import forward_layout_rules


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
    """The rules dockerd writes for ``host``, in its engine version's layout."""
    if host.settings.forward_chain:
        return forward_layout_rules(host, bridge_networks(host), published(host))
    t = Tables()
    nets = bridge_networks(host)
    newest_first = list(reversed(nets))  # dockerd inserts each new network's rules at the top
    nat, flt = "nat", "filter"
    hairpin = not host.settings.userland_proxy  # libnetwork's hairpin mode: no docker-proxy
    t.chain(nat, "DOCKER")
    t.rule(nat, "PREROUTING", "-m addrtype --dst-type LOCAL -j DOCKER")
    t.rule(nat, "OUTPUT", ("" if hairpin else "! -d 127.0.0.0/8 ") + "-m addrtype --dst-type LOCAL -j DOCKER")
    for net in newest_first:
        if hairpin:  # "MASQ LOCAL HOST": the host's own connections, 127.0.0.1 included (route_localnet)
            t.rule(nat, "POSTROUTING", f"-o {net.bridge} -m addrtype --src-type LOCAL -j MASQUERADE")
        if not net.internal and net.masquerade:
            t.rule(nat, "POSTROUTING", f"-s {net.subnet} ! -o {net.bridge} -j MASQUERADE")
    for net in newest_first:
        if nat_returns(net, hairpin):  # an --internal bridge gets no RETURN: its traffic is DNAT-ed, then isolated
            t.rule(nat, "DOCKER", f"-i {net.bridge} -j RETURN")
    maps = published(host)
    for m, c, att in maps:
        dst = f"-d {m.host_ip}/32 " if m.host_ip != "0.0.0.0" else ""
        not_in = "" if hairpin else f"! -i {att.network.bridge} "
        t.rule(nat, "POSTROUTING", f"-s {att.ip}/32 -d {att.ip}/32 -p {m.proto} -m {m.proto} --dport {m.container_port} -j MASQUERADE")
        t.rule(nat, "DOCKER", f"{dst}{not_in}-p {m.proto} -m {m.proto} --dport {m.host_port} -j DNAT --to-destination {att.ip}:{m.container_port}")

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
    _link_rules(t, host)
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
    for rule in host.user_chain:  # the scenario's iptables lines around dockerd's RETURN
        t.rule(flt, "DOCKER-USER", rule.text)
    return t.render()


def _link_rules(t: Tables, host: DockerHost) -> None:
    """Legacy links on the default bridge with icc off: the linked container's exposed ports, both ways."""
    bridge = host.networks["bridge"]
    if bridge.icc:
        return
    addr = {id(c): a.ip for c in host.containers.values() for a in c.attachments if a.network is bridge}
    for c in host.containers.values():
        for target in c.links:
            if id(c) not in addr or id(target) not in addr:
                continue
            b, src, dst = bridge.bridge, addr[id(c)], addr[id(target)]
            for port, proto in sorted(target.link_ports()):
                t.rule("filter", "DOCKER", f"-s {src}/32 -d {dst}/32 -i {b} -o {b} -p {proto} -m {proto} --dport {port} -j ACCEPT")
                t.rule("filter", "DOCKER", f"-s {dst}/32 -d {src}/32 -i {b} -o {b} -p {proto} -m {proto} --sport {port} -j ACCEPT")

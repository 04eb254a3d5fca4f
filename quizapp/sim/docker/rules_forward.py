"""The rules Docker 28 and 29 write: raw, nat and filter, as ``iptables -S`` shows them.

Sources, moby ``integration/network/bridge/iptablesdoc/generated/`` (``new-daemon.md``, ``usernet-portmap.md``,
``usernet-portmap-lo.md``, ``usernet-internal.md``, ``usernet-portmap-natunprot.md``, ``swarm-portmap.md``) and
``daemon/libnetwork/drivers/bridge/internal/iptabler/endpoint.go`` (``filterDirectAccess``):

* filter ``FORWARD``: ``-j DOCKER-USER``, ``-j DOCKER-FORWARD``. ``DOCKER-FORWARD``: ``-j DOCKER-CT``, then
  ``-j DOCKER-ISOLATION-STAGE-1`` (28) or ``-j DOCKER-INTERNAL`` (29), ``-j DOCKER-BRIDGE``, then per network
  ``-i <bridge> -j ACCEPT`` (icc off: ``-i b -o b -j DROP`` and ``-i b ! -o b -j ACCEPT``; ``--internal``:
  ``-i b -o b -j ACCEPT|DROP`` only). ``DOCKER-CT``/``DOCKER-BRIDGE``: ``-o <bridge>`` conntrack ACCEPT / ``-j
  DOCKER`` per non-internal network. ``DOCKER``: the per-port ACCEPTs, then one DROP (nat-unprotected: ACCEPT)
  per network. ``--internal`` networks: ``! -s <subnet> -o b -j DROP`` and ``! -d <subnet> -i b -j DROP`` in
  ``DOCKER-ISOLATION-STAGE-1`` (28) or ``DOCKER-INTERNAL`` (29). ``DOCKER-USER`` holds the scenario's
  iptables lines and dockerd's ``-j RETURN`` on 28, only the scenario's lines on 29.
* nat: as before, but 29 has no ``-i <bridge> -j RETURN`` in ``DOCKER``. Daemon ``userland-proxy: false``
  (moby's "hairpin" mode; ``iptabler/network.go`` ``addNATJumpRules`` and ``setupNonInternalNetworkRules``,
  ``usernet-portmap-noproxy.md``, golden file ``TestIptabler/hairpin=true,...,gwm=nat,...``): ``OUTPUT -m addrtype
  --dst-type LOCAL -j DOCKER`` without ``! -d 127.0.0.0/8``, per non-internal network ``-o <bridge> -m addrtype
  --src-type LOCAL -j MASQUERADE`` ("MASQ LOCAL HOST"), per port ``-s <c>/32 -d <c>/32 -p tcp -m tcp --dport <p> -j
  MASQUERADE``, DNAT rules without ``! -i <bridge>`` and no ``RETURN`` per bridge (28 included).
* gateway mode ``routed`` (:mod:`.routed`): no MASQUERADE, no DNAT; per published port the filter ACCEPT only,
  ``-o <bridge> -p icmp -j ACCEPT`` before the network's DROP, and on 28 ``DOCKER-ISOLATION-STAGE-1`` starts with
  its conntrack ACCEPT and ``-o <bridge> -j RETURN``. Gateway mode ``isolated``: an ``--internal`` network.
* raw ``PREROUTING``: per container endpoint on a nat-mode network ``-d <ip>/32 ! -i <bridge> -j DROP`` (trusted
  host interfaces first get ``-d <ip>/32 -i <if> -j ACCEPT``), none with daemon ``allow-direct-routing``; per port
  published on a loopback address ``-d 127.x/32 ! -i lo -p <proto> -m <proto> --dport <port> -j DROP``
  (``filterPortMappedOnLoopback``).
"""

from __future__ import annotations

from ..core.netutil import is_loopback
from ..core.tables import Tables
from .model import DockerHost, DockerNetwork, nat_returns
from .routed import icmp_rule, isolation_head, routed_mappings


def raw_drop(net: DockerNetwork, ip: str) -> str:
    return f"-d {ip}/32 ! -i {net.bridge} -j DROP"


def raw_accept(ip: str, iface: str) -> str:
    return f"-d {ip}/32 -i {iface} -j ACCEPT"


def filtered_endpoints(host: DockerHost) -> list[tuple[DockerNetwork, str]]:
    """The container addresses raw PREROUTING protects, in endpoint order."""
    if not host.settings.filters_direct_access:
        return []
    out = []
    for c in host.containers.values():
        for att in c.attachments:
            net = att.network
            if net.driver == "bridge" and not net.internal and net.gateway_mode == "nat":
                out.append((net, att.ip))
    return out


def default_rule(net: DockerNetwork) -> str:
    """The DOCKER chain's last rule for ``net``: DROP what the per-port rules did not accept."""
    return f"! -i {net.bridge} -o {net.bridge} -j {'ACCEPT' if net.gateway_mode == 'nat-unprotected' else 'DROP'}"


def internal_rules(net: DockerNetwork) -> list[str]:
    return [f"! -s {net.subnet} -o {net.bridge} -j DROP", f"! -d {net.subnet} -i {net.bridge} -j DROP"]


def forward_rules(net: DockerNetwork) -> list[str]:
    """``net``'s own rules at the end of DOCKER-FORWARD."""
    b = net.bridge
    if net.internal:
        return [f"-i {b} -o {b} -j {'ACCEPT' if net.icc else 'DROP'}"]
    if net.icc:
        return [f"-i {b} -j ACCEPT"]
    return [f"-i {b} -o {b} -j DROP", f"-i {b} ! -o {b} -j ACCEPT"]


def _raw(t: Tables, host: DockerHost, maps: list[tuple]) -> None:
    t.chain("raw", "PREROUTING", "ACCEPT")
    for net, ip in filtered_endpoints(host):
        for iface in net.trusted:
            t.rule("raw", "PREROUTING", raw_accept(ip, iface))
        t.rule("raw", "PREROUTING", raw_drop(net, ip))
    for m, c, att in maps:
        if is_loopback(m.host_ip):
            t.rule("raw", "PREROUTING", f"-d {m.host_ip}/32 ! -i lo -p {m.proto} -m {m.proto} --dport {m.host_port} -j DROP")


def _nat(t: Tables, host: DockerHost, nets: list[DockerNetwork], maps: list[tuple]) -> None:
    nat = "nat"
    hairpin = not host.settings.userland_proxy
    t.chain(nat, "DOCKER")
    t.rule(nat, "PREROUTING", "-m addrtype --dst-type LOCAL -j DOCKER")
    t.rule(nat, "OUTPUT", ("" if hairpin else "! -d 127.0.0.0/8 ") + "-m addrtype --dst-type LOCAL -j DOCKER")
    for net in reversed(nets):
        if hairpin and not net.internal:  # "MASQ LOCAL HOST"
            t.rule(nat, "POSTROUTING", f"-o {net.bridge} -m addrtype --src-type LOCAL -j MASQUERADE")
        if not net.internal and net.masquerade and net.gateway_mode != "routed":
            t.rule(nat, "POSTROUTING", f"-s {net.subnet} ! -o {net.bridge} -j MASQUERADE")
    if host.settings.nat_bridge_return:
        for net in reversed(nets):
            if nat_returns(net, hairpin):
                t.rule(nat, "DOCKER", f"-i {net.bridge} -j RETURN")
    for m, c, att in maps:
        dst = f"-d {m.host_ip}/32 " if m.host_ip != "0.0.0.0" else ""
        not_in = "" if hairpin else f"! -i {att.network.bridge} "
        if hairpin:
            t.rule(nat, "POSTROUTING", f"-s {att.ip}/32 -d {att.ip}/32 -p {m.proto} -m {m.proto} --dport {m.container_port} -j MASQUERADE")
        t.rule(nat, "DOCKER", f"{dst}{not_in}-p {m.proto} -m {m.proto} --dport {m.host_port} -j DNAT --to-destination {att.ip}:{m.container_port}")


def _filter(t: Tables, host: DockerHost, nets: list[DockerNetwork], maps: list[tuple]) -> None:
    flt = "filter"
    v28 = host.settings.isolation_chains
    middle = "DOCKER-ISOLATION-STAGE-1" if v28 else "DOCKER-INTERNAL"
    t.chain(flt, "FORWARD", "DROP")  # dockerd sets the policy when it enables ip_forward itself
    chains = ["DOCKER", "DOCKER-BRIDGE", "DOCKER-CT", "DOCKER-FORWARD"]
    chains += ["DOCKER-ISOLATION-STAGE-1", "DOCKER-ISOLATION-STAGE-2"] if v28 else ["DOCKER-INTERNAL"]
    for ch in chains + ["DOCKER-USER"]:
        t.chain(flt, ch)
    t.rule(flt, "FORWARD", "-j DOCKER-USER")
    t.rule(flt, "FORWARD", "-j DOCKER-FORWARD")
    outside = [n for n in nets if not n.internal]
    for m, c, att in maps:
        b = att.network.bridge
        if att.network.gateway_mode == "nat":
            t.rule(flt, "DOCKER", f"-d {att.ip}/32 ! -i {b} -o {b} -p {m.proto} -m {m.proto} --dport {m.container_port} -j ACCEPT")
    for m, c, att in routed_mappings(host):  # routed: the container port itself, on its own address
        b = att.network.bridge
        t.rule(flt, "DOCKER", f"-d {att.ip}/32 ! -i {b} -o {b} -p {m.proto} -m {m.proto} --dport {m.container_port} -j ACCEPT")
    from .rules import _link_rules  # the legacy-link ACCEPTs (daemon icc: false) are the same in every layout
    _link_rules(t, host)
    for net in outside:
        if net.gateway_mode == "routed":
            t.rule(flt, "DOCKER", icmp_rule(net))
        t.rule(flt, "DOCKER", default_rule(net))
    for net in outside:
        t.rule(flt, "DOCKER-BRIDGE", f"-o {net.bridge} -j DOCKER")
    for net in outside:
        t.rule(flt, "DOCKER-CT", f"-o {net.bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
    for ch in ("DOCKER-CT", middle, "DOCKER-BRIDGE"):
        t.rule(flt, "DOCKER-FORWARD", f"-j {ch}")
    for net in nets:
        for spec in forward_rules(net):
            t.rule(flt, "DOCKER-FORWARD", spec)
    for net in reversed(outside) if v28 else []:  # routed: accepted from other networks, answers too
        if net.gateway_mode == "routed":
            for spec in isolation_head(net):
                t.rule(flt, middle, spec)
    for net in reversed(nets):  # inserted at the top when each network is created
        if net.internal:
            for spec in internal_rules(net):
                t.rule(flt, middle, spec)
        elif v28:
            t.rule(flt, middle, f"-i {net.bridge} ! -o {net.bridge} -j DOCKER-ISOLATION-STAGE-2")
    if v28:
        for net in reversed(outside):
            t.rule(flt, "DOCKER-ISOLATION-STAGE-2", f"-o {net.bridge} -j DROP")
    for rule in host.user_chain:  # the scenario's iptables lines; dockerd's own RETURN only up to 28
        if v28 or not rule.docker:
            t.rule(flt, "DOCKER-USER", rule.text)


def forward_layout_rules(host: DockerHost, nets: list[DockerNetwork], maps: list[tuple]) -> str:
    """The raw, nat and filter rules of ``host`` for Docker 28 (28.0.1 on) and 29."""
    t = Tables()
    _raw(t, host, maps)
    _nat(t, host, nets, maps)
    _filter(t, host, nets, maps)
    return t.render()

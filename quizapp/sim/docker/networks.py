"""``docker network create`` and ``docker network connect``: bridge networks, their subnets (given, or the next
free one from Docker's default address pools), address allocation and endpoints."""

from __future__ import annotations

import hashlib

from ..core.netutil import int_ip, ip_int, is_ip, network, nth
from .flags import (NETCONNECT_BOOL, NETCONNECT_SHORT, NETCONNECT_VALUE, NETCREATE_BOOL, NETCREATE_SHORT,
                    NETCREATE_VALUE, NETCONNECT_NOT_MODELLED, NETCREATE_DEFAULT_TRUE, NETCREATE_NOT_MODELLED,
                    CommandError, DockerRefusal, parse_flags, refuse_bridge_opt, refuse_unmodelled)
from .bridgeopts import apply_version_options
from .gwpriority import connect_priority
from .vlan import VLAN_DRIVERS, check_attach, is_vlan, vlan_config
from .model import Attachment, DockerContainer, DockerHost, DockerNetwork, register_dns
from quizapp.words import say

# docker's default-address-pools: 172.17.0.0/16 .. 172.31.0.0/16 (/16 each), then 192.168.0.0/16 in /20s
_DEFAULT_POOLS = [f"172.{i}.0.0/16" for i in range(17, 32)] + [f"192.168.{i}.0/20" for i in range(0, 256, 16)]


def _short_id(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:12]


def _bool_opt(opts: dict[str, str], key: str) -> bool:
    """A boolean bridge driver option (default true), spelled as Go's strconv.ParseBool reads it."""
    value = opts.get(key, "true")
    if value.lower() in ("true", "1", "t"):
        return True
    if value.lower() in ("false", "0", "f"):
        return False
    raise CommandError(say('invalid value {value} for {key}: true or false', value=repr(value), key=key))


class NetworkCommands:
    """Mixin of :class:`~quizapp.sim.docker.commands.DockerBuilder`: the network commands."""

    host: DockerHost

    def network_create(self, args: list[str]) -> None:
        f = parse_flags(args, NETCREATE_VALUE, NETCREATE_BOOL, NETCREATE_SHORT, interspersed=True, what="network create")
        if len(f.positionals) != 1:
            raise CommandError(say('"docker network create" requires exactly 1 argument (the network name)'))
        name = f.positionals[0]
        if name in self.host.networks:
            raise DockerRefusal(say('network with name {name} already exists', name=name))
        driver = f.last("driver") or "bridge"
        if driver not in ("bridge", *VLAN_DRIVERS):
            raise CommandError(say('driver {driver}: only the bridge, macvlan and ipvlan drivers are modelled (host and none exist already; overlay is not simulated)', driver=repr(driver)))
        refuse_unmodelled(f, NETCREATE_NOT_MODELLED, "docker network create", NETCREATE_DEFAULT_TRUE)
        opts = dict(o.split("=", 1) if "=" in o else (o, "") for o in f.all("opt"))
        vlan = None
        if driver in VLAN_DRIVERS:
            vlan = vlan_config(driver, opts, f.bools.get("internal", False), self.host, "dm-" + _short_id(self.host.name, name))
            bridge_name = vlan.parent
        else:
            for key, value in opts.items():
                refuse_bridge_opt(key, value)
            bridge_name = opts.get("com.docker.network.bridge.name") or f"br-{_short_id(self.host.name, name)}"
        subnets = f.all("subnet")
        if len(subnets) > 1:
            raise CommandError(say('only one --subnet per network is modelled'))
        explicit = bool(subnets)
        if subnets:
            try:
                subnet = network(subnets[0])
            except ValueError as exc:
                raise CommandError(say('invalid --subnet {subnets}: {exc}', subnets=subnets[0], exc=exc)) from None
            for other in self.host.networks.values():
                if other.subnet is not None and other.subnet.overlaps(subnet):
                    raise DockerRefusal(say('Pool overlaps with other one on this address space (--subnet {subnet} overlaps network {name} {subnet2})', subnet=subnet, name=other.name, subnet2=other.subnet), docker='Pool overlaps with other one on this address space')
        else:
            subnet = None
            for pool in _DEFAULT_POOLS:
                cand = network(pool)
                if all(o.subnet is None or not o.subnet.overlaps(cand) for o in self.host.networks.values()):
                    subnet = cand
                    break
            if subnet is None:  # pragma: no cover
                raise CommandError(say('all predefined address pools have been fully subnetted'))
        gw = f.last("gateway")
        if gw is not None:
            if not explicit:
                raise CommandError(say('--gateway needs --subnet'))
            if not is_ip(gw) or not network(f"{gw}/32").subnet_of(subnet):
                raise CommandError(say('no matching subnet for gateway {gw} (it must lie inside {subnet})', gw=gw, subnet=subnet))
        else:
            gw = nth(subnet, 1)
        ip_range = None
        if f.last("ip-range"):
            if not explicit:
                raise CommandError(say('--ip-range needs --subnet'))
            try:
                ip_range = network(f.last("ip-range"))
            except ValueError as exc:
                raise CommandError(say('invalid --ip-range: {exc}', exc=exc)) from None
            if not ip_range.subnet_of(subnet):
                raise CommandError(say('no matching subnet for range {ip_range} (it must lie inside {subnet})', ip_range=ip_range, subnet=subnet))
        icc = _bool_opt(opts, "com.docker.network.bridge.enable_icc")
        masquerade = _bool_opt(opts, "com.docker.network.bridge.enable_ip_masquerade")
        binding = opts.get("com.docker.network.bridge.host_binding_ipv4", "0.0.0.0")
        if not is_ip(binding):
            raise CommandError(say('invalid value {binding} for com.docker.network.bridge.host_binding_ipv4: an IPv4 address', binding=repr(binding)))
        net = DockerNetwork(name, driver, subnet, gw, bridge_name, True, internal=f.bools.get("internal", False),
                            ip_range=ip_range, explicit_subnet=explicit)
        net.icc, net.masquerade, net.host_binding = icc, masquerade, binding
        if vlan is not None:
            net.vlan_mode, net.vlan_flag, net.vlan_dummy = vlan.mode, vlan.flag, vlan.dummy
            net.vlan_parent_id = "dm-" + _short_id(self.host.name, name)
            if f.last("gateway") is None and self.host.settings.engine >= (29, 0):
                net.gateway = None  # moby#50929 (29.0): no gateway address guessed from IPAM, no default route
        apply_version_options(net, opts, self.host.settings, self.host.warnings)
        net.used.update({int(subnet.network_address), int(subnet.broadcast_address)})
        if net.gateway is not None or f.last("gateway") is not None:  # isolated: allocated only when asked for
            net.used.add(ip_int(gw))
        self.host.networks[name] = net

    def _allocate(self, net: DockerNetwork, requested: str | None) -> str:
        if requested is not None:
            if not is_ip(requested):
                raise CommandError(say('invalid IPv4 address: {requested}', requested=requested))
            if not net.user_defined:
                raise DockerRefusal(say('user specified IP address is supported on user defined networks only'))
            if not net.explicit_subnet:
                raise DockerRefusal(say('user specified IP address is supported only when connecting to networks with user configured subnets'))
            n = ip_int(requested)
            if (n & int(net.subnet.netmask)) != int(net.subnet.network_address):
                raise DockerRefusal(say("Invalid address {requested}: It does not belong to any of this network's subnets ({name} is {subnet})", requested=requested, name=net.name, subnet=net.subnet), docker=f"Invalid address {requested}: It does not belong to any of this network's subnets")
            if n in net.used:
                owner = net.by_ip.get(requested)
                who = f" by container {owner.name}" if owner else " (network, gateway or broadcast address)"
                raise DockerRefusal(say('Address already in use: {requested} is taken{who} on network {name}', requested=requested, who=who, name=net.name), docker='Address already in use')
            net.used.add(n)
            return requested
        pool = net.ip_range or net.subnet
        start = int(pool.network_address)
        end = int(pool.broadcast_address)
        for n in range(start, end + 1):
            if n not in net.used:
                net.used.add(n)
                return int_ip(n)
        raise CommandError(say('no available IPv4 addresses on network {name} ({pool})', name=net.name, pool=pool))

    def _attach(self, c: DockerContainer, net: DockerNetwork, ip: str | None, aliases: list[str]) -> None:
        if net.driver not in ("bridge", *VLAN_DRIVERS):
            raise CommandError(say('container cannot be connected to network {name} ({driver} mode)', name=net.name, driver=net.driver))
        if aliases and not net.user_defined:
            raise DockerRefusal(say('network-scoped aliases are only supported for user-defined networks'))
        if any(a.network is net for a in c.attachments):
            raise DockerRefusal(say('endpoint with name {name} already exists in network {network}', name=c.name, network=net.name))
        check_attach(c, net)
        addr = self._allocate(net, ip)
        c.attachments.append(Attachment(net, addr, list(aliases), ip))
        net.by_ip[addr] = c
        register_dns(net, c, c.attachments[-1])

    def _follow_gateway(self, c: DockerContainer, before) -> None:
        """When the gateway endpoint moves, Docker programs the port mappings again on the new one: fixed host
        ports stay, random ones are allocated anew (seen on 20.10: 32768 -> 32769 on connect, -> 32770 on
        disconnect)."""
        after = c.gateway_attachment
        moved = (before is None) != (after is None) or (before is not None and after is not None
                                                        and before.network is not after.network)
        if moved and (c.publish or c.unpublished) and any(is_vlan(a.network) for a in (before, after) if a):
            raise CommandError(say('the gateway endpoint of {name}, which publishes ports, would move between a macvlan/ipvlan network and a bridge network: not modelled by the simulator (where Docker then programs the mappings); publish the ports on a container of one kind', name=c.name))
        if c.publish and moved:
            self._unpublish(c)  # type: ignore[attr-defined]
            self._republish(c)  # type: ignore[attr-defined]

    def network_connect(self, args: list[str]) -> None:
        f = parse_flags(args, NETCONNECT_VALUE, NETCONNECT_BOOL, NETCONNECT_SHORT, interspersed=True, what="network connect")
        priority = connect_priority(f, self.host.settings)  # Docker 28+; the older CLI's "unknown flag"
        if len(f.positionals) != 2:
            raise CommandError(say('"docker network connect" requires exactly 2 arguments: NETWORK CONTAINER'))
        refuse_unmodelled(f, NETCONNECT_NOT_MODELLED, "docker network connect")
        net_name, cname = f.positionals
        net = self.host.networks.get(net_name)
        if net is None:
            raise DockerRefusal(say('network {net_name} not found', net_name=net_name))
        c = self.host.containers.get(cname)
        if c is None:
            raise DockerRefusal(say('No such container: {cname}', cname=cname))
        if c.mode in ("host", "container", "none"):
            raise CommandError(say('container {cname} uses network mode {mode} and cannot be connected to another network', cname=cname, mode=c.mode))
        gateway = c.gateway_attachment
        self._attach(c, net, f.last("ip"), f.all("alias"))
        c.attachments[-1].gw_priority = priority or 0
        self._follow_gateway(c, gateway)

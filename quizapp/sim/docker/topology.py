"""The Docker part of the kernel topology: a namespace per host (its bridges, dockerd's rules, docker-proxy
listeners, ``--network host`` listeners) and per container namespace (one veth per network)."""

from __future__ import annotations

from ..core.model import Scenario
from ..core.topology import Interface, Lan, Listener, Namespace, Proxy, Route
from .rules import bridge_networks, docker_rules, published


def add_docker_hosts(scn: Scenario, lan: Lan, spaces: list[Namespace], aliases: dict[str, str]) -> None:
    """Append the namespaces of every Docker host and container namespace to ``spaces``."""
    router = lan.router
    for host in scn.hosts.values():
        ns = Namespace(host.ref, "host", sysctls={"net.ipv4.ip_forward": "1", "net.bridge.bridge-nf-call-iptables": "1"})
        if not host.settings.userland_proxy:  # dockerd's setupLoopbackAddressesRouting, per bridge
            ns.sysctls["net.ipv4.conf.all.route_localnet"] = "1"
        lan.plug(ns, host.ip)
        ns.routes.append(Route("default", via=router))
        if any(n.driver in ("macvlan", "ipvlan") for n in host.networks.values()):
            raise ValueError(f"{host.ref}: macvlan and ipvlan networks are not part of the kernel topology (judged by the real engine in tests/docker_engine instead)")
        for net in bridge_networks(host):
            addrs = [f"{net.gateway}/{net.subnet.prefixlen}"] if net.gateway else []  # isolated: none
            ns.interfaces.append(Interface(net.bridge, "bridge", addrs))
            if host.lan_routes:  # spec.lanRoutesToBridges: the LAN's router routes the subnet to the host,
                lan.ns.routes.append(Route(str(net.subnet), via=host.ip))  # outside clients send it to the router
                for ext in spaces:
                    if ext.role == "external":
                        gw = next(r.via for r in ext.routes if r.dst == str(lan.net))
                        ext.routes.append(Route(str(net.subnet), via=gw))
        ns.iptables = docker_rules(host)
        for m, c, att in published(host) if host.settings.userland_proxy else []:  # else: DNAT only
            ns.proxies.append(Proxy(m.host_ip, m.host_port, m.proto, att.ip, m.container_port))
        for (port, proto), c in sorted(host.host_listeners.items()):
            if proto in ("tcp", "udp"):
                ns.listeners.append(Listener(port, proto, "container", c.name))
        spaces.append(ns)
        aliases[host.ref] = ns.name
        vc = 0
        owners: dict[int, Namespace] = {}
        for c in host.containers.values():
            owner = c.ns_owner
            if owner.mode == "host":
                aliases[f"container/{c.name}"] = ns.name
                continue
            cns = owners.get(id(owner))
            if cns is None:
                cns = Namespace(f"container/{owner.name}", "container")
                owners[id(owner)] = cns
                spaces.append(cns)
                for k, att in enumerate(owner.attachments):
                    veth = f"vc{vc}"
                    vc += 1
                    cns.interfaces.append(Interface(f"eth{k}", "veth", [f"{att.ip}/{att.network.subnet.prefixlen}"], peer=(ns.name, veth)))
                    # moby bridge_linux.go CreateEndpoint: without the userland proxy the host end of the veth is
                    # put in hairpin mode (setHairpinMode), so a container reaches itself through a host port
                    ns.interfaces.append(Interface(veth, "veth", peer=(cns.name, f"eth{k}"), master=att.network.bridge,
                                                   hairpin=not host.settings.userland_proxy))
                route = owner.route_attachment()
                if route is not None:
                    cns.routes.append(Route("default", via=route.network.gateway))
                seen: set[tuple[int, str]] = set()
                for member in host.ns_members.get(id(owner), [owner]):
                    for port, proto in sorted(member.listens):
                        if proto in ("tcp", "udp") and (port, proto) not in seen:
                            seen.add((port, proto))
                            cns.listeners.append(Listener(port, proto, "container", member.name))
            aliases[f"container/{c.name}"] = cns.name
            aliases[f"container/{host.name}/{c.name}"] = cns.name

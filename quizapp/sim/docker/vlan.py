"""macvlan and ipvlan networks (``docker network create -d macvlan|ipvlan``): their options, as moby's drivers
read them, and the questions the tracer asks about them.

Sources: moby ``libnetwork/drivers/macvlan/macvlan_network.go`` and ``ipvlan/ipvlan_network.go``
(``parseNetworkOptions``: the modes and their error messages, an empty parent makes the network internal with a
``dummy`` parent of its own, one network per parent), ``ipvlan/ipvlan_joinleave.go`` (L2: the gateway is the
default route; L3: ``DisableGatewayService`` and a static ``default dev eth0`` route, no ARP), ``ipvlan.go``
(``ipvlan_flag`` and ``l3s``: Docker 23.0 and later; 20.10's driver knows ``l2``/``l3`` only and never reads
``ipvlan_flag``); docs.docker.com/engine/network/drivers/macvlan and ``.../ipvlan`` (the host cannot reach its
own macvlan/ipvlan containers; L3 needs a route to the subnet via the host); the kernel's
``Documentation/networking/ipvlan.rst`` and macvlan modes (private: no traffic between the children; vepa:
between children only through an external switch that sends frames back, which an ordinary switch does not;
passthru: one child owns the parent).
"""

from __future__ import annotations

from dataclasses import dataclass

from .flags import CommandError, DockerRefusal
from quizapp.words import Said, say
from .model import DockerContainer, DockerHost, DockerNetwork, sets_gateway  # noqa: F401 (re-exported)

VLAN_DRIVERS = ("macvlan", "ipvlan")
MACVLAN_MODES = ("bridge", "private", "vepa", "passthru")
IPVLAN_MODES = ("l2", "l3", "l3s")
IPVLAN_FLAGS = ("bridge", "private", "vepa")


@dataclass
class VlanConfig:
    parent: str  # eth0, or dm-<id> (a dummy link of the network's own)
    dummy: bool
    mode: str  # macvlan: bridge|private|vepa|passthru; ipvlan: l2|l3|l3s
    flag: str = "bridge"  # ipvlan only


def is_vlan(net: DockerNetwork | None) -> bool:
    return net is not None and net.driver in VLAN_DRIVERS


def is_l3(net: DockerNetwork) -> bool:
    return net.driver == "ipvlan" and net.vlan_mode in ("l3", "l3s")


def on_lan(net: DockerNetwork) -> bool:
    """Whether ``net``'s children sit on the host's LAN (parent eth0, not a dummy)."""
    return is_vlan(net) and not net.vlan_dummy


def vlan_child(host: DockerHost, ip: str) -> tuple[DockerContainer, DockerNetwork] | None:
    """The running container holding ``ip`` on one of ``host``'s macvlan/ipvlan networks with parent eth0."""
    for net in host.networks.values():
        if on_lan(net) and ip in net.by_ip:
            return net.by_ip[ip], net
    return None


def kind(net: DockerNetwork) -> Said:
    """``macvlan network mv (bridge mode)``-style words for hops."""
    if net.driver == "ipvlan":
        return say("ipvlan network {name} ({mode} {flag})", name=net.name, mode=net.vlan_mode, flag=net.vlan_flag)
    return say("macvlan network {name} ({mode} mode)", name=net.name, mode=net.vlan_mode)


def vlan_config(driver: str, opts: dict[str, str], internal: bool, host: DockerHost, dummy_name: str) -> VlanConfig:
    """Check ``-o`` options of a macvlan/ipvlan network the way moby's driver does (its messages), and refuse what
    the simulator does not model."""
    engine = host.settings.engine
    allowed = ("parent", f"{driver}_mode") + (("ipvlan_flag",) if driver == "ipvlan" else ())
    for key in opts:
        if key not in allowed:
            raise CommandError(say('docker network create: option -o {key} is not modelled by the simulator for {driver} networks ({allowed}); remove it', key=key, driver=driver, allowed=', '.join(allowed)))
    flag = "bridge"
    if driver == "macvlan":
        mode = opts.get("macvlan_mode") or "bridge"
        if mode not in MACVLAN_MODES:
            raise DockerRefusal(say("requested macvlan mode '{mode}' is not valid, 'bridge' mode is the macvlan driver default", mode=mode))
    else:
        mode = opts.get("ipvlan_mode") or "l2"
        modes = IPVLAN_MODES if engine >= (23, 0) else IPVLAN_MODES[:2]  # 20.10: l2 and l3 only
        if mode not in modes:
            raise DockerRefusal(say("requested ipvlan mode '{mode}' is not valid, 'l2' mode is the ipvlan driver default", mode=mode))
        flag = opts.get("ipvlan_flag") or "bridge"
        if engine < (23, 0) and "ipvlan_flag" in opts:
            host.warnings.append(say("Docker {version_text}'s ipvlan driver does not read -o ipvlan_flag (added in 23.0): the network is created with the default, bridge", version_text=host.settings.version_text))
            flag = "bridge"
        elif flag not in IPVLAN_FLAGS:
            raise DockerRefusal(say("requested ipvlan flag '{flag}' is not valid, 'bridge' is the ipvlan driver default", flag=flag))
        if flag == "vepa" and mode != "l2":
            raise CommandError(say("docker network create: -o ipvlan_flag=vepa with ipvlan_mode={mode} is not modelled by the simulator (where the host's routing sends a container's packet to another container); use l2, or the flag bridge or private", mode=mode))
    parent = opts.get("parent", "")
    if parent == "lo":
        raise DockerRefusal(say('loopback interface is not a valid {driver} parent link', driver=driver))
    if parent and internal:
        raise CommandError(say('docker network create: --internal with -o parent={parent} is not modelled by the simulator (the driver then sets no gateway but keeps the parent); leave out -o parent for an isolated network', parent=parent))
    if parent and parent != "eth0":
        raise CommandError(say('docker network create: -o parent={parent}: a DockerHost has one interface, eth0 (VLAN sub-interfaces such as eth0.10 are not modelled); use -o parent=eth0, or no parent', parent=parent))
    cfg = VlanConfig(parent or dummy_name, not parent, mode, flag)
    if not cfg.dummy:
        _check_parent_free(driver, cfg, host)
    return cfg


def _check_parent_free(driver: str, cfg: VlanConfig, host: DockerHost) -> None:
    for other in host.networks.values():
        if not on_lan(other):
            continue
        if other.driver != driver:
            raise CommandError(say('docker network create: a {driver} network and {other_driver} network {name} on the same parent eth0 are not modelled by the simulator (the kernel keeps a parent for one kind of child); remove one', driver=driver, other_driver=other.driver, name=other.name))
        if host.settings.engine < (23, 0) or driver == "ipvlan":
            # 20.10's drivers (and ipvlan's still) allow one network per parent
            raise DockerRefusal(say('network {vlan_parent_id} is already using parent interface eth0', vlan_parent_id=other.vlan_parent_id))
        raise CommandError(say('docker network create: two macvlan networks on parent eth0 ({name}) are not modelled by the simulator for Docker {version_text} (20.10 refuses them; newer engines allow them unless one is in passthru mode); remove one', name=other.name, version_text=host.settings.version_text))


def check_attach(c: DockerContainer, net: DockerNetwork) -> None:
    """What a macvlan/ipvlan endpoint of ``c`` must satisfy before it is attached."""
    if net.driver == "macvlan" and net.vlan_mode == "passthru" and net.by_ip:
        # the kernel lets one macvlan device in passthru mode own its lower device (seen: ip link add ... type
        # macvlan mode passthru on the same lower device twice -> RTNETLINK answers: Invalid argument)
        # Docker's words: moby's createMacVlan wraps the kernel's error (seen on the engine tier, 20.10)
        raise DockerRefusal(say("docker: a macvlan network in passthru mode takes one container; {name} already has {container} (the kernel refuses a second macvlan device on a passthru parent: invalid argument)", name=net.name, container=next(iter(net.by_ip.values())).name),
                            docker="Error response from daemon: failed to create the macvlan port: invalid argument")
    others = [a.network for a in c.attachments]
    if not others and not is_vlan(net):
        return
    if (is_vlan(net) and is_l3(net) and others) or any(is_l3(o) for o in others):
        raise CommandError(say("docker network connect: a container on an ipvlan L3 network and other networks is not modelled by the simulator (L3 adds a 'default dev eth0' route beside the gateway endpoint's); remove the line"))
    if is_vlan(net) and any(is_vlan(o) for o in others):
        raise CommandError(say('docker network connect: a container on two macvlan/ipvlan networks is not modelled by the simulator; remove the line'))

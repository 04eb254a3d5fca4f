"""Trace steps for macvlan and ipvlan networks: containers with their own address behind the host's eth0 (or a
dummy parent of the network's own), reached from the LAN without NAT or the host's firewall, never from their
own host; what passes between the children by mode. Sources: see :mod:`quizapp.sim.docker.vlan`."""

from __future__ import annotations

from ..core.errors import TraceError
from ..core.packet import Done, Packet, in_subnet
from .model import Attachment, DockerContainer, DockerHost, DockerNetwork, bridges
from .vlan import is_l3, kind, vlan_child
from quizapp.words import say


def passthru_child(host: DockerHost) -> tuple[DockerContainer, DockerNetwork] | None:
    """The container that owns ``host``'s eth0 through a macvlan network in passthru mode."""
    for net in host.networks.values():
        if net.driver == "macvlan" and net.vlan_mode == "passthru" and not net.vlan_dummy and net.by_ip:
            return next(iter(net.by_ip.values())), net
    return None


class VlanSteps:
    """Mixin of the tracer (:mod:`quizapp.sim.trace`)."""

    def _lan_vlan(self, pkt: Packet) -> bool:
        """A packet on the LAN for a macvlan/ipvlan container's own address (or for a host whose eth0 a passthru
        child owns). False when no such container has the address."""
        for host in self.scn.hosts.values():
            owner = passthru_child(host)
            if owner is not None and pkt.dst == host.ip:
                self.hop(f"{host.ref} eth0", say("eth0 is the lower device of {net}, which gives every frame eth0 receives to {container}; {container}'s namespace does not hold {dst}, so ARP for the host gets no answer", net=kind(owner[1]), container=owner[0].ref, dst=pkt.dst))
                raise Done("unreachable")
            found = vlan_child(host, pkt.dst)
            if found is None:
                continue
            c, net = found
            if is_l3(net):
                if not host.lan_routes:
                    self.hop(say("external {src}", src=pkt.src), say("{dst} is on {net} of {host}: L3 mode answers no ARP and nothing on the LAN routes {subnet} to {host} (it needs a route via {ip}; spec.lanRoutesToBridges)", dst=pkt.dst, net=kind(net), host=host.ref, subnet=net.subnet, ip=host.ip))
                    raise Done("unreachable")
                self.hop(say("external {src}", src=pkt.src), say("route {subnet} via {ip} ({host}: the LAN's router has a static route to its ipvlan L3 network {name})", subnet=net.subnet, ip=host.ip, host=host.ref, name=net.name))
                self.hop(f"{host.ref} eth0", say("the ipvlan master hands the packet for {dst} to {container} by its address (L3 mode: no bridge, no NAT, none of Docker's rules)", dst=pkt.dst, container=c.ref))
            else:
                self.hop(f"{host.ref} eth0 ({net.driver} parent)", say("{dst} is {container}'s own address on the LAN ({net}): the frame goes straight to the container, no NAT, no firewall of the host", dst=pkt.dst, container=c.ref, net=kind(net)))
            self._deliver_container(c, pkt)
            return True
        return False

    def _vlan_from_host(self, host: DockerHost, pkt: Packet) -> None:
        """A packet the host routes (its own, or a bridge container's) to a non-local address: its own
        macvlan/ipvlan children are out of reach."""
        found = vlan_child(host, pkt.dst)
        if found is not None:
            c, net = found
            if is_l3(net):
                self.hop(f"{host.ref} routing", say("{dst} is {child} on {net}: the host has no route to {subnet} and an ipvlan master never passes its own traffic to its children", dst=pkt.dst, child=c.ref, net=kind(net), subnet=net.subnet))
            else:
                self.hop(f"{host.ref} eth0", say("{dst} is {child} on {net}, whose parent is this host's eth0: the kernel never passes traffic between a parent and its children, so ARP gets no answer", dst=pkt.dst, child=c.ref, net=kind(net)))
            raise Done("unreachable")
        owner = passthru_child(host)
        if owner is not None and not any(n.subnet is not None and in_subnet(pkt.dst, n.subnet) for n in bridges(host)):
            raise TraceError(say("{ref}: eth0 is the lower device of macvlan passthru network {name}: answers to the host arrive at {container} instead; the host's own traffic on the LAN is not modelled while a passthru container runs", ref=host.ref, name=owner[1].name, container=owner[0].name))

    def _vlan_send(self, c: DockerContainer, att: Attachment, pkt: Packet, direct: bool) -> None:
        """From a macvlan/ipvlan endpoint of ``c``: ``direct`` when the destination is in the network's subnet,
        else by the default route this endpoint carries."""
        host, net = c.host, att.network
        target = net.by_ip.get(pkt.dst)
        if target is not None and target is not c:
            self._vlan_sibling(c, target, net, pkt)
            return
        if net.vlan_dummy:
            what = (say("no container on {net} has {dst}: the network's parent is a dummy link of its own, so its containers reach only each other", net=kind(net), dst=pkt.dst)
                    if direct else say("{net} has no -o parent: its containers get no default route (reaching only each other); connect() fails with Network is unreachable", net=kind(net)))
            self.hop(f"{c.ref} eth0", what)
            raise Done("unreachable")
        if pkt.dst == host.ip:
            self.hop(f"{c.ref} eth0", say("{dst} is the parent's own host: a macvlan or ipvlan child cannot reach its parent (docs.docker.com: filtered by Linux for isolation)", dst=pkt.dst))
            raise Done("unreachable")
        if is_l3(net):
            self._l3_out(c, att, pkt)
            return
        if not direct and net.gateway is None:
            self.hop(f"{c.ref} eth0", say("{net} was created without --gateway: Docker {version} sets up no default route for it (moby#50929); connect() fails with Network is unreachable", net=kind(net), version=host.settings.version_text))
            raise Done("unreachable")
        if direct:
            self.hop(f"{c.ref} eth0", say("{proto} {src} -> {dst} on the LAN ({net}, parent {parent} of {host})", proto=pkt.proto, src=pkt.src, dst=pkt.dst_text, net=kind(net), parent=net.bridge, host=host.ref))
        else:
            self.hop(f"{c.ref} eth0", say("{proto} {src} -> {dst} via the default route {gateway}, the LAN's router ({net})", proto=pkt.proto, src=pkt.src, dst=pkt.dst_text, gateway=net.gateway, net=kind(net)))
        self._lan(pkt, None, f"{c.ref} eth0")

    def _l3_out(self, c: DockerContainer, att: Attachment, pkt: Packet) -> None:
        """ipvlan L3: ``default dev eth0``; the master routes the packet in the host's namespace and sends it out of
        eth0 with the container's own address (no MASQUERADE rule covers the ipvlan subnet)."""
        host, net = c.host, att.network
        if any(n.subnet is not None and in_subnet(pkt.dst, n.subnet) for n in bridges(host)):
            raise TraceError(say("{ref} -> {dst}: from ipvlan L3 network {name} into one of its host's bridges is not modelled (the host's forwarding rules for that path)", ref=c.ref, dst=pkt.dst, name=net.name))
        if in_subnet(pkt.dst, net.subnet):
            self.hop(f"{c.ref} eth0", say("no container on {net} has {dst}: L3 mode has no ARP, the master finds no child with this address", net=kind(net), dst=pkt.dst))
            raise Done("unreachable")
        self.hop(f"{c.ref} eth0", say("{proto} {src} -> {dst} by 'default dev eth0' ({net}): the master routes it in {host}'s namespace and sends it out of eth0 with the container's own address", proto=pkt.proto, src=pkt.src, dst=pkt.dst_text, net=kind(net), host=host.ref))
        if not host.lan_routes:
            self.hop(f"{host.ref} eth0", say("nothing on the LAN routes {subnet} back to {host}, so the answer never returns", subnet=net.subnet, host=host.ref))
            raise Done("timeout")
        self._lan(pkt, None, f"{host.ref} eth0")

    def _vlan_sibling(self, c: DockerContainer, target: DockerContainer, net: DockerNetwork, pkt: Packet) -> None:
        """Between two children of one parent, by the driver's mode and flag."""
        where = f"{c.ref} eth0"
        mode = net.vlan_flag if net.driver == "ipvlan" else net.vlan_mode
        if mode == "private":
            if is_l3(net):
                self.hop(where, say("{net}: private drops every packet between children of the same parent (L3 mode: no ARP, the packet is discarded)", net=kind(net)))
                raise Done("timeout")
            self.hop(where, say("{net}: private passes nothing between children of the same parent, so ARP for {dst} gets no answer", net=kind(net), dst=pkt.dst))
            raise Done("unreachable")
        if mode == "vepa":
            out = (say("the dummy parent drops it") if net.vlan_dummy
                   else say("an ordinary switch never sends a frame back out of the port it came from (no hairpin)"))
            self.hop(where, say("{net}: vepa sends every frame between children out of the parent; {out}, so ARP for {dst} gets no answer", net=kind(net), out=out, dst=pkt.dst))
            raise Done("unreachable")
        if is_l3(net):
            self.hop(where, say("{proto} {src} -> {dst}: the ipvlan master routes it to {target} ({net}, no ARP)", proto=pkt.proto, src=pkt.src, dst=pkt.dst_text, target=target.ref, net=kind(net)))
        else:
            self.hop(where, say("{proto} {src} -> {dst}: the parent passes it straight to {target} ({net})", proto=pkt.proto, src=pkt.src, dst=pkt.dst_text, target=target.ref, net=kind(net)))
        self._deliver_container(target, pkt)

"""Trace steps on Docker hosts and containers: the DOCKER nat chain (DNAT of published ports), docker-proxy,
bridge routing and network isolation, MASQUERADE on the way out, and the receiving container namespace."""

from __future__ import annotations

from typing import Any

from ..core.errors import TraceError
from ..core.netutil import is_loopback
from ..core.packet import Done, Packet, in_subnet
from ..core.result import EndpointRef
from .firewall import (FirewallSteps, forward_verdict, hairpin_accept, hairpin_head, icc_drop, leaving_internal,
                       link_accept_head)
from .gwmode_trace import GatewayModeSteps
from .model import DockerContainer, DockerHost, DockerNetwork, bridges, nat_returns
from .userchain import DockerUserSteps
from .vlan import is_vlan
from .vlan_trace import VlanSteps
from quizapp.words import Said, say


class DockerSteps(FirewallSteps, GatewayModeSteps, DockerUserSteps, VlanSteps):
    """Mixin of the tracer (:mod:`quizapp.sim.trace`): what Docker hosts and containers do with a packet."""

    def _host_source(self, host: DockerHost, dst: str) -> str:
        for net in bridges(host):
            if net.gateway == dst:
                return dst
            if net.subnet is not None and in_subnet(dst, net.subnet) and net.gateway is not None:
                return net.gateway
        return host.ip

    def _dhost_is_local(self, host: DockerHost, ip: str) -> bool:
        if ip == host.ip or is_loopback(ip):
            return True
        return any(n.gateway == ip for n in bridges(host))

    def _dhost_local_send(self, host: DockerHost, pkt: Packet, ref: str) -> None:
        self._dhost_process(host, pkt, "local")

    def _dhost_process(self, host: DockerHost, pkt: Packet, origin: str, from_net: DockerNetwork | None = None,
                       from_container: DockerContainer | None = None) -> None:
        chain = "OUTPUT" if origin == "local" else "PREROUTING"
        where = f"{host.ref} iptables nat {chain}"
        if self._dhost_is_local(host, pkt.dst):
            if not self._docker_dnat(host, pkt, origin, where, from_net, from_container):
                self._dhost_input(host, pkt)
            return
        self._vlan_from_host(host, pkt)
        # routing
        for net in bridges(host):
            if net.subnet is None or not in_subnet(pkt.dst, net.subnet):
                continue
            if net.gateway is None:  # gateway mode isolated: no address on the bridge, no route
                self._isolated_no_route(host, pkt, net)
            direct = (pkt.dst, pkt.dport)
            if origin == "eth0" or (origin == "bridge" and from_net is not None and from_net is not net):
                came = from_net if origin == "bridge" else None
                self._raw_in(host, pkt, came, net)  # 28+: raw PREROUTING comes before everything in filter
                in_if = "eth0" if came is None else came.bridge
                if not self._user_forward(host, pkt, in_if, net.bridge, direct, came is not None):
                    self._filter_in(host, pkt, came, net)
            target = net.by_ip.get(pkt.dst)
            if target is None:
                self.hop(f"{host.ref} {net.bridge}", say('no container has {dst}: ARP gets no answer', dst=pkt.dst))
                raise Done("unreachable")
            self._masq_between_bridges(host, pkt, from_net if origin == "bridge" else None, net)
            self.hop(f"{host.ref} {net.bridge}", say('route {subnet} dev {bridge}: bridges to {target}', subnet=net.subnet, bridge=net.bridge, target=target.ref))
            self._deliver_container(target, pkt)
            return
        if origin == "bridge" and from_net is not None and from_net.internal:
            if host.settings.internal_default_route:
                self.hop(f"{host.ref} iptables filter FORWARD", leaving_internal(host, from_net))
                raise Done("timeout")
            self.hop(f"{host.ref}", say('network {name} is --internal: no route out', name=from_net.name))
            raise Done("unreachable")
        if origin == "bridge" and from_net is not None:
            self._user_forward(host, pkt, from_net.bridge, "eth0", (pkt.dst, pkt.dport), False)
            if from_net.gateway_mode == "routed":
                return self._routed_out(host, pkt, from_net)
        if origin == "bridge" and from_net is not None and not from_net.masquerade:
            self.hop(f"{host.ref} iptables nat POSTROUTING", say('no MASQUERADE for {subnet} (network {name} has com.docker.network.bridge.enable_ip_masquerade=false): the packet leaves with source {src}', subnet=from_net.subnet, name=from_net.name, src=pkt.src))
            if not host.lan_routes:
                self.hop(f"{host.ref} eth0", say('sends {src} -> {dst_text} on the LAN; nothing on the LAN routes {subnet} back to {host}, so the answer never returns', src=pkt.src, dst_text=pkt.dst_text, subnet=from_net.subnet, host=host.ref))
                raise Done("timeout")
            if host.settings.filters_direct_access:
                # 28+ drops packets to a container address from outside its bridge in raw PREROUTING, before
                # conntrack: whether the un-NATed answer survives it is not modelled.
                raise TraceError(say("network {name} does not masquerade and the LAN routes {subnet} back to {ref}: with Docker {version_text}'s raw-table filter the answer's fate is not modelled; use engineVersion 27.5 or older, or allow-direct-routing", name=from_net.name, subnet=from_net.subnet, ref=host.ref, version_text=host.settings.version_text))
            self.hop(f"{host.ref} eth0", say('sends {src} -> {dst_text} on the LAN; the LAN routes {subnet} back to {host} (spec.lanRoutesToBridges), so the answer can return', src=pkt.src, dst_text=pkt.dst_text, subnet=from_net.subnet, host=host.ref))
            self._lan(pkt, None, f"{host.ref} eth0")
            return
        if origin == "bridge" and from_net is not None:
            self._docker_masq(host, pkt, host.ip, say('-s {subnet} ! -o {bridge} -j MASQUERADE', subnet=from_net.subnet, bridge=from_net.bridge))
        self.hop(f"{host.ref} eth0", say('sends {src} -> {dst_text} on the LAN', src=pkt.src, dst_text=pkt.dst_text))
        self._lan(pkt, None, f"{host.ref} eth0")

    def _docker_dnat(self, host: DockerHost, pkt: Packet, origin: str, where: str, from_net: DockerNetwork | None,
                     from_container: DockerContainer | None) -> bool:
        """nat DOCKER for a packet to one of the host's addresses; False when no DNAT rule takes it (then the
        host itself, docker-proxy or a --network host container, answers)."""
        hairpin = not host.settings.userland_proxy
        if origin == "local" and is_loopback(pkt.dst) and not hairpin:
            return False  # OUTPUT ! -d 127.0.0.0/8: no DNAT for loopback
        if origin == "bridge" and nat_returns(from_net, hairpin) and host.settings.nat_bridge_return:
            self.hop(where, say('DOCKER: -i {bridge} -j RETURN (no DNAT for traffic arriving from a container bridge)', bridge=from_net.bridge))
            return False
        for m, c in host.mappings.get((pkt.proto, pkt.dport), []):
            att = c.gateway_attachment
            if att is None or m.host_ip not in ("0.0.0.0", pkt.dst):
                continue
            if origin == "bridge" and from_net is att.network and not hairpin:
                if not host.settings.nat_bridge_return:
                    self.hop(where, say("DOCKER: the DNAT rule for {port}/{proto} has ! -i {bridge}: no DNAT for a packet from the container's own bridge (Docker {version} has no per-bridge RETURN)", port=m.host_port, proto=m.proto, bridge=from_net.bridge, version=host.settings.version_text))
                continue  # ! -i <bridge>: the mapped network's own containers go to docker-proxy
            before, loop, orig = pkt.dst_text, is_loopback(pkt.dst), (pkt.dst, pkt.dport)
            pkt.dst, pkt.dport = att.ip, m.container_port
            match = (f"-d {m.host_ip}/32 " if m.host_ip != "0.0.0.0" else "") + ("" if hairpin else f"! -i {att.network.bridge} ")
            self.hop(where, say('DOCKER: {match}-p {proto} --dport {host_port} -j DNAT --to-destination {dst_text} ({container} -p {mapping})', match=match, proto=pkt.proto, host_port=m.host_port, dst_text=pkt.dst_text, container=c.ref, mapping=_mapping_text(m)),
                     {"type": "DNAT", "before": before, "after": pkt.dst_text})
            self._after_dnat(host, pkt, (origin, from_net, from_container, orig), c, m.container_port, loop)
            return True
        return False

    def _after_dnat(self, host: DockerHost, pkt: Packet, came: tuple, c: DockerContainer, port: int, loop: bool) -> None:
        """A published port DNAT-ed to ``c``: the filter FORWARD chain and nat POSTROUTING on the way in.
        ``came``: (origin, network, container, (dst, port) before DNAT) the packet came from; ``loop``: it was
        sent to 127.0.0.0/8."""
        origin, from_net, from_container, orig = came
        att = c.gateway_attachment
        b = att.network.bridge
        accepted = False
        if origin != "local":  # forwarded: DOCKER-USER first
            isolated = origin == "bridge" and (from_net is not att.network or from_net.internal)
            accepted = self._user_forward(host, pkt, "eth0" if origin == "eth0" else from_net.bridge, b, orig, isolated)
        if not accepted:
            self._dnat_filter(host, pkt, origin, from_net, att, port)
        if origin == "bridge" and from_net is not att.network:  # let through by DOCKER-USER
            self._masq_between_bridges(host, pkt, from_net, att.network)
        elif origin == "bridge" and from_container is not None and from_container.ns_owner is c.ns_owner:
            self._docker_masq(host, pkt, att.network.gateway, say('-s {ip}/32 -d {ip}/32 -p {proto} --dport {port} -j MASQUERADE (the container reaches itself)', ip=att.ip, proto=pkt.proto, port=port))
        elif origin == "local" and not host.settings.userland_proxy:
            if loop:
                self.hop(f"{host.ref} routing", say('net.ipv4.conf.{b}.route_localnet=1 (set by dockerd without the userland proxy): a 127.0.0.0/8 address may be routed out {b}', b=b))
            self._docker_masq(host, pkt, att.network.gateway, say('-o {b} -m addrtype --src-type LOCAL -j MASQUERADE (userland-proxy: false)', b=b))
        self.hop(f"{host.ref} {b}", say('bridges to {container}', container=c.ref))
        self._deliver_container(c, pkt)

    def _dnat_filter(self, host: DockerHost, pkt: Packet, origin: str, from_net: DockerNetwork | None, att, port: int) -> None:
        """Docker's own filter FORWARD rules for a DNAT-ed packet (nothing for the host's own connections)."""
        fwd = f"{host.ref} iptables filter FORWARD"
        b = att.network.bridge
        if origin == "bridge" and from_net is not None and from_net.internal:
            # seen on Docker 20.10: an --internal bridge has no RETURN rule in nat DOCKER
            self.hop(fwd, leaving_internal(host, from_net))
            raise Done("timeout")
        if origin == "eth0" or (origin == "bridge" and from_net is not att.network and host.settings.forward_chain):
            ok, what = forward_verdict(host, from_net if origin == "bridge" else None, att.network, pkt)
            self.hop(fwd, what)  # 29: a packet from another bridge is DNAT-ed (no RETURN) and accepted in DOCKER
            if not ok:
                raise Done("timeout")
            return
        if origin == "bridge" and from_net is not att.network:
            self.hop(fwd, say('DOCKER-ISOLATION-STAGE-1: -i {bridge} ! -o {bridge} -j DOCKER-ISOLATION-STAGE-2; DOCKER-ISOLATION-STAGE-2: -o {b} -j DROP (networks {from_net_name} and {network} are isolated, also through a published port once it is DNAT-ed)', bridge=from_net.bridge, b=b, from_net_name=from_net.name, network=att.network.name))
            raise Done("timeout")
        if origin == "bridge":
            if not att.network.icc:
                self.hop(fwd, say('{chain}-i {b} -o {b} -j DROP (the DNAT-ed packet goes back out {b}; icc is off on network {name})', chain=hairpin_head(host), b=b, name=att.network.name))
                raise Done("timeout")
            self.hop(fwd, hairpin_accept(host, att.network))

    def _masq_between_bridges(self, host: DockerHost, pkt: Packet, from_net: DockerNetwork | None, to: DockerNetwork) -> None:
        """A container's packet routed into another bridge (only DOCKER-USER lets it through) still meets
        ``-s <its subnet> ! -o <its bridge> -j MASQUERADE``: the server sees the other bridge's address."""
        if from_net is not None and from_net is not to and from_net.masquerade and not from_net.internal \
                and from_net.gateway_mode != "routed":
            self._docker_masq(host, pkt, to.gateway, say('-s {subnet} ! -o {from_net_bridge} -j MASQUERADE (the packet leaves by {to_bridge})', subnet=from_net.subnet, from_net_bridge=from_net.bridge, to_bridge=to.bridge))

    def _user_forward(self, host: DockerHost, pkt: Packet, in_if: str, out_if: str, orig: tuple, isolated: bool) -> bool:
        """DOCKER-USER for the request and its answer; True when it ACCEPTs the request (Docker's own FORWARD
        rules are then skipped). Across isolated networks the answer needs an ACCEPT of its own, or
        DOCKER-ISOLATION drops it."""
        if len(host.user_chain) == 1:
            return False
        accepted = self._docker_user(host, pkt, in_if, out_if, orig)
        answer = self._docker_user_reply(host, pkt, in_if, out_if, orig)
        if accepted and isolated and not answer and not host.settings.forward_chain:  # 28+: DOCKER-CT takes it
            self.hop(f"{host.ref} iptables filter FORWARD", say('the answer {dst} -> {src} meets no ACCEPT in DOCKER-USER: DOCKER-ISOLATION drops it (-o {in_if}); the client times out', dst=pkt.dst, src=pkt.src, in_if=in_if))
            raise Done("timeout")
        return accepted

    def _docker_masq(self, host: DockerHost, pkt: Packet, to: str, rule: Said) -> None:
        before = pkt.src
        pkt.src = to
        self.hop(f"{host.ref} iptables nat POSTROUTING", rule, {"type": "SNAT", "before": before, "after": to})

    def _dhost_input(self, host: DockerHost, pkt: Packet) -> None:
        for m, c in host.mappings.get((pkt.proto, pkt.dport), []):
            att = c.gateway_attachment
            if att is not None and (m.host_ip == "0.0.0.0" or m.host_ip == pkt.dst):
                if not host.settings.userland_proxy:  # portmapper's dummy proxy: listens, never accepts
                    self.hop(f"{host.ref} INPUT", say('dockerd holds {host_ip}:{host_port}/{proto} open without a docker-proxy (userland-proxy: false): nothing serves the connection', host_ip=m.host_ip, host_port=m.host_port, proto=m.proto))
                    raise Done("timeout")
                before = f"{pkt.src}->{pkt.dst_text}"
                pkt.src, pkt.dst, pkt.dport = att.network.gateway, att.ip, m.container_port  # type: ignore[assignment]
                self.hop(f"{host.ref} docker-proxy", say('docker-proxy (userland proxy) listening on {host_ip}:{host_port}/{proto} accepts and opens its own connection to {container}', host_ip=m.host_ip, host_port=m.host_port, proto=m.proto, container=c.ref),
                         {"type": "proxy", "before": before, "after": f"{pkt.src}->{pkt.dst_text}"})
                self.hop(f"{host.ref} {att.network.bridge}", say('bridges to {container}', container=c.ref))
                owner = c.ns_owner
                if self._ns_listener(owner, pkt) is None:
                    if pkt.proto == "tcp":
                        self.hop(f"{c.ref} eth0", say("nothing listens on {dport}/tcp: RST to docker-proxy, which closes the client's connection", dport=pkt.dport))
                        raise Done("refused")
                    self.hop(f"{c.ref} eth0", say('nothing listens on {dport}/udp: the ICMP error goes to docker-proxy; the client hears nothing', dport=pkt.dport))
                    raise Done("timeout")
                self._deliver_container(c, pkt)
                return
        c = host.host_listeners.get((pkt.dport, pkt.proto))
        if c is not None:
            self.hop(f"{host.ref} INPUT", say("local delivery: {container} (--network host) listens on the host's addresses", container=c.ref))
            raise Done(None, EndpointRef("container", c.name, pkt.dst, pkt.dport), pkt.src)
        self._routed_port_note(host, pkt)
        bound = [m for m, c in host.mappings.get((pkt.proto, pkt.dport), []) if c.gateway_attachment is not None]
        extra = ""
        if bound:
            extra = say(" (the port is published on {addresses} only)", addresses=", ".join(m.host_ip for m in bound))
        self._refuse(f"{host.ref} INPUT", say('nothing listens on {dst_text}/{proto}{extra}', dst_text=pkt.dst_text, proto=pkt.proto, extra=extra), pkt)

    def _ns_listener(self, owner: DockerContainer, pkt: Packet) -> DockerContainer | None:
        for member in owner.host.ns_members.get(id(owner), [owner]):
            if (pkt.dport, pkt.proto) in member.listens:
                return member
        return None

    def _deliver_container(self, c: DockerContainer, pkt: Packet) -> None:
        owner = c.ns_owner
        member = self._ns_listener(owner, pkt)
        if member is None:
            self._refuse(f"{c.ref} eth0", say("no process in {container}'s network namespace listens on {dport}/{proto}", container=c.ref, dport=pkt.dport, proto=pkt.proto), pkt)
        shared = say(" (shares {owner}'s network namespace)", owner=owner.ref) if member is not owner else ""
        self.hop(f"{member.ref} {'lo' if is_loopback(pkt.dst) else 'eth0'}", say('{member}{shared} listens on {dport}/{proto}: accepted, peer address {src}', member=member.ref, shared=shared, dport=pkt.dport, proto=pkt.proto, src=pkt.src))
        raise Done(None, EndpointRef("container", member.name, pkt.dst, pkt.dport), pkt.src)

    def _icc_off(self, owner: DockerContainer, target: DockerContainer, net: DockerNetwork, pkt: Packet) -> None:
        """icc off: dropped between the bridge's containers, unless a legacy link opened the port."""
        fwd = f"{owner.host.ref} iptables filter FORWARD"
        b = net.bridge
        if target in owner.links and (pkt.dport, pkt.proto) in target.link_ports():
            self.hop(fwd, say('{jumps}DOCKER: -s {src}/32 -d {dst}/32 -i {b} -o {b} -p {proto} --dport {dport} -j ACCEPT (--link to {name}: its exposed ports are opened)', jumps=link_accept_head(owner.host, net), src=pkt.src, dst=pkt.dst, b=b, proto=pkt.proto, dport=pkt.dport, name=target.name))
            return
        self.hop(fwd, icc_drop(owner.host, net))
        raise Done("timeout")

    def _container_send(self, c: DockerContainer, pkt: Packet) -> None:
        owner = c.ns_owner
        host = c.host
        via = say(" (in {owner}'s network namespace)", owner=owner.ref) if owner is not c else ""
        if owner.mode == "host":
            self.hop(c.ref, say("--network host: opens {proto} {dst_text} from {src} in {host}'s network namespace", proto=pkt.proto, dst_text=pkt.dst_text, src=pkt.src, host=host.ref))
            self._dhost_process(host, pkt, "local")
            return
        own_ips = {a.ip for a in owner.attachments}
        if is_loopback(pkt.dst) or pkt.dst in own_ips:
            self.hop(f"{c.ref} lo", say("{dst} is local to the container's network namespace{via}", dst=pkt.dst, via=via))
            self._deliver_container(owner, pkt)
            return
        if owner.mode == "none":
            self.hop(f"{c.ref}", say('--network none: the namespace has only lo; connect() fails with Network is unreachable'))
            raise Done("unreachable")
        for att in owner.attachments:
            net = att.network
            if is_vlan(net) and (in_subnet(pkt.dst, net.subnet) or pkt.dst in net.by_ip):
                return self._vlan_send(owner, att, pkt, direct=True)
            if in_subnet(pkt.dst, net.subnet):
                self.hop(f"{c.ref} eth0", say('{proto} {src} -> {dst_text} on network {name} ({bridge}){via}', proto=pkt.proto, src=pkt.src, dst_text=pkt.dst_text, name=net.name, bridge=net.bridge, via=via))
                if pkt.dst == net.gateway:
                    self._dhost_process(host, pkt, "bridge", net, c)
                    return
                target = net.by_ip.get(pkt.dst)
                if target is None:
                    self.hop(f"{host.ref} {net.bridge}", say('no container has {dst}: ARP gets no answer', dst=pkt.dst))
                    raise Done("unreachable")
                accepted = target.ns_owner is not owner and self._user_forward(host, pkt, net.bridge, net.bridge, (pkt.dst, pkt.dport), False)
                if not net.icc and target.ns_owner is not owner and not accepted:
                    self._icc_off(owner, target, net, pkt)
                self.hop(f"{host.ref} {net.bridge}", say('bridges to {target} (same network)', target=target.ref))
                self._deliver_container(target, pkt)
                return
        att = owner.route_attachment()
        if att is None and not owner.attachments:
            self.hop(f"{c.ref}", say('the container is connected to no network any more (docker network disconnect): only lo; connect() fails with Network is unreachable'))
            raise Done("unreachable")
        if att is None:
            names = ", ".join(a.network.name for a in owner.attachments)
            self.hop(f"{c.ref}", say('network {names} is --internal: no default route (Docker 25 and later); connect() fails with Network is unreachable', names=names))
            raise Done("unreachable")
        if is_vlan(att.network):
            return self._vlan_send(owner, att, pkt, direct=False)
        why = (say(" (Docker {version} still gives containers on --internal networks one)", version=host.settings.version_text)
               if att.network.internal else "")
        self.hop(f"{c.ref} eth0", say('{proto} {src} -> {dst_text} via the default route {gateway} ({bridge}){why}{via}', proto=pkt.proto, src=pkt.src, dst_text=pkt.dst_text, gateway=att.network.gateway, bridge=att.network.bridge, why=why, via=via))
        self._dhost_process(host, pkt, "bridge", att.network, c)


def _mapping_text(m: Any) -> str:
    host = f"{m.host_ip}:" if m.host_ip != "0.0.0.0" else ""
    return f"{host}{m.host_port}:{m.container_port}/{m.proto}"

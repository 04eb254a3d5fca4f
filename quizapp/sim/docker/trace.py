"""Trace steps on Docker hosts and containers: the DOCKER nat chain (DNAT of published ports), docker-proxy,
bridge routing and network isolation, MASQUERADE on the way out, and the receiving container namespace."""

from __future__ import annotations

from typing import Any

from ..core.netutil import is_loopback
from ..core.packet import Done, Packet, in_subnet
from ..core.result import EndpointRef
from .model import DockerContainer, DockerHost, DockerNetwork


class DockerSteps:
    """Mixin of the tracer (:mod:`quizapp.sim.trace`): what Docker hosts and containers do with a packet."""

    def _host_source(self, host: DockerHost, dst: str) -> str:
        for net in host.networks.values():
            if net.gateway == dst:
                return dst
            if net.subnet is not None and in_subnet(dst, net.subnet):
                return net.gateway  # type: ignore[return-value]
        return host.ip

    def _dhost_is_local(self, host: DockerHost, ip: str) -> bool:
        if ip == host.ip or is_loopback(ip):
            return True
        return any(n.gateway == ip for n in host.networks.values())

    def _dhost_local_send(self, host: DockerHost, pkt: Packet, ref: str) -> None:
        self._dhost_process(host, pkt, "local")

    def _dhost_process(self, host: DockerHost, pkt: Packet, origin: str, from_net: DockerNetwork | None = None,
                       from_container: DockerContainer | None = None) -> None:
        chain = "OUTPUT" if origin == "local" else "PREROUTING"
        where = f"{host.ref} iptables nat {chain}"
        if self._dhost_is_local(host, pkt.dst):
            if origin == "local" and is_loopback(pkt.dst):
                pass  # OUTPUT ! -d 127.0.0.0/8: no DNAT for loopback
            elif origin == "bridge" and not from_net.internal:
                self.hop(where, f"DOCKER: -i {from_net.bridge} -j RETURN (no DNAT for traffic arriving from a container bridge)")
            else:
                for m, c in host.mappings.get((pkt.proto, pkt.dport), []):
                    att = c.gateway_attachment
                    if att is not None and m.host_ip in ("0.0.0.0", pkt.dst):
                        before = pkt.dst_text
                        pkt.dst, pkt.dport = att.ip, m.container_port
                        self.hop(where, f"DOCKER: ! -i {att.network.bridge} -p {pkt.proto} --dport {m.host_port} -j DNAT --to-destination {pkt.dst_text} ({c.ref} -p {_mapping_text(m)})",
                                 {"type": "DNAT", "before": before, "after": pkt.dst_text})
                        if origin == "bridge" and from_net is not None and from_net.internal:
                            # seen on Docker 20.10: an --internal bridge has no RETURN rule in nat DOCKER
                            self.hop(f"{host.ref} iptables filter FORWARD", f"DOCKER-ISOLATION-STAGE-1: ! -d {from_net.subnet} -i {from_net.bridge} -j DROP (network {from_net.name} is --internal: nothing leaves it)")
                            raise Done("timeout")
                        if origin != "local":
                            self.hop(f"{host.ref} iptables filter FORWARD", f"DOCKER: -d {att.ip}/32 ! -i {att.network.bridge} -o {att.network.bridge} -p {pkt.proto} --dport {m.container_port} -j ACCEPT")
                        self.hop(f"{host.ref} {att.network.bridge}", f"bridges to {c.ref}")
                        self._deliver_container(c, pkt)
                        return
            self._dhost_input(host, pkt)
            return
        # routing
        for net in host.networks.values():
            if net.subnet is None or not in_subnet(pkt.dst, net.subnet):
                continue
            if origin == "bridge" and from_net is not None and from_net is not net:
                self.hop(f"{host.ref} iptables filter FORWARD", f"DOCKER-ISOLATION-STAGE-1: -i {from_net.bridge} ! -o {from_net.bridge} -j DOCKER-ISOLATION-STAGE-2; DOCKER-ISOLATION-STAGE-2: -o {net.bridge} -j DROP (networks {from_net.name} and {net.name} are isolated)")
                raise Done("timeout")
            if origin == "eth0":
                self.hop(f"{host.ref} iptables filter FORWARD", f"DOCKER: ! -i {net.bridge} -o {net.bridge} -j DROP (only published ports are forwarded in)")
                raise Done("timeout")
            target = net.by_ip.get(pkt.dst)
            if target is None:
                self.hop(f"{host.ref} {net.bridge}", f"no container has {pkt.dst}: ARP gets no answer")
                raise Done("unreachable")
            self.hop(f"{host.ref} {net.bridge}", f"route {net.subnet} dev {net.bridge}: bridges to {target.ref}")
            self._deliver_container(target, pkt)
            return
        if origin == "bridge" and from_net is not None and from_net.internal:
            if host.settings.internal_default_route:
                self.hop(f"{host.ref} iptables filter FORWARD", f"DOCKER-ISOLATION-STAGE-1: ! -d {from_net.subnet} -i {from_net.bridge} -j DROP (network {from_net.name} is --internal: nothing leaves it)")
                raise Done("timeout")
            self.hop(f"{host.ref}", f"network {from_net.name} is --internal: no route out")
            raise Done("unreachable")
        if origin == "bridge" and from_net is not None:
            before = pkt.src
            pkt.src = host.ip
            self.hop(f"{host.ref} iptables nat POSTROUTING", f"-s {from_net.subnet} ! -o {from_net.bridge} -j MASQUERADE", {"type": "SNAT", "before": before, "after": host.ip})
        self.hop(f"{host.ref} eth0", f"sends {pkt.src} -> {pkt.dst_text} on the LAN")
        self._lan(pkt, None, f"{host.ref} eth0")

    def _dhost_input(self, host: DockerHost, pkt: Packet) -> None:
        for m, c in host.mappings.get((pkt.proto, pkt.dport), []):
            att = c.gateway_attachment
            if att is not None and (m.host_ip == "0.0.0.0" or m.host_ip == pkt.dst):
                before = f"{pkt.src}->{pkt.dst_text}"
                pkt.src, pkt.dst, pkt.dport = att.network.gateway, att.ip, m.container_port  # type: ignore[assignment]
                self.hop(f"{host.ref} docker-proxy", f"docker-proxy (userland proxy) listening on {m.host_ip}:{m.host_port}/{m.proto} accepts and opens its own connection to {c.ref}",
                         {"type": "proxy", "before": before, "after": f"{pkt.src}->{pkt.dst_text}"})
                self.hop(f"{host.ref} {att.network.bridge}", f"bridges to {c.ref}")
                owner = c.ns_owner
                if self._ns_listener(owner, pkt) is None:
                    if pkt.proto == "tcp":
                        self.hop(f"{c.ref} eth0", f"nothing listens on {pkt.dport}/tcp: RST to docker-proxy, which closes the client's connection")
                        raise Done("refused")
                    self.hop(f"{c.ref} eth0", f"nothing listens on {pkt.dport}/udp: the ICMP error goes to docker-proxy; the client hears nothing")
                    raise Done("timeout")
                self._deliver_container(c, pkt)
                return
        c = host.host_listeners.get((pkt.dport, pkt.proto))
        if c is not None:
            self.hop(f"{host.ref} INPUT", f"local delivery: {c.ref} (--network host) listens on the host's addresses")
            raise Done(None, EndpointRef("container", c.name, pkt.dst, pkt.dport), pkt.src)
        bound = [m for m, c in host.mappings.get((pkt.proto, pkt.dport), []) if c.gateway_attachment is not None]
        extra = ""
        if bound:
            extra = f" (the port is published on {', '.join(m.host_ip for m in bound)} only)"
        self._refuse(f"{host.ref} INPUT", f"nothing listens on {pkt.dst_text}/{pkt.proto}{extra}", pkt)

    def _ns_listener(self, owner: DockerContainer, pkt: Packet) -> DockerContainer | None:
        for member in owner.host.ns_members.get(id(owner), [owner]):
            if (pkt.dport, pkt.proto) in member.listens:
                return member
        return None

    def _deliver_container(self, c: DockerContainer, pkt: Packet) -> None:
        owner = c.ns_owner
        member = self._ns_listener(owner, pkt)
        if member is None:
            self._refuse(f"{c.ref} eth0", f"no process in {c.ref}'s network namespace listens on {pkt.dport}/{pkt.proto}", pkt)
        shared = f" (shares {owner.ref}'s network namespace)" if member is not owner else ""
        self.hop(f"{member.ref} {'lo' if is_loopback(pkt.dst) else 'eth0'}", f"{member.ref}{shared} listens on {pkt.dport}/{pkt.proto}: accepted, peer address {pkt.src}")
        raise Done(None, EndpointRef("container", member.name, pkt.dst, pkt.dport), pkt.src)

    def _container_send(self, c: DockerContainer, pkt: Packet) -> None:
        owner = c.ns_owner
        host = c.host
        via = f" (in {owner.ref}'s network namespace)" if owner is not c else ""
        if owner.mode == "host":
            self.hop(c.ref, f"--network host: opens {pkt.proto} {pkt.dst_text} from {pkt.src} in {host.ref}'s network namespace")
            self._dhost_process(host, pkt, "local")
            return
        own_ips = {a.ip for a in owner.attachments}
        if is_loopback(pkt.dst) or pkt.dst in own_ips:
            self.hop(f"{c.ref} lo", f"{pkt.dst} is local to the container's network namespace{via}")
            self._deliver_container(owner, pkt)
            return
        if owner.mode == "none":
            self.hop(f"{c.ref}", "--network none: the namespace has only lo; connect() fails with Network is unreachable")
            raise Done("unreachable")
        for att in owner.attachments:
            net = att.network
            if in_subnet(pkt.dst, net.subnet):
                self.hop(f"{c.ref} eth0", f"{pkt.proto} {pkt.src} -> {pkt.dst_text} on network {net.name} ({net.bridge}){via}")
                if pkt.dst == net.gateway:
                    self._dhost_process(host, pkt, "bridge", net, c)
                    return
                target = net.by_ip.get(pkt.dst)
                if target is None:
                    self.hop(f"{host.ref} {net.bridge}", f"no container has {pkt.dst}: ARP gets no answer")
                    raise Done("unreachable")
                if not net.icc and target.ns_owner is not owner:
                    self.hop(f"{host.ref} iptables filter FORWARD", f"-i {net.bridge} -o {net.bridge} -j DROP (network {net.name} has com.docker.network.bridge.enable_icc=false)")
                    raise Done("timeout")
                self.hop(f"{host.ref} {net.bridge}", f"bridges to {target.ref} (same network)")
                self._deliver_container(target, pkt)
                return
        att = owner.route_attachment()
        if att is None and not owner.attachments:
            self.hop(f"{c.ref}", "the container is connected to no network any more (docker network disconnect): only lo; connect() fails with Network is unreachable")
            raise Done("unreachable")
        if att is None:
            names = ", ".join(a.network.name for a in owner.attachments)
            self.hop(f"{c.ref}", f"network {names} is --internal: no default route (Docker 25 and later); connect() fails with Network is unreachable")
            raise Done("unreachable")
        why = f" (Docker {host.settings.version_text} still gives containers on --internal networks one)" if att.network.internal else ""
        self.hop(f"{c.ref} eth0", f"{pkt.proto} {pkt.src} -> {pkt.dst_text} via the default route {att.network.gateway} ({att.network.bridge}){why}{via}")
        self._dhost_process(host, pkt, "bridge", att.network, c)


def _mapping_text(m: Any) -> str:
    host = f"{m.host_ip}:" if m.host_ip != "0.0.0.0" else ""
    return f"{host}{m.host_port}:{m.container_port}/{m.proto}"

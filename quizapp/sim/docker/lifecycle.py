"""The container life cycle as commands: ``docker stop``, ``docker start``, ``docker rm``, ``docker rename`` and
``docker network disconnect``, for containers on bridge networks.

A stopped container keeps its name but loses its endpoints: its addresses go back to the networks, its DNS
names disappear, docker-proxy stops and its host ports are free again. ``docker start`` attaches it again in
the same order (``--ip`` addresses kept, others the lowest free ones) and publishes its ports again (fixed host
ports the same, random ones allocated anew). ``docker network disconnect`` removes one endpoint; the gateway
endpoint, and with it the port mappings and the default route, then moves to the next network by moby's order.
"""

from __future__ import annotations

from ..core.netutil import ip_int
from .flags import CommandError, DockerRefusal, parse_flags
from .model import DockerContainer, DockerHost, DockerNetwork, PortMapping, register_dns
from .routed import routed_gateway
from quizapp.words import say


class LifecycleCommands:
    """Mixin of :class:`~quizapp.sim.docker.commands.DockerBuilder`."""

    host: DockerHost
    _taken: dict[tuple[str, int], list[str]]

    # -- helpers --------------------------------------------------------------------------------------
    def _container(self, name: str, verb: str) -> DockerContainer:
        c = self.host.containers.get(name)
        if c is None:
            raise DockerRefusal(say('Error response from daemon: No such container: {name}', name=name))
        if c.mode != "bridge" or any(m.shares is c for m in self.host.containers.values()):
            raise CommandError(say('docker {verb} {name}: not modelled for containers in host, none or container: mode, or whose namespace another container joined', verb=verb, name=name))
        return c

    def _forget_dns(self, net: DockerNetwork) -> None:
        """Rebuild a network's DNS names from its endpoints, in the order they were attached."""
        net.dns.clear()
        for c in self.host.containers.values():
            for att in c.attachments:
                if att.network is net:
                    register_dns(net, c, att)

    def _release(self, c: DockerContainer, net: DockerNetwork) -> None:
        att = next(a for a in c.attachments if a.network is net)
        c.attachments.remove(att)
        net.used.discard(ip_int(att.ip))
        net.by_ip.pop(att.ip, None)
        self._forget_dns(net)

    def _unpublish(self, c: DockerContainer) -> None:
        for m in c.publish:
            if m.routed:  # no host port was bound (.routed)
                continue
            entries = self.host.mappings.get((m.proto, m.host_port), [])
            entries[:] = [(pm, pc) for pm, pc in entries if pc is not c]
            if not entries:
                self.host.mappings.pop((m.proto, m.host_port), None)
            bound = self._taken.get((m.proto, m.host_port), [])
            if m.host_ip in bound:
                bound.remove(m.host_ip)

    def _republish(self, c: DockerContainer) -> None:
        fresh = []
        routed = routed_gateway(c)
        for m in c.publish:
            if routed:  # the gateway endpoint is on a routed-mode network: no host port (.routed)
                fresh.append(PortMapping(m.host_ip, m.host_port, m.container_port, m.proto, m.random, routed=True))
                continue
            if m.random:
                port = self._random_port(m.proto, m.host_ip)  # type: ignore[attr-defined]
                m = PortMapping(m.host_ip, port, m.container_port, m.proto, random=True)
            self._bind(m.proto, m.host_ip, m.host_port)  # type: ignore[attr-defined]
            fresh.append(m)
        c.publish = fresh
        for m in fresh if not routed else []:
            self.host.mappings.setdefault((m.proto, m.host_port), []).append((m, c))

    # -- commands -------------------------------------------------------------------------------------
    def stop(self, args: list[str]) -> None:
        f = parse_flags(args, {"time", "signal"}, set(), {"t": "time", "s": "signal"}, interspersed=True, what="stop")
        if not f.positionals:
            raise CommandError(say('"docker stop" requires at least 1 argument'))
        for name in f.positionals:
            c = self._container(name, "stop")
            if not c.running:
                continue
            c.stopped_endpoints = [(a.network, a.requested_ip, list(a.aliases), a.gw_priority) for a in c.attachments]
            for net, _ip, _aliases, _prio in c.stopped_endpoints:
                self._release(c, net)
            self._unpublish(c)
            c.running = False

    def start(self, args: list[str]) -> None:
        f = parse_flags(args, {"detach-keys"}, {"attach", "interactive"}, {"a": "attach", "i": "interactive"},
                        interspersed=True, what="start")
        if not f.positionals:
            raise CommandError(say('"docker start" requires at least 1 argument'))
        for name in f.positionals:
            c = self._container(name, "start")
            if c.running:
                continue
            for net, ip, aliases, prio in c.stopped_endpoints:
                self._attach(c, net, ip, aliases)  # type: ignore[attr-defined]
                c.attachments[-1].gw_priority = prio
            c.stopped_endpoints = []
            self._republish(c)
            c.running = True

    def rm(self, args: list[str]) -> None:
        f = parse_flags(args, set(), {"force", "link", "volumes"}, {"f": "force", "l": "link", "v": "volumes"},
                        interspersed=True, what="rm")
        if not f.positionals:
            raise CommandError(say('"docker rm" requires at least 1 argument'))
        if f.bools.get("link"):
            raise CommandError(say('docker rm: option --link is not modelled by the simulator (legacy links); remove it'))
        for name in f.positionals:
            c = self._container(name, "rm")
            if c.running and not f.bools.get("force"):
                raise DockerRefusal(say('Error response from daemon: You cannot remove a running container {name}. Stop the container before attempting removal or force remove', name=name),
                                    docker=f"Error response from daemon: You cannot remove a running container {c.id}. Stop the container before attempting removal or force remove")  # Docker names the full id
            if c.running:
                for att in list(c.attachments):
                    self._release(c, att.network)
                self._unpublish(c)
            del self.host.containers[name]
            self.host.ns_members.pop(id(c), None)

    def rename(self, args: list[str]) -> None:
        f = parse_flags(args, set(), set(), {}, interspersed=True, what="rename")
        if len(f.positionals) != 2:
            raise CommandError(say('"docker rename" requires exactly 2 arguments: CONTAINER NEW_NAME'))
        old, new = f.positionals
        c = self._container(old, "rename")
        self._check_name(new)  # type: ignore[attr-defined]
        if new in self.host.containers:
            raise DockerRefusal(say('Error response from daemon: Error when allocating new name: Conflict. The container name "/{new}" is already in use', new=new))
        del self.host.containers[old]
        c.name = new
        self.host.containers[new] = c
        for att in c.attachments:
            self._forget_dns(att.network)

    def network_disconnect(self, args: list[str]) -> None:
        f = parse_flags(args, set(), {"force"}, {"f": "force"}, interspersed=True, what="network disconnect")
        if len(f.positionals) != 2:
            raise CommandError(say('"docker network disconnect" requires exactly 2 arguments: NETWORK CONTAINER'))
        net_name, name = f.positionals
        net = self.host.networks.get(net_name)
        if net is None:
            raise DockerRefusal(say('Error response from daemon: network {net_name} not found', net_name=net_name))
        c = self._container(name, "network disconnect")
        if not any(a.network is net for a in c.attachments):
            raise DockerRefusal(say('Error response from daemon: container {name} is not connected to network {net_name}', name=name, net_name=net_name),
                                docker=f"Error response from daemon: container {c.id} is not connected to network {net_name}")  # the full id
        gateway = c.gateway_attachment
        self._release(c, net)
        self._follow_gateway(c, gateway)  # type: ignore[attr-defined]

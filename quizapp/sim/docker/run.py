"""``docker run``: names, network modes (bridge networks, ``host``, ``none``, ``container:<name>``), addresses,
published ports (random ones from the ephemeral range, ascending), and what listens inside."""

from __future__ import annotations

from ..core.netutil import is_ip, is_loopback
from ..core.ports import LISTEN_KEY
from .flags import (RUN_ALIASES, RUN_BOOL, RUN_NOT_MODELLED, RUN_SHORT, RUN_VALUE, CommandError, DockerRefusal, parse_flags,
                    refuse_unmodelled)
from .resolvconf import check_search, user_ndots, uses_embedded_dns
from .vlan import VLAN_DRIVERS, is_vlan
from .model import DockerContainer, DockerHost, PortMapping, container_id
from .gwpriority import network_endpoints
from .publishing import EPHEMERAL_END, parse_publish, port_list
from .routed import unbound_ports
from quizapp.words import Said, say

_NAME_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")

_ADJECTIVES = ["admiring", "brave", "clever", "dazzling", "eager", "focused", "gifted", "happy", "jolly",
               "kind", "lucid", "modest", "nifty", "optimistic", "peaceful", "quirky", "relaxed", "serene",
               "tender", "upbeat", "vibrant", "wizardly", "xenodochial", "youthful", "zealous"]
_SURNAMES = ["albattani", "babbage", "curie", "darwin", "euclid", "feynman", "galileo", "hopper", "jepsen",
             "kepler", "lovelace", "meitner", "noether", "ostrom", "pasteur", "ritchie", "shannon", "turing",
             "villani", "wozniak", "yonath", "zhukovsky"]


class RunCommand:
    """Mixin of :class:`~quizapp.sim.docker.commands.DockerBuilder`: ``docker run``."""

    host: DockerHost
    _next_port: dict[str, int]
    _taken: dict[tuple[str, int], list[str]]
    _unnamed: int

    def _auto_name(self) -> str:
        while True:
            i = self._unnamed
            self._unnamed += 1
            name = f"{_ADJECTIVES[i % len(_ADJECTIVES)]}_{_SURNAMES[(i * 7 + i // len(_ADJECTIVES)) % len(_SURNAMES)]}"
            if name not in self.host.containers:
                return name

    def _bind(self, proto: str, host_ip: str, port: int) -> None:
        bound = self._taken.setdefault((proto, port), [])
        for other in bound:
            if other == "0.0.0.0" or host_ip == "0.0.0.0" or other == host_ip:
                raise DockerRefusal(say('Bind for {host_ip}:{port} failed: port is already allocated', host_ip=host_ip, port=port))
        bound.append(host_ip)

    def _random_port(self, proto: str, host_ip: str) -> int:
        port = self._next_port[proto]
        while port <= EPHEMERAL_END:
            bound = self._taken.get((proto, port), [])
            if not any(o == "0.0.0.0" or host_ip == "0.0.0.0" or o == host_ip for o in bound):
                self._next_port[proto] = port + 1
                return port
            port += 1
        raise CommandError(say('no free host port left in the ephemeral range 32768-60999'))

    def _host_addresses(self) -> set[str]:
        addrs = {"0.0.0.0", self.host.ip}
        for net in self.host.networks.values():
            if net.gateway and net.driver == "bridge":  # a macvlan gateway is the LAN's router
                addrs.add(net.gateway)
        return addrs

    def _check_name(self, name: str) -> None:
        # moby's validContainerNamePattern [a-zA-Z0-9][a-zA-Z0-9_.-]+: at least two characters
        if len(name) < 2 or name[0] not in _NAME_OK - {"_", ".", "-"} or any(ch not in _NAME_OK for ch in name):
            raise DockerRefusal(say('Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed', name=name))

    def _extra_hosts(self, entries: list[str]) -> dict[str, str]:
        """``--add-host NAME:IP`` (``host-gateway``: the docker0 address, the daemon's default host-gateway-ip)."""
        hosts: dict[str, str] = {}
        for entry in entries:
            name, sep, ip = entry.partition(":")
            if ip == "host-gateway":
                ip = self.host.settings.bip_gateway
            if not sep or not name or not is_ip(ip):
                raise DockerRefusal(say('invalid argument "{entry}" for "--add-host" flag: bad format for add-host: "{entry}" (write NAME:IPv4 or NAME:host-gateway)', entry=entry), docker=f'invalid argument "{entry}" for "--add-host" flag: bad format for add-host: "{entry}"')
            hosts.setdefault(name.lower(), ip)
        return hosts

    def _domainname(self, value: str | None, mode: str, warnings: list[Said], name: str) -> str:
        if value and mode != "bridge":
            raise CommandError(say("docker run: option --domainname with --network {mode} is not modelled by the simulator (the container's /etc/hosts is then not its own); remove it", mode=mode))
        return value or ""

    def _dns_servers(self, servers: list[str]) -> list[str]:
        for server in servers:
            if not is_ip(server):  # the docker CLI's opts.ValidateIPAddress
                raise CommandError(say('invalid argument "{server}" for "--dns" flag: {server} is not an ip address', server=server))
        return servers

    def run(self, args: list[str], index: int) -> None:
        f = parse_flags(args, RUN_VALUE, RUN_BOOL, RUN_SHORT, RUN_ALIASES, interspersed=False, what="run")
        if not f.positionals:
            raise CommandError(say('"docker run" requires at least 1 argument (the image)'))
        endpoints = network_endpoints(f, self.host.settings)  # --network name=N,alias=A,ip=I,gw-priority=P
        image = f.positionals[0]
        network_arg = (f.all("network") or ["bridge"])[0]
        given = f.all("network")
        user_defined = [n for n in given if n not in ("default", "bridge", "host", "none") and not n.startswith("container:")]
        if user_defined and len(user_defined) < len(given):
            # the docker CLI's parseNetworkOpts, before anything reaches the daemon (every version; seen on 20.10)
            raise DockerRefusal(say("conflicting options: cannot attach both user-defined and non-user-defined network-modes"))
        if network_arg.startswith("container:"):
            # moby runconfig validateNetContainerMode: these come before anything the simulator refuses itself
            if f.all("link"):  # the 20.10 CLI's own check, seen in tests/docker_engine
                raise DockerRefusal(say('links are only supported for user-defined networks (not with --network container:)'), docker='links are only supported for user-defined networks')
            for flag, what in (("hostname", "hostname"), ("dns", "dns"), ("add-host", "custom host-to-IP mapping"),
                               ("mac-address", "mac-address")):
                if f.all(flag):
                    raise DockerRefusal(say('conflicting options: {what} and the network mode', what=what))
        links = f.all("link")
        if links and (network_arg != "bridge" or f.all("network")):
            raise CommandError(say('docker run: option --link is modelled on the default bridge only (without --network); on a user-defined network use names or --network-alias'))
        refuse_unmodelled(f, RUN_NOT_MODELLED, "docker run")
        name = f.last("name")
        if name is not None:
            self._check_name(name)
            if name in self.host.containers:
                raise DockerRefusal(say('Conflict. The container name "/{name}" is already in use. Remove (or rename) that container, or choose another --name', name=name), docker=f'Conflict. The container name "/{name}" is already in use')
        else:
            name = self._auto_name()
        labels: dict[str, str] = {}
        for item in f.all("label"):
            k, _, v = item.partition("=")
            labels[k] = v
        nets = f.all("network") or ["bridge"]
        mode_arg = nets[0]
        publish_specs = [parse_publish(p) for p in f.all("publish")]
        listen_specs = list(publish_specs)  # the container side listens even where nothing is published
        publish_all = f.bools.get("publish-all", False)
        expose: set[tuple[int, str]] = set()
        for e in f.all("expose"):
            expose |= port_list(e, "--expose port")
        ip_req = f.last("ip")
        aliases = f.all("network-alias")
        shares = None
        warnings: list[Said] = []
        if mode_arg.startswith("container:"):
            mode = "container"
            target = mode_arg.split(":", 1)[1]
            if publish_specs or publish_all:
                raise DockerRefusal(say("conflicting options: port publishing and the container type network mode (a container that joins another's namespace cannot publish ports; publish them on that container)"), docker='conflicting options: port publishing and the container type network mode')
            if expose:
                raise DockerRefusal(say('conflicting options: port exposing and the container type network mode'))
            if ip_req or aliases:
                # not Docker's refusal: Docker 20.10 accepts them and they do nothing (seen on the engine tier)
                raise CommandError(say('docker run: --ip/--network-alias with --network container: are not modelled by the simulator (Docker 20.10 accepts them and ignores them: the container has no network endpoint of its own); remove them'))
            if f.all("add-host"):
                raise DockerRefusal(say('conflicting options: custom host-to-IP mapping and the network mode'))
            if len(nets) > 1:
                raise CommandError(say("conflicting options: container type network can't be used with other networks"))
            if target == name:  # moby daemon getNetworkedContainer, when the container starts
                raise DockerRefusal(say('Error response from daemon: cannot join own network'))
            shares = self.host.containers.get(target)
            if shares is None:
                raise DockerRefusal(say('No such container: {target} (start it before the container that joins its namespace)', target=target),
                                    docker=f"Error response from daemon: No such container: {target}")
        elif mode_arg in ("host", "none"):
            mode = mode_arg
            if len(nets) > 1:
                raise CommandError(say("conflicting options: {mode} type network can't be used with other networks", mode=mode))
            # the daemon's endpoint settings check (moby runconfig ErrUnsupportedNetworkAndIP/-Alias; seen on 20.10)
            if ip_req:
                raise DockerRefusal(say('user specified IP address is supported on user defined networks only'))
            if aliases:
                raise DockerRefusal(say('network-scoped aliases are only supported for user-defined networks'))
        else:
            mode = "bridge"
            if len(nets) > 1 and self.host.settings.engine < (25, 0):
                # API 1.44 (Docker 25) added several networks on create; 20.10's message, seen in tests/docker_engine
                raise DockerRefusal(say('Container cannot be connected to network endpoints: {nets} (Docker {version_text} takes one --network; add others with docker network connect)', nets=', '.join(nets), version_text=self.host.settings.version_text), docker='Container cannot be connected to network endpoints: ' + ', '.join(nets))
            if not f.all("network") and (ip_req or aliases) and self.host.settings.engine == (20, 10):
                # without --network, Docker 20.10 files --ip/--network-alias under no network and ignores them
                warnings.append(say('{name}: --ip/--network-alias without --network are ignored by Docker 20.10', name=name))
                ip_req, aliases = None, []
            for n in nets:
                if n not in self.host.networks:
                    raise DockerRefusal(say('network {n} not found (create it first with docker network create {n})', n=n), docker=f'network {n} not found')
                if self.host.networks[n].driver not in ("bridge", *VLAN_DRIVERS):
                    raise CommandError(say("conflicting options: {n} type network can't be used with other networks", n=n))
        c = DockerContainer(self.host, name, mode, [], shares, [], expose, labels, set(), index, image)
        c.id = container_id(self.host.name, name, index)
        c.hostname = f.last("hostname") or c.short_id
        c.dns_servers = self._dns_servers(f.all("dns"))
        c.dns_search, c.dns_options = check_search(f.all("dns-search")), f.all("dns-option")
        c.domainname = self._domainname(f.last("domainname"), mode, warnings, name)
        c.extra_hosts = self._extra_hosts(f.all("add-host"))
        for link in links:  # legacy links: /etc/hosts entries for the target's name and alias
            target_name, _, alias = link.partition(":")
            target = self.host.containers.get(target_name)
            if target is None or not target.running or not target.attachments:
                raise DockerRefusal(say('could not get container for {target_name}: No such container: {target_name}', target_name=target_name))
            for entry in (alias, target_name):
                if entry:
                    c.extra_hosts.setdefault(entry.lower(), target.attachments[0].ip)
            c.links.append(target)
        if mode == "host" and (publish_specs or publish_all):
            warnings.append(say('{name}: WARNING: Published ports are discarded when using host network mode', name=name))
        if mode == "none" and (publish_specs or publish_all):
            warnings.append(say('{name}: --network none has no interface but lo: the published ports lead nowhere and are ignored', name=name))
        if mode == "container" and (c.dns_search or c.dns_options):
            warnings.append(say("{name}: --dns-search/--dns-option are ignored with --network container: (the container uses {owner}'s resolv.conf)", name=name, owner=shares.name))
        if mode != "bridge" and any(e.aliases or e.ip or e.priority is not None for e in endpoints.values()):
            raise CommandError(say("docker run: --network {mode} takes no alias, ip or gw-priority (the container has no endpoint of its own)", mode=mode_arg))
        if mode == "bridge":
            first = endpoints.get(nets[0])
            self._attach(c, self.host.networks[nets[0]], ip_req or (first.ip if first else None),
                         aliases + (first.aliases if first else []))
            for extra in nets[1:]:
                e = endpoints.get(extra)
                self._attach(c, self.host.networks[extra], e.ip if e else None, e.aliases if e else [])
            for att in c.attachments:
                e = endpoints.get(att.network.name)
                att.gw_priority = e.priority if e and e.priority is not None else 0
            if uses_embedded_dns(c):
                user_ndots(c.dns_options)  # rebuildDNS refuses a bad ndots when the embedded DNS starts
            if c.gateway_attachment is not None and is_vlan(c.gateway_attachment.network) and (publish_specs or publish_all):
                warnings.append(say('{name}: a {driver} endpoint has no port mappings: Docker accepts -p/-P and sets up nothing (seen on 20.10 for macvlan); reach the container at its own address', name=name, driver=c.gateway_attachment.network.driver))
                publish_specs, publish_all, c.unpublished = [], False, True
            if c.gateway_attachment is None and (publish_specs or publish_all):
                warnings.append(say('{name}: every network of the container is --internal: its published ports are not set up', name=name))
            addrs = self._host_addresses()
            binding = c.gateway_attachment.network.host_binding if c.gateway_attachment else "0.0.0.0"
            with unbound_ports(self, c, publish_specs):  # a routed-mode gateway network binds no host port
                for spec in publish_specs:
                    if not spec.address_given:
                        spec.host_ip = binding  # the network's host_binding_ipv4 (0.0.0.0 unless set)
                    if spec.host_ip not in addrs and not is_loopback(spec.host_ip):  # lo holds all of 127.0.0.0/8
                        raise CommandError(say('Error starting userland proxy: listen {proto}4 {host_ip}: bind: cannot assign requested address ({host_ip} is not an address of host {name})', proto=spec.proto, host_ip=spec.host_ip, name=self.host.name))
                    if spec.host_ports is None:
                        for cp in spec.container_ports:
                            hp = self._random_port(spec.proto, spec.host_ip)
                            self._bind(spec.proto, spec.host_ip, hp)
                            c.publish.append(PortMapping(spec.host_ip, hp, cp, spec.proto, random=True))
                    elif len(spec.container_ports) == 1 and len(spec.host_ports) > 1:
                        cp = spec.container_ports[0]
                        for hp in spec.host_ports:
                            try:
                                self._bind(spec.proto, spec.host_ip, hp)
                            except CommandError:
                                continue
                            c.publish.append(PortMapping(spec.host_ip, hp, cp, spec.proto))
                            break
                        else:
                            raise CommandError(say('Bind for {host_ip}:{first}-{last} failed: every port in the range is already allocated', host_ip=spec.host_ip, first=spec.host_ports[0], last=spec.host_ports[-1]))
                    else:
                        pairs = zip(spec.host_ports, spec.container_ports) if len(spec.host_ports) > 1 else [(spec.host_ports[0], spec.container_ports[0])]
                        for hp, cp in pairs:
                            self._bind(spec.proto, spec.host_ip, hp)
                            c.publish.append(PortMapping(spec.host_ip, hp, cp, spec.proto))
                if publish_all:
                    published = {(m.container_port, m.proto) for m in c.publish}
                    for port, proto in sorted(expose):
                        if (port, proto) in published:
                            continue
                        hp = self._random_port(proto, binding)
                        self._bind(proto, binding, hp)
                        c.publish.append(PortMapping(binding, hp, port, proto, random=True))
        # what listens
        if LISTEN_KEY in labels:
            c.listens = port_list(labels[LISTEN_KEY], f"port in label {LISTEN_KEY}")
        else:
            c.listens = set(expose)
            for spec in listen_specs:
                for cp in spec.container_ports:
                    c.listens.add((cp, spec.proto))
        # --network container:X with X in host mode joins the host's namespace: its listeners are the host's
        if c.ns_owner.mode == "host":
            for key in sorted(c.listens):
                if key in self.host.host_listeners:
                    other = self.host.host_listeners[key]
                    warnings.append(say('{name}: port {port}/{proto} is already bound on the host by {other}; the process in {name} would fail to bind', name=name, port=key[0], proto=key[1], other=other.name))
                else:
                    self.host.host_listeners[key] = c
        elif c.ns_owner is not c:
            # one namespace, one socket per port: the member that started first holds it (the tracer delivers to it)
            members = self.host.ns_members.get(id(c.ns_owner), [c.ns_owner])
            for key in sorted(c.listens):
                other = next((m for m in members if key in m.listens), None)
                if other is not None:
                    warnings.append(say('{name}: port {port}/{proto} is already bound in {owner}\'s network namespace by {other}; the process in {name} would fail to bind', name=name, port=key[0], proto=key[1], owner=c.ns_owner.name, other=other.name))
        for m in c.publish:
            if not m.routed:
                self.host.mappings.setdefault((m.proto, m.host_port), []).append((m, c))
        self.host.containers[name] = c
        owner = c.ns_owner
        self.host.ns_members.setdefault(id(owner), []).append(c)
        self.host.warnings.extend(warnings)

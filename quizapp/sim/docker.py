"""Docker hosts: ``docker network create``, ``docker network connect`` and ``docker run`` command lines.

Command lines are split with :mod:`shlex` and parsed with Docker's own flag syntax (spf13/pflag, as the
docker CLI uses it): ``--name x``, ``--name=x``, ``-p 80``, ``-p80``, ``-p=80``, clustered booleans
``-dit``, a cluster ending in a value flag (``-dp 8080:80``), ``--`` ends the flags, and everything from
the image on (image, command, arguments) is accepted and ignored, as Docker stops parsing flags at the
first positional argument. Unknown flags are refused with Docker's message.

Docker's checks are reproduced with Docker's wording where it matters: a name already in use, a network
that does not exist, ``--ip`` on the default bridge or on a network without ``--subnet``, an address
outside the subnet or already in use, overlapping subnets, a host port already allocated, ``-p`` /
``-P`` / ``--expose`` with ``--network container:<name>``, ``--network-alias`` off user-defined networks.
"""

from __future__ import annotations

import hashlib
import shlex
from dataclasses import dataclass, field

from .model import Attachment, DockerContainer, DockerHost, DockerNetwork, PortMapping
from .netutil import int_ip, ip_int, is_ip, network, nth

LISTEN_KEY = "quizapp.io/listen"
EPHEMERAL_START = 32768  # /proc/sys/net/ipv4/ip_local_port_range on Linux: 32768-60999
EPHEMERAL_END = 60999

# docker's default-address-pools: 172.17.0.0/16 .. 172.31.0.0/16 (/16 each), then 192.168.0.0/16 in /20s
_DEFAULT_POOLS = [f"172.{i}.0.0/16" for i in range(17, 32)] + [f"192.168.{i}.0/20" for i in range(0, 256, 16)]

# ------------------------------------------------------------------------------------------ flags

# docker run / docker container run: flags taking a value (long name -> canonical), and booleans
_RUN_VALUE = {
    "add-host", "annotation", "attach", "blkio-weight", "blkio-weight-device", "cap-add", "cap-drop",
    "cgroup-parent", "cgroupns", "cidfile", "cpu-count", "cpu-percent", "cpu-period", "cpu-quota",
    "cpu-rt-period", "cpu-rt-runtime", "cpu-shares", "cpus", "cpuset-cpus", "cpuset-mems", "detach-keys",
    "device", "device-cgroup-rule", "device-read-bps", "device-read-iops", "device-write-bps",
    "device-write-iops", "dns", "dns-option", "dns-opt", "dns-search", "domainname", "entrypoint", "env",
    "env-file", "expose", "gpus", "group-add", "health-cmd", "health-interval", "health-retries",
    "health-start-interval", "health-start-period", "health-timeout", "hostname", "io-maxbandwidth",
    "io-maxiops", "ip", "ip6", "ipc", "isolation", "kernel-memory", "label", "label-file", "link",
    "link-local-ip", "log-driver", "log-opt", "mac-address", "memory", "memory-reservation", "memory-swap",
    "memory-swappiness", "mount", "name", "network", "net", "network-alias", "net-alias", "oom-score-adj",
    "pid", "pids-limit", "platform", "publish", "pull", "restart", "runtime", "security-opt", "shm-size",
    "stop-signal", "stop-timeout", "storage-opt", "sysctl", "tmpfs", "ulimit", "user", "userns", "uts",
    "volume", "volume-driver", "volumes-from", "workdir",
}
_RUN_BOOL = {
    "detach", "rm", "interactive", "tty", "publish-all", "privileged", "init", "read-only",
    "oom-kill-disable", "no-healthcheck", "sig-proxy", "quiet", "disable-content-trust", "use-api-socket",
}
_RUN_SHORT = {
    "d": "detach", "i": "interactive", "t": "tty", "P": "publish-all", "q": "quiet",
    "a": "attach", "c": "cpu-shares", "e": "env", "h": "hostname", "l": "label", "m": "memory",
    "p": "publish", "u": "user", "v": "volume", "w": "workdir",
}
_RUN_ALIASES = {"net": "network", "net-alias": "network-alias", "dns-opt": "dns-option"}

_NETCREATE_VALUE = {"driver", "subnet", "gateway", "ip-range", "label", "opt", "aux-address", "scope",
                    "config-from", "ipam-driver", "ipam-opt"}
_NETCREATE_BOOL = {"internal", "attachable", "ipv6", "ipv4", "ingress", "config-only"}
_NETCREATE_SHORT = {"d": "driver", "o": "opt"}

_NETCONNECT_VALUE = {"ip", "ip6", "alias", "link", "link-local-ip", "driver-opt", "gw-priority"}
_NETCONNECT_BOOL: set[str] = set()
_NETCONNECT_SHORT: dict[str, str] = {}

_NAME_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")

_ADJECTIVES = ["admiring", "brave", "clever", "dazzling", "eager", "focused", "gifted", "happy", "jolly",
               "kind", "lucid", "modest", "nifty", "optimistic", "peaceful", "quirky", "relaxed", "serene",
               "tender", "upbeat", "vibrant", "wizardly", "xenodochial", "youthful", "zealous"]
_SURNAMES = ["albattani", "babbage", "curie", "darwin", "euclid", "feynman", "galileo", "hopper", "jepsen",
             "kepler", "lovelace", "meitner", "noether", "ostrom", "pasteur", "ritchie", "shannon", "turing",
             "villani", "wozniak", "yonath", "zhukovsky"]


class CommandError(Exception):
    """A command Docker would refuse; the message is Docker's reason plus what to do."""


@dataclass
class ParsedFlags:
    values: dict[str, list[str]] = field(default_factory=dict)
    bools: dict[str, bool] = field(default_factory=dict)
    positionals: list[str] = field(default_factory=list)

    def last(self, name: str) -> str | None:
        v = self.values.get(name)
        return v[-1] if v else None

    def all(self, name: str) -> list[str]:
        return self.values.get(name, [])


def parse_flags(args: list[str], value_flags: set[str], bool_flags: set[str], shorts: dict[str, str],
                aliases: dict[str, str] | None = None, interspersed: bool = False, what: str = "docker") -> ParsedFlags:
    """Parse ``args`` the way pflag does. ``interspersed=False`` stops at the first positional."""
    aliases = aliases or {}
    out = ParsedFlags()
    i = 0

    def put(name: str, value: str | None, flag_text: str) -> None:
        canon = aliases.get(name, name)
        if name in bool_flags or canon in bool_flags:
            if value is None:
                out.bools[canon] = True
            else:
                low = value.lower()
                if low in ("true", "1", "t"):
                    out.bools[canon] = True
                elif low in ("false", "0", "f"):
                    out.bools[canon] = False
                else:
                    raise CommandError(f'invalid argument "{value}" for "{flag_text}" flag: parse error (a boolean flag takes true or false)')
        else:
            out.values.setdefault(canon, []).append(value if value is not None else "")

    while i < len(args):
        a = args[i]
        if a == "--":
            out.positionals.extend(args[i + 1:])
            break
        if a.startswith("--") and len(a) > 2:
            body = a[2:]
            name, eq, value = body.partition("=")
            if name not in value_flags and name not in bool_flags:
                raise CommandError(f"unknown flag: --{name} (see 'docker {what} --help' for the flags this simulator models)")
            if name in value_flags:
                if not eq:
                    if i + 1 >= len(args):
                        raise CommandError(f"flag needs an argument: --{name}")
                    i += 1
                    value = args[i]
                put(name, value, f"--{name}")
            else:
                put(name, value if eq else None, f"--{name}")
            i += 1
            continue
        if a.startswith("-") and len(a) > 1:
            j = 1
            while j < len(a):
                ch = a[j]
                if ch not in shorts:
                    raise CommandError(f"unknown shorthand flag: '{ch}' in {a}")
                name = shorts[ch]
                if name in value_flags:
                    rest = a[j + 1:]
                    if rest.startswith("="):
                        rest = rest[1:]
                    if rest:
                        value = rest
                    else:
                        if i + 1 >= len(args):
                            raise CommandError(f"flag needs an argument: '{ch}' in -{ch}")
                        i += 1
                        value = args[i]
                    put(name, value, f"-{ch}")
                    break
                if j + 1 < len(a) and a[j + 1] == "=":
                    put(name, a[j + 2:], f"-{ch}")
                    break
                put(name, None, f"-{ch}")
                j += 1
            i += 1
            continue
        out.positionals.append(a)
        if not interspersed:
            out.positionals.extend(args[i + 1:])
            break
        i += 1
    return out


# ------------------------------------------------------------------------------------------ ports

def parse_port_list(text: str, what: str) -> set[tuple[int, str]]:
    """``"80,443,53/udp"`` -> {(80,'tcp'), (443,'tcp'), (53,'udp')} (ranges ``7000-7002`` allowed)."""
    result: set[tuple[int, str]] = set()
    for item in str(text).split(","):
        item = item.strip()
        if not item:
            continue
        for port, proto in _port_range(item, what):
            result.add((port, proto))
    return result


def _port_number(s: str, what: str) -> int:
    if not s.isdigit():
        raise CommandError(f"invalid {what}: {s!r} is not a port number")
    n = int(s)
    if not 0 < n <= 65535:
        raise CommandError(f"invalid {what}: {n} is outside 1-65535")
    return n


def _range(s: str, what: str) -> list[int]:
    lo, dash, hi = s.partition("-")
    a = _port_number(lo, what)
    if not dash:
        return [a]
    b = _port_number(hi, what)
    if b < a:
        raise CommandError(f"invalid {what} range: {s}")
    return list(range(a, b + 1))


def _port_range(item: str, what: str) -> list[tuple[int, str]]:
    port, slash, proto = item.partition("/")
    proto = (proto or "tcp").lower()
    if proto not in ("tcp", "udp", "sctp"):
        raise CommandError(f"invalid proto: {proto} (tcp, udp or sctp)")
    return [(p, proto) for p in _range(port, what)]


@dataclass
class PublishSpec:
    host_ip: str
    host_ports: list[int] | None  # None: random
    container_ports: list[int]
    proto: str


def parse_publish(spec: str) -> PublishSpec:
    """Docker's ``-p`` syntax: ``[ip:][hostPort[-end]:]containerPort[-end][/proto]``."""
    body, slash, proto = spec.partition("/")
    proto = (proto or "tcp").lower()
    if proto not in ("tcp", "udp", "sctp"):
        raise CommandError(f"invalid proto: {proto} in -p {spec} (use tcp, udp or sctp)")
    if body.startswith("["):
        raise CommandError(f"-p {spec}: IPv6 host addresses are not modelled by the simulator")
    parts = body.split(":")
    if len(parts) == 1:
        host_ip, host, cont = "0.0.0.0", "", parts[0]
    elif len(parts) == 2:
        host_ip, host, cont = "0.0.0.0", parts[0], parts[1]
    elif len(parts) == 3:
        host_ip, host, cont = parts[0] or "0.0.0.0", parts[1], parts[2]
    else:
        raise CommandError(f"invalid port specification: {spec!r}")
    if not is_ip(host_ip):
        raise CommandError(f"invalid IP address in -p {spec}: {host_ip}")
    if not cont:
        raise CommandError(f"no port specified: {spec}<empty>")
    container_ports = _range(cont, "containerPort")
    host_ports = _range(host, "hostPort") if host else None
    if host_ports is not None and len(host_ports) > 1 and len(container_ports) > 1 and len(host_ports) != len(container_ports):
        raise CommandError(f"invalid ranges specified for container and host Ports: {cont} and {host}")
    if host_ports is not None and len(container_ports) > 1 and len(host_ports) == 1:
        raise CommandError(f"invalid ranges specified for container and host Ports: {cont} and {host}")
    return PublishSpec(host_ip, host_ports, container_ports, proto)


# ------------------------------------------------------------------------------------------ builder

def _short_id(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:12]


class DockerBuilder:
    """Applies a DockerHost's commands in order, the way the daemon would."""

    def __init__(self, host: DockerHost):
        self.host = host
        self._next_port = {"tcp": EPHEMERAL_START, "udp": EPHEMERAL_START, "sctp": EPHEMERAL_START}
        self._taken: dict[tuple[str, int], list[str]] = {}  # (proto, port) -> bound host IPs
        bridge = DockerNetwork("bridge", "bridge", network("172.17.0.0/16"), "172.17.0.1", "docker0", False)
        bridge.used.update({ip_int("172.17.0.0"), ip_int("172.17.0.1"), ip_int("172.17.255.255")})
        host.networks["bridge"] = bridge
        host.networks["host"] = DockerNetwork("host", "host", None, None, "", False)
        host.networks["none"] = DockerNetwork("none", "null", None, None, "", False)
        self._unnamed = 0

    # -- entry point ------------------------------------------------------------------------------
    def apply(self, line: str, index: int) -> None:
        line = line.replace("\\\n", " ").strip()
        if line.startswith("$ "):
            line = line[2:]
        try:
            argv = shlex.split(line)
        except ValueError as exc:
            raise CommandError(f"cannot split the command line: {exc}") from None
        if argv[:1] == ["sudo"]:
            argv = argv[1:]
        if not argv or argv[0] != "docker":
            raise CommandError("each command must be a docker command line (docker run ..., docker network create ...)")
        rest = argv[1:]
        if rest[:2] == ["container", "run"]:
            return self.run(rest[2:], index)
        if rest[:1] == ["run"]:
            return self.run(rest[1:], index)
        if rest[:2] == ["network", "create"]:
            return self.network_create(rest[2:])
        if rest[:2] == ["network", "connect"]:
            return self.network_connect(rest[2:])
        shown = " ".join(rest[:2]) or "(nothing)"
        raise CommandError(f"docker {shown}: not modelled; use docker run, docker network create or docker network connect")

    # -- networks ---------------------------------------------------------------------------------
    def network_create(self, args: list[str]) -> None:
        f = parse_flags(args, _NETCREATE_VALUE, _NETCREATE_BOOL, _NETCREATE_SHORT, interspersed=True, what="network create")
        if len(f.positionals) != 1:
            raise CommandError('"docker network create" requires exactly 1 argument (the network name)')
        name = f.positionals[0]
        if name in self.host.networks:
            raise CommandError(f"network with name {name} already exists")
        driver = f.last("driver") or "bridge"
        if driver != "bridge":
            raise CommandError(f"driver {driver!r}: only the bridge driver is modelled (host and none exist already; overlay, macvlan and ipvlan are not simulated)")
        opts = dict(o.split("=", 1) if "=" in o else (o, "") for o in f.all("opt"))
        bridge_name = opts.get("com.docker.network.bridge.name") or f"br-{_short_id(self.host.name, name)}"
        subnets = f.all("subnet")
        if len(subnets) > 1:
            raise CommandError("only one --subnet per network is modelled")
        explicit = bool(subnets)
        if subnets:
            try:
                subnet = network(subnets[0])
            except ValueError as exc:
                raise CommandError(f"invalid --subnet {subnets[0]}: {exc}") from None
            for other in self.host.networks.values():
                if other.subnet is not None and other.subnet.overlaps(subnet):
                    raise CommandError(f"Pool overlaps with other one on this address space (--subnet {subnet} overlaps network {other.name} {other.subnet})")
        else:
            subnet = None
            for pool in _DEFAULT_POOLS:
                cand = network(pool)
                if all(o.subnet is None or not o.subnet.overlaps(cand) for o in self.host.networks.values()):
                    subnet = cand
                    break
            if subnet is None:  # pragma: no cover
                raise CommandError("all predefined address pools have been fully subnetted")
        gw = f.last("gateway")
        if gw is not None:
            if not explicit:
                raise CommandError("--gateway needs --subnet")
            if not is_ip(gw) or not network(f"{gw}/32").subnet_of(subnet):
                raise CommandError(f"no matching subnet for gateway {gw} (it must lie inside {subnet})")
        else:
            gw = nth(subnet, 1)
        ip_range = None
        if f.last("ip-range"):
            if not explicit:
                raise CommandError("--ip-range needs --subnet")
            try:
                ip_range = network(f.last("ip-range"))
            except ValueError as exc:
                raise CommandError(f"invalid --ip-range: {exc}") from None
            if not ip_range.subnet_of(subnet):
                raise CommandError(f"no matching subnet for range {ip_range} (it must lie inside {subnet})")
        net = DockerNetwork(name, "bridge", subnet, gw, bridge_name, True, internal=f.bools.get("internal", False),
                            ip_range=ip_range, explicit_subnet=explicit)
        net.used.update({int(subnet.network_address), int(subnet.broadcast_address), ip_int(gw)})
        self.host.networks[name] = net

    def _allocate(self, net: DockerNetwork, requested: str | None) -> str:
        if requested is not None:
            if not is_ip(requested):
                raise CommandError(f"invalid IPv4 address: {requested}")
            if not net.user_defined:
                raise CommandError("user specified IP address is supported on user defined networks only")
            if not net.explicit_subnet:
                raise CommandError("user specified IP address is supported only when connecting to networks with user configured subnets")
            n = ip_int(requested)
            if (n & int(net.subnet.netmask)) != int(net.subnet.network_address):
                raise CommandError(f"Invalid address {requested}: It does not belong to any of this network's subnets ({net.name} is {net.subnet})")
            if n in net.used:
                owner = net.by_ip.get(requested)
                who = f" by container {owner.name}" if owner else " (network, gateway or broadcast address)"
                raise CommandError(f"Address already in use: {requested} is taken{who} on network {net.name}")
            net.used.add(n)
            return requested
        pool = net.ip_range or net.subnet
        start = int(pool.network_address)
        end = int(pool.broadcast_address)
        for n in range(start, end + 1):
            if n not in net.used:
                net.used.add(n)
                return int_ip(n)
        raise CommandError(f"no available IPv4 addresses on network {net.name} ({pool})")

    def _attach(self, c: DockerContainer, net: DockerNetwork, ip: str | None, aliases: list[str]) -> None:
        if net.driver != "bridge":
            raise CommandError(f"container cannot be connected to network {net.name} ({net.driver} mode)")
        if aliases and not net.user_defined:
            raise CommandError("network-scoped alias is supported only for containers in user defined networks")
        if any(a.network is net for a in c.attachments):
            raise CommandError(f"endpoint with name {c.name} already exists in network {net.name}")
        addr = self._allocate(net, ip)
        c.attachments.append(Attachment(net, addr, list(aliases)))
        net.by_ip[addr] = c
        if net.user_defined:
            for dns_name in [c.name, *aliases]:
                net.dns.setdefault(dns_name.lower(), c)

    def network_connect(self, args: list[str]) -> None:
        f = parse_flags(args, _NETCONNECT_VALUE, _NETCONNECT_BOOL, _NETCONNECT_SHORT, interspersed=True, what="network connect")
        if len(f.positionals) != 2:
            raise CommandError('"docker network connect" requires exactly 2 arguments: NETWORK CONTAINER')
        net_name, cname = f.positionals
        net = self.host.networks.get(net_name)
        if net is None:
            raise CommandError(f"network {net_name} not found")
        c = self.host.containers.get(cname)
        if c is None:
            raise CommandError(f"No such container: {cname}")
        if c.mode in ("host", "container", "none"):
            raise CommandError(f"container {cname} uses network mode {c.mode} and cannot be connected to another network")
        self._attach(c, net, f.last("ip"), f.all("alias"))

    # -- docker run -------------------------------------------------------------------------------
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
                raise CommandError(f"Bind for {host_ip}:{port} failed: port is already allocated")
        bound.append(host_ip)

    def _random_port(self, proto: str, host_ip: str) -> int:
        port = self._next_port[proto]
        while port <= EPHEMERAL_END:
            bound = self._taken.get((proto, port), [])
            if not any(o == "0.0.0.0" or host_ip == "0.0.0.0" or o == host_ip for o in bound):
                self._next_port[proto] = port + 1
                return port
            port += 1
        raise CommandError("no free host port left in the ephemeral range 32768-60999")

    def _host_addresses(self) -> set[str]:
        addrs = {"0.0.0.0", self.host.ip}
        for net in self.host.networks.values():
            if net.gateway:
                addrs.add(net.gateway)
        return addrs

    def run(self, args: list[str], index: int) -> None:
        f = parse_flags(args, _RUN_VALUE, _RUN_BOOL, _RUN_SHORT, _RUN_ALIASES, interspersed=False, what="run")
        if not f.positionals:
            raise CommandError('"docker run" requires at least 1 argument (the image)')
        image = f.positionals[0]
        if f.all("link"):
            raise CommandError("--link (legacy links) is not modelled; put the containers on a user-defined network, where names resolve")
        name = f.last("name")
        if name is not None:
            if not name or name[0] not in _NAME_OK - {"_", ".", "-"} or any(ch not in _NAME_OK for ch in name):
                raise CommandError(f"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
            if name in self.host.containers:
                raise CommandError(f'Conflict. The container name "/{name}" is already in use. Remove (or rename) that container, or choose another --name')
        else:
            name = self._auto_name()
        labels: dict[str, str] = {}
        for item in f.all("label"):
            k, _, v = item.partition("=")
            labels[k] = v
        nets = f.all("network") or ["bridge"]
        mode_arg = nets[0]
        publish_specs = [parse_publish(p) for p in f.all("publish")]
        publish_all = f.bools.get("publish-all", False)
        expose: set[tuple[int, str]] = set()
        for e in f.all("expose"):
            expose |= parse_port_list(e, "--expose port")
        ip_req = f.last("ip")
        aliases = f.all("network-alias")
        shares = None
        if mode_arg.startswith("container:"):
            mode = "container"
            target = mode_arg.split(":", 1)[1]
            if publish_specs or publish_all:
                raise CommandError("conflicting options: port publishing and the container type network mode (a container that joins another's namespace cannot publish ports; publish them on that container)")
            if expose:
                raise CommandError("conflicting options: port exposing and the container type network mode")
            if ip_req or aliases:
                raise CommandError("conflicting options: --ip/--network-alias and the container type network mode (the container has no network endpoint of its own)")
            if len(nets) > 1:
                raise CommandError("conflicting options: container type network can't be used with other networks")
            shares = self.host.containers.get(target)
            if shares is None:
                raise CommandError(f"No such container: {target} (start it before the container that joins its namespace)")
        elif mode_arg in ("host", "none"):
            mode = mode_arg
            if len(nets) > 1:
                raise CommandError(f"conflicting options: {mode} type network can't be used with other networks")
            if ip_req or aliases:
                raise CommandError(f"--ip and --network-alias need a user-defined network, not --network {mode}")
        else:
            mode = "bridge"
            for n in nets:
                if n not in self.host.networks:
                    raise CommandError(f"network {n} not found (create it first with docker network create {n})")
                if self.host.networks[n].driver != "bridge":
                    raise CommandError(f"conflicting options: {n} type network can't be used with other networks")
        c = DockerContainer(self.host, name, mode, [], shares, [], expose, labels, set(), index, image)
        warnings = []
        if mode == "host" and (publish_specs or publish_all):
            warnings.append(f"{name}: WARNING: Published ports are discarded when using host network mode")
        if mode == "none" and (publish_specs or publish_all):
            warnings.append(f"{name}: --network none has no interface but lo: the published ports lead nowhere and are ignored")
        if mode == "bridge":
            self._attach(c, self.host.networks[nets[0]], ip_req, aliases)
            for extra in nets[1:]:
                self._attach(c, self.host.networks[extra], None, [])
            addrs = self._host_addresses()
            for spec in publish_specs:
                if spec.host_ip not in addrs and spec.host_ip != "127.0.0.1":
                    raise CommandError(f"Error starting userland proxy: listen {spec.proto}4 {spec.host_ip}: bind: cannot assign requested address ({spec.host_ip} is not an address of host {self.host.name})")
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
                        raise CommandError(f"Bind for {spec.host_ip}:{spec.host_ports[0]}-{spec.host_ports[-1]} failed: every port in the range is already allocated")
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
                    hp = self._random_port(proto, "0.0.0.0")
                    self._bind(proto, "0.0.0.0", hp)
                    c.publish.append(PortMapping("0.0.0.0", hp, port, proto, random=True))
        # what listens
        if LISTEN_KEY in labels:
            c.listens = parse_port_list(labels[LISTEN_KEY], f"port in label {LISTEN_KEY}")
        else:
            c.listens = set(expose)
            for spec in publish_specs:
                for cp in spec.container_ports:
                    c.listens.add((cp, spec.proto))
        if mode == "host":
            for key in sorted(c.listens):
                if key in self.host.host_listeners:
                    other = self.host.host_listeners[key]
                    warnings.append(f"{name}: port {key[0]}/{key[1]} is already bound on the host by {other.name}; the process in {name} would fail to bind")
                else:
                    self.host.host_listeners[key] = c
        for m in c.publish:
            self.host.mappings.setdefault((m.proto, m.host_port), []).append((m, c))
        self.host.containers[name] = c
        owner = c.ns_owner
        self.host.ns_members.setdefault(id(owner), []).append(c)
        self.host.warnings.extend(warnings)

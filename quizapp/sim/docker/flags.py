"""Docker's command-line flag syntax (spf13/pflag, as the docker CLI uses it) and the flags of the modelled
commands.

``--name x``, ``--name=x``, ``-p 80``, ``-p80``, ``-p=80``, clustered booleans ``-dit``, a cluster ending in a
value flag (``-dp 8080:80``), ``--`` ends the flags; ``docker run`` stops parsing flags at the first positional
argument (the image). Unknown flags are refused with Docker's message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from quizapp.words import say


class CommandError(Exception):
    """A command the simulator refuses: its own syntax checks and what it does not model (``by_docker`` False:
    the simulator does not know what Docker does, so it refuses rather than guess). Refusals the real engine
    makes are :class:`DockerRefusal`."""

    by_docker = False
    docker: str | None = None


class DockerRefusal(CommandError):
    """A refusal Docker itself makes (checked against moby's source or the engine tier), worded as Docker words
    it. ``docker`` is the text Docker prints, verbatim and English (a sim question's key may name it); the
    message may add the simulator's advice after it. Only these may be the key of an ``ask: command`` question."""

    by_docker = True

    def __init__(self, message: object, docker: str | None = None):
        super().__init__(message)
        self.docker = docker if docker is not None else str(message)


# docker run / docker container run: flags taking a value (long name -> canonical), and booleans
RUN_VALUE = {
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
RUN_BOOL = {
    "detach", "rm", "interactive", "tty", "publish-all", "privileged", "init", "read-only",
    "oom-kill-disable", "no-healthcheck", "sig-proxy", "quiet", "disable-content-trust", "use-api-socket",
}
RUN_SHORT = {
    "d": "detach", "i": "interactive", "t": "tty", "P": "publish-all", "q": "quiet",
    "a": "attach", "c": "cpu-shares", "e": "env", "h": "hostname", "l": "label", "m": "memory",
    "p": "publish", "u": "user", "v": "volume", "w": "workdir",
}
RUN_ALIASES = {"net": "network", "net-alias": "network-alias", "dns-opt": "dns-option"}

NETCREATE_VALUE = {"driver", "subnet", "gateway", "ip-range", "label", "opt", "aux-address", "scope",
                    "config-from", "ipam-driver", "ipam-opt"}
NETCREATE_BOOL = {"internal", "attachable", "ipv6", "ipv4", "ingress", "config-only"}
NETCREATE_SHORT = {"d": "driver", "o": "opt"}

NETCONNECT_VALUE = {"ip", "ip6", "alias", "link", "link-local-ip", "driver-opt", "gw-priority"}
NETCONNECT_BOOL: set[str] = set()
NETCONNECT_SHORT: dict[str, str] = {}


# Options that change networking in ways the simulator does not model: refused (the scenario would otherwise
# get a confident wrong answer). Every other accepted option has no effect on where traffic goes.
RUN_NOT_MODELLED = {
    "link-local-ip": say("link-local addresses"), "ip6": say("IPv6"), "mac-address": say("MAC addresses"),
    "sysctl": say("namespaced kernel settings"), "label-file": say("labels read from a file"),
}
NETCREATE_NOT_MODELLED = {
    "aux-address": say("addresses reserved for other devices"), "ipam-driver": say("IPAM drivers"),
    "ipam-opt": say("IPAM driver options"), "config-from": say("configuration-only networks"),
    "scope": say("swarm-scoped networks"), "ipv6": say("IPv6"), "ingress": say("the swarm routing-mesh network"),
    "config-only": say("configuration-only networks"),
}
NETCREATE_DEFAULT_TRUE = {"ipv4": say("networks without IPv4")}  # refused only when turned off
NETCONNECT_NOT_MODELLED = {
    "ip6": say("IPv6"), "link": say("legacy links"), "link-local-ip": say("link-local addresses"),
    "driver-opt": say("endpoint driver options"),
}
# bridge driver options (-o KEY=VALUE): modelled, accepted with their default only, or neutral
BRIDGE_OPTS_MODELLED = {"com.docker.network.bridge.name", "com.docker.network.bridge.enable_icc",
                        "com.docker.network.bridge.host_binding_ipv4",
                        "com.docker.network.bridge.enable_ip_masquerade",
                        "com.docker.network.bridge.gateway_mode_ipv4",  # checked in .bridgeopts
                        "com.docker.network.bridge.trusted_host_interfaces"}
BRIDGE_OPTS_NEUTRAL = {"com.docker.network.driver.mtu"}
BRIDGE_OPTS_DEFAULT_ONLY: dict[str, str] = {}


def refuse_unmodelled(f: "ParsedFlags", not_modelled: dict[str, str], command: str,
                      default_true: dict[str, str] | None = None) -> None:
    """Refuse the first option of ``f`` that the simulator would otherwise accept and ignore."""
    for name in [*f.values, *f.bools]:
        why = not_modelled.get(name)
        if why is not None and f.bools.get(name, True):
            raise CommandError(say('{command}: option --{name} is not modelled by the simulator ({why}); remove it - ignoring it would give an answer that is not what Docker does', command=command, name=name, why=why))
        why = (default_true or {}).get(name)
        if why is not None and f.bools.get(name) is False:
            raise CommandError(say('{command}: option --{name}=false is not modelled by the simulator ({why})', command=command, name=name, why=why))


def refuse_bridge_opt(key: str, value: str) -> None:
    """Refuse a ``-o KEY=VALUE`` bridge option the simulator does not model (or not with this value)."""
    if key in BRIDGE_OPTS_MODELLED or key in BRIDGE_OPTS_NEUTRAL:
        return
    default = BRIDGE_OPTS_DEFAULT_ONLY.get(key)
    if default is not None:
        if value.lower() == default:
            return
        raise CommandError(say('docker network create: option -o {key}={value} is not modelled by the simulator (only its default, {default}, is); remove it', key=key, value=value, default=default))
    raise CommandError(say('docker network create: option -o {key} is not modelled by the simulator; remove it', key=key))


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
                    raise CommandError(say('invalid argument "{value}" for "{flag_text}" flag: parse error (a boolean flag takes true or false)', value=value, flag_text=flag_text))
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
                raise CommandError(say("unknown flag: --{name} (see 'docker {what} --help' for the flags this simulator models)", name=name, what=what))
            if name in value_flags:
                if not eq:
                    if i + 1 >= len(args):
                        raise CommandError(say('flag needs an argument: --{name}', name=name))
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
                    raise CommandError(say("unknown shorthand flag: '{ch}' in {a}", ch=ch, a=a))
                name = shorts[ch]
                if name in value_flags:
                    rest = a[j + 1:]
                    if rest.startswith("="):
                        rest = rest[1:]
                    if rest:
                        value = rest
                    else:
                        if i + 1 >= len(args):
                            raise CommandError(say("flag needs an argument: '{ch}' in -{ch}", ch=ch))
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
